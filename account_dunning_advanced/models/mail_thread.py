# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging

from odoo import _, models

_logger = logging.getLogger(__name__)


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def _routing_handle_bounce(self, email_message, message_dict):
        """A reminder bounced days after it left the queue: it failed."""
        res = super()._routing_handle_bounce(email_message, message_dict)
        message = message_dict.get("bounced_message")
        if not message:
            return res
        # Odoo's mail gateway: a problem with the reminders never stops it
        try:
            with self.env.cr.savepoint():
                comms = (
                    self.env["dunning.communication"]
                    .sudo()
                    .search([("mail_message_id", "in", message.ids)])
                )
                if comms:
                    comms._dunning_mail_failed(
                        _(
                            "bounced by the recipient's server (%(email)s)",
                            email=message_dict.get("bounced_email") or "",
                        )
                    )
        except Exception:  # noqa: BLE001 - logged, the gateway goes on
            _logger.exception("Dunning: recording the bounce of %s failed", message)
        return res
