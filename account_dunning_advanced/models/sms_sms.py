# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging

from odoo import models

_logger = logging.getLogger(__name__)

# Odoo's SMS states: "pending" (shown "Sent") once the provider accepted the
# SMS, "sent" (shown "Delivered") once its delivery report came, which needs
# the provider to reach this server: most databases never get it.
ACCEPTED_STATES = ("pending", "sent")
FAILED_STATES = ("error", "canceled")


class SmsSms(models.Model):
    _inherit = "sms.sms"

    def write(self, vals):
        res = super().write(vals)
        if vals.get("state") in ACCEPTED_STATES + FAILED_STATES:
            self._dunning_feedback(vals["state"], vals.get("failure_type"))
        return res

    def _dunning_feedback(self, state, failure_type=False):
        """The reminders' SMS state follows the SMS queue and the provider's
        reports: accepted by the provider, the SMS is sent (done); delivered,
        its reminder says when; refused or not delivered, it failed. Never
        raises: an exception here would stop the queue for every SMS of the
        database."""
        if not self:
            return
        try:
            with self.env.cr.savepoint():
                # SMS queue feedback: only it changes the reminders' SMS state
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
