# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
import re
from datetime import timedelta

from odoo import fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# An SMTP reply code in a failure reason: 4xx is temporary, 5xx permanent (RFC 5321);
# not the x.y.z enhanced status code that often follows it
SMTP_CODE = re.compile(r"(?<![\d.])([245])\d\d(?![\d.])")
# Odoo's failure type when the outgoing server could not be reached at all
CONNECTION_FAILURE = "mail_smtp"
# Odoo's failure types of an address that cannot receive email
REFUSED_FAILURES = ("mail_email_invalid", "mail_email_missing", "mail_bounce")
RETRY_MAX_PARAM = "account_dunning_advanced.mail_retry_max"
RETRY_DELAY_MINUTES = 15
# Reminder emails per recipient domain and hour; 0 or empty: no limit
PACE_PARAM = "account_dunning_advanced.email_domain_hourly_limit"
PACE_WINDOW = timedelta(hours=1)


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
    dunning_recipient_domain = fields.Char(
        string="Reminder Recipient Domain",
        index="btree_not_null",
        readonly=True,
        help="Domain of the reminder's recipient, for the sending pace.",
    )
    dunning_send_datetime = fields.Datetime(
        string="Reminder Handed to the Server On",
        readonly=True,
        help="Last time the queue let this reminder email go to the outgoing "
        "server; counts for its recipient domain's hourly pace.",
    )

    def send(self, auto_commit=False, raise_exception=False, post_send_callback=None):
        # the reminders over their domain's hourly pace wait in the queue
        held = self._dunning_hold_over_pace()
        return super(MailMail, self - held).send(
            auto_commit=auto_commit,
            raise_exception=raise_exception,
            post_send_callback=post_send_callback,
        )

    def _dunning_hold_over_pace(self):
        """Reminder emails that would exceed the hourly maximum of their
        recipient domain: kept outgoing, scheduled for when the domain's hour
        frees up, oldest first. The others are counted as sent now. Called by
        the mail queue: never raises (no pace rather than no email)."""
        held = self.browse()
        try:
            with self.env.cr.savepoint():
                held = self._dunning_pace()
        except Exception:  # noqa: BLE001 - logged, the mail queue goes on
            _logger.exception("Dunning: pacing the emails %s failed", self.ids)
            held = self.browse()
        return held

    def _dunning_pace(self):
        # Emails are read and sent by the mail queue (OdooBot) or by a system
        # user: no widening of rights needed here.
        limit = int(self.env["ir.config_parameter"].get_param(PACE_PARAM) or 0)
        mails = self.filtered(
            lambda m: m.dunning_recipient_domain and m.state == "outgoing"
        ).sorted("id")
        if limit <= 0 or not mails:
            return self.browse()
        now = fields.Datetime.now()
        self.flush_model(["dunning_recipient_domain", "dunning_send_datetime"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT dunning_recipient_domain, COUNT(*), MIN(dunning_send_datetime)
                  FROM mail_mail
                 WHERE dunning_recipient_domain IN %s
                   AND dunning_send_datetime > %s
                 GROUP BY dunning_recipient_domain
                """,
                tuple(set(mails.mapped("dunning_recipient_domain"))),
                now - PACE_WINDOW,
            )
        )
        window = {domain: [count, first] for domain, count, first in rows}
        released = []
        later = {}
        for mail in mails:
            used = window.setdefault(mail.dunning_recipient_domain, [0, now])
            if used[0] < limit:
                used[0] += 1
                released.append(mail.id)
            else:
                later.setdefault(used[1] + PACE_WINDOW, []).append(mail.id)
        self.browse(released).write({"dunning_send_datetime": now})
        held = self.browse()
        for date, ids in later.items():
            postponed = self.browse(ids)
            postponed.write({"scheduled_date": date})
            held |= postponed
        if later:
            self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger(list(later))
        return held

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
        # The mail queue's feedback: only it and the scheduled job change a
        # reminder's state, whoever (a system user's "Send Now") runs the queue.
        mails = self.filtered("dunning_communication_id").sudo()
        if not failure_type:
            mails.env["dunning.channel.email"]._feedback_sent(
                mails.dunning_communication_id
            )
            return
        retry_max = int(mails.env["ir.config_parameter"].get_param(RETRY_MAX_PARAM, 5))
        for mail in mails:
            reason = failure_reason or mail.failure_reason or failure_type
            if (
                mail._dunning_is_temporary(reason, failure_type)
                and mail.dunning_retry_count < retry_max
            ):
                mail._dunning_retry_later()
            else:
                mails.env["dunning.channel.email"]._feedback_failed(
                    mail.dunning_communication_id,
                    reason,
                    bounced=mail._dunning_is_refused(reason, failure_type),
                )

    def _dunning_is_temporary(self, reason, failure_type):
        code = SMTP_CODE.search(str(reason or ""))
        if code:
            return code.group(1) == "4"
        return failure_type == CONNECTION_FAILURE

    def _dunning_is_refused(self, reason, failure_type):
        """Refused for good by the recipient's side (a hard bounce): a 5xx
        reply, or an address that cannot receive email."""
        code = SMTP_CODE.search(str(reason or ""))
        if code:
            return code.group(1) == "5"
        return failure_type in REFUSED_FAILURES

    def _dunning_retry_later(self):
        """Back in Odoo's queue, which sends it again once its scheduled date is
        reached, as Odoo's own "Retry" does."""
        self.ensure_one()
        attempt = self.dunning_retry_count + 1
        self.write(
            {
                "state": "outgoing",
                "dunning_retry_count": attempt,
                "scheduled_date": fields.Datetime.now()
                + timedelta(minutes=RETRY_DELAY_MINUTES * attempt),
            }
        )
