# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import _, models


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def _routing_handle_bounce(self, email_message, message_dict):
        """A reminder bounced days after it left the queue: it failed."""
        res = super()._routing_handle_bounce(email_message, message_dict)
        message = message_dict.get("bounced_message")
        if message:
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
        return res
