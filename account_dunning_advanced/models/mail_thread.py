# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging

from odoo import _, api, models
from odoo.tools import html2plaintext

from .dunning_customer_reply import plain_text_html

_logger = logging.getLogger(__name__)


def is_auto_reply(message):
    """Whether an incoming email says it was sent by a program (an absence
    notice): RFC 3834 ``Auto-Submitted``, or the headers of common
    autoresponders."""
    auto_submitted = (message.get("Auto-Submitted") or "no").strip().lower()
    precedence = (message.get("Precedence") or "").strip().lower()
    return (
        auto_submitted != "no"
        or precedence == "auto_reply"
        or bool(message.get("X-Autoreply") or message.get("X-Autorespond"))
    )


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    @api.model
    def message_route(
        self, message, message_dict, model=None, thread_id=None, custom_values=None
    ):
        """A reply to a reminder email goes to the reminder, not to the
        customer's chatter where the email was logged: the reminder keeps the
        conversation, notifies its collector and counts the response."""
        routes = super().message_route(
            message,
            message_dict,
            model=model,
            thread_id=thread_id,
            custom_values=custom_values,
        )
        # Odoo's mail gateway: a problem with the reminders never stops it
        try:
            with self.env.cr.savepoint():
                return self._dunning_reply_routes(message, message_dict, routes)
        except Exception:  # noqa: BLE001 - logged, the email is routed as usual
            _logger.exception(
                "Dunning: routing the reply %s failed", message_dict.get("message_id")
            )
        return routes

    def _dunning_reply_routes(self, message, message_dict, routes):
        # The mail gateway routes every incoming email, whoever fetches it: the
        # reminder a reply answers is found beyond that user's rights.
        gateway = self.sudo().env
        parent = gateway["mail.message"].browse(message_dict.get("parent_id"))
        if not routes or not parent.exists():
            return routes
        comm = gateway["dunning.communication"].search(
            [("mail_message_id", "=", parent.id)], limit=1
        )
        if not comm:
            return routes
        rerouted = []
        for route in routes:
            model, thread_id, custom_values, user_id, alias = route
            if (model, thread_id) == (parent.model, parent.res_id):
                route = (comm._name, comm.id, custom_values, user_id, alias)
            rerouted.append(route)
        if rerouted == routes:
            return routes
        comm._dunning_follow_replies()
        # the reminder is logged as a dunning note: its reply is the customer's
        # email, not a note, and notifies the reminder's followers
        message_dict["is_internal"] = False
        # what the customer wrote, shown as written: Odoo's sanitizer keeps
        # links and images, a phishing link in the collector's chatter
        message_dict["body"] = plain_text_html(
            html2plaintext(message_dict.get("body") or "")
        )
        # read (and removed) by the reminder's message_post: one route only,
        # the reply's
        message_dict["dunning_auto_reply"] = is_auto_reply(message)
        return rerouted

    def _routing_handle_bounce(self, email_message, message_dict):
        """A reminder bounced days after it left the queue: it failed."""
        res = super()._routing_handle_bounce(email_message, message_dict)
        message = message_dict.get("bounced_message")
        if not message:
            return res
        # Odoo's mail gateway: a problem with the reminders never stops it
        try:
            with self.env.cr.savepoint():
                # mail gateway feedback: a bounce fails its reminder
                comms = (
                    self.env["dunning.communication"]
                    .sudo()
                    .search([("mail_message_id", "in", message.ids)])
                )
                if comms:
                    self.env["dunning.channel.email"]._feedback_failed(
                        comms,
                        _(
                            "bounced by the recipient's server (%(email)s)",
                            email=message_dict.get("bounced_email") or "",
                        ),
                        bounced=True,
                    )
        except Exception:  # noqa: BLE001 - logged, the gateway goes on
            _logger.exception("Dunning: recording the bounce of %s failed", message)
        return res
