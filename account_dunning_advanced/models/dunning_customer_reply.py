# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from markupsafe import Markup
from psycopg2.errors import UniqueViolation

from odoo import api, models
from odoo.tools import mute_logger


def plain_text_html(text):
    """``text`` as HTML showing exactly what was typed: escaped, its lines
    kept, no link made clickable. Text a customer or a reply wrote reaches
    collectors' screens: Odoo's sanitizer keeps ``<a href>``, ``<img>``,
    ``<b>``. A ``Markup`` body, built by the addon, is kept as is."""
    if isinstance(text, Markup):
        return text
    return Markup("<p>%s</p>") % Markup("<br/>").join(str(text or "").splitlines())


class DunningCustomerReply(models.AbstractModel):
    """A reply of a customer that is open once: a declared payment, a
    promise to pay, a dispute. A partial unique index on the open ones (in
    each model's ``init``) refuses the second, from a resubmitted form or from
    two requests at the same time: a unique violation, or a serialization
    failure (a relation inserted ``ON CONFLICT DO NOTHING``), on which Odoo
    runs the request again, and it finds the first."""

    _name = "dunning.customer.reply.mixin"
    _description = "Customer Reply Open Once"

    @api.model
    def _dunning_open_duplicates(self, vals):
        """The open records that ``vals`` would duplicate."""
        raise NotImplementedError

    @api.model
    def _dunning_create_once(self, vals):
        """(record, True) for the record created from ``vals``, or (what is
        already open, False) and nothing created. Under concurrency the
        other transaction's record may not be visible yet (REPEATABLE READ):
        then (empty, False), and the next request sees it."""
        existing = self._dunning_open_duplicates(vals)
        if existing:
            return existing, False
        try:
            # the violation is the answer, not an error to log (as Odoo's
            # sequence_mixin does)
            with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                record = self.create(vals)
                # the relations and computed fields the index covers
                self.env.flush_all()
        except UniqueViolation:
            return self._dunning_open_duplicates(vals), False
        return record, True
