# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging

from odoo import models

_logger = logging.getLogger(__name__)

FINAL_STATES = ("sent", "error", "canceled")


class SmsSms(models.Model):
    _inherit = "sms.sms"

    def write(self, vals):
        res = super().write(vals)
        if vals.get("state") in FINAL_STATES:
            self._dunning_feedback(vals["state"], vals.get("failure_type"))
        return res

    def _dunning_feedback(self, state, failure_type):
        """The reminders' SMS state follows the SMS queue. Never raises: an
        exception here would stop the queue for every SMS of the database."""
        try:
            with self.env.cr.savepoint():
                comms = (
                    self.env["dunning.communication"]
                    .sudo()
                    .search([("sms_id", "in", self.ids)])
                )
                if comms:
                    self.env["dunning.channel.sms"]._feedback(
                        comms, state, failure_type
                    )
        except Exception:  # noqa: BLE001 - logged, the SMS queue goes on
            _logger.exception("Dunning SMS state of SMS %s", self.ids)
