# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models

from .dunning_worklist_touch import write_touching

# what the effectiveness report reads of a customer's incoming email (a reply
# to a reminder when written by one of its contacts)
REPLY_MESSAGE_FIELDS = {"author_id", "message_type", "date", "model", "res_id"}


class MailMessage(models.Model):
    _inherit = "mail.message"

    @api.model_create_multi
    def create(self, vals_list):
        messages = super().create(vals_list)
        messages._dunning_touch_worklist()
        return messages

    def write(self, vals):
        return write_touching(self, vals, REPLY_MESSAGE_FIELDS, super().write)

    def unlink(self):
        self._dunning_touch_worklist()
        return super().unlink()

    def _dunning_touch_worklist(self):
        # sudo: only marks the authors' customers, whoever may read them
        authors = self.sudo().filtered(lambda m: m.message_type == "email").author_id
        if authors:
            self.env["dunning.worklist"]._touch(
                authors.commercial_partner_id.ids, source=self._name
            )
