# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
import re
from datetime import timedelta

from odoo import fields, models

_logger = logging.getLogger(__name__)

# An SMTP reply code in a failure reason: 4xx is temporary, 5xx permanent (RFC 5321);
# not the x.y.z enhanced status code that often follows it
SMTP_CODE = re.compile(r"(?<![\d.])([245])\d\d(?![\d.])")
# Odoo's failure type when the outgoing server could not be reached at all
CONNECTION_FAILURE = "mail_smtp"
RETRY_MAX_PARAM = "account_dunning_advanced.mail_retry_max"
RETRY_DELAY_MINUTES = 15


class MailMail(models.Model):
    _inherit = "mail.mail"

    # A direct link (rather than a search on dunning.communication.mail_id)
    # keeps the mail queue's post-processing free of queries for other emails.
    dunning_communication_id = fields.Many2one(
        "dunning.communication",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
    )
    dunning_retry_count = fields.Integer(
        string="Reminder Send Attempts",
        readonly=True,
        help="Temporary failures of this reminder email already retried.",
    )

    def _postprocess_sent_message(
        self, success_pids, failure_reason=False, failure_type=None
    ):
        # Called by the mail queue for every email of the database: whatever
        # happens to the reminders, it must never stop the queue.
        if self.dunning_communication_id:
            try:
                with self.env.cr.savepoint():
                    self._dunning_feedback(failure_reason, failure_type)
            except Exception:  # noqa: BLE001 - logged, the mail queue goes on
                _logger.exception(
                    "Dunning: recording the delivery of emails %s failed", self.ids
                )
        return super()._postprocess_sent_message(
            success_pids, failure_reason=failure_reason, failure_type=failure_type
        )

    def _dunning_feedback(self, failure_reason, failure_type):
        """Reminders of delivered emails are sent; a temporary failure puts the
        email back in the queue for later (a bounded number of times), a
        permanent one fails its reminder."""
        mails = self.filtered("dunning_communication_id")
        if not failure_type:
            mails.dunning_communication_id.sudo()._dunning_mail_sent()
            return
        retry_max = int(
            self.env["ir.config_parameter"].sudo().get_param(RETRY_MAX_PARAM, 5)
        )
        for mail in mails:
            reason = failure_reason or mail.failure_reason or failure_type
            if (
                mail._dunning_is_temporary(reason, failure_type)
                and mail.dunning_retry_count < retry_max
            ):
                mail._dunning_retry_later()
            else:
                mail.dunning_communication_id.sudo()._dunning_mail_failed(reason)

    def _dunning_is_temporary(self, reason, failure_type):
        code = SMTP_CODE.search(str(reason or ""))
        if code:
            return code.group(1) == "4"
        return failure_type == CONNECTION_FAILURE

    def _dunning_retry_later(self):
        """Back in Odoo's queue, which sends it again once its scheduled date is
        reached, as Odoo's own "Retry" does."""
        self.ensure_one()
        attempt = self.dunning_retry_count + 1
        self.sudo().write(
            {
                "state": "outgoing",
                "dunning_retry_count": attempt,
                "scheduled_date": fields.Datetime.now()
                + timedelta(minutes=RETRY_DELAY_MINUTES * attempt),
            }
        )
