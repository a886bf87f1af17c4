# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
import time

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.tools import SQL

from .dunning_channel_letter import DOCUMENTS_CRON
from .dunning_run import can_commit, cron_deadline, wake_workers
from .res_company import is_assignable

_logger = logging.getLogger(__name__)

TODO_ACTIVITY_TYPE = "account_dunning_advanced.mail_activity_type_dunning_todo"

# a dispatch of at most this many reminders outside the scheduled action (a
# user approving or sending a few) produces their letters and invoice PDFs at
# once; larger ones leave them to the queue
INLINE_DOCUMENTS = 10


class DunningDispatch(models.AbstractModel):
    """Sending reminders: the re-check, the channel fallbacks, then each
    channel's hook (``dunning.channel.<channel>._send(reminders)``), then what
    the level does after sending (litigation flag, manager's activity, penalty
    invoice). Also the document queue (letters and the invoice PDFs emails
    wait for), a scheduled action."""

    _name = "dunning.dispatch"
    _description = "Dunning Reminder Dispatch"

    @api.model
    def _channel_services(self):
        """{channel: its service}: each has ``_send(reminders)``, called with
        the reminders of the batch (each keeps those that use it)."""
        return {
            "email": self.env["dunning.channel.email"],
            "letter": self.env["dunning.channel.letter"],
            "sms": self.env["dunning.channel.sms"],
            "call": self.env["dunning.channel.call"],
        }

    def _dispatch(self, reminders):
        """Send ``reminders`` by their channels, in batch. A bug while sending
        the batch is retried reminder by reminder, so that one bad customer
        fails alone."""
        reminders.filtered(lambda c: c.state == "queued")._dunning_recheck()
        # one search of each company's fallback collector for the whole batch
        todo = reminders.filtered(lambda c: c.state == "queued").with_context(
            dunning_fallback_users=self.env.context.get("dunning_fallback_users", {})
        )
        if not todo:
            return True
        try:
            with self.env.cr.savepoint():
                self._dispatch_channels(todo)
        except Exception:  # noqa: BLE001 - retried one by one below
            _logger.warning(
                "Dunning dispatch failed, retrying one by one", exc_info=True
            )
            for communication in todo:
                self._dispatch_one(communication)
        done = todo.filtered(lambda c: c.state in ("queued", "sent"))
        self._apply_level_actions(done)
        self.env["account.move"]._dunning_post_penalty_invoices(done)
        return True

    def _dispatch_one(self, reminder):
        reminder.ensure_one()
        try:
            with self.env.cr.savepoint():
                self._dispatch_channels(reminder)
        except Exception as error:  # noqa: BLE001 - written on the reminder
            _logger.exception("Dunning dispatch of %s failed", reminder.name)
            reminder.write(
                {
                    "state": "failed",
                    "error_message": _(
                        "Dispatch failed: %(error)s", error=str(error) or repr(error)
                    ),
                }
            )

    def _dispatch_channels(self, reminders):
        self._apply_channel_fallbacks(reminders)
        channels = self._channel_services()
        email, letter = channels["email"], channels["letter"]
        inline = len(reminders) <= INLINE_DOCUMENTS and not self.env.context.get(
            "dunning_queue_documents"
        )
        content = self.env["dunning.reminder.content"]
        with content._render_memo():
            content._prepare_next_steps(
                reminders.filtered(lambda c: c.state != "failed")
            )
            emails = reminders.filtered(
                lambda c: c.channel_email and c.state != "failed"
            )
            waiting = reminders.browse() if inline else email._waiting_for_pdfs(emails)
            waiting.write({"email_state": "pending"})
            email._send(emails - waiting)
            letter._send(reminders)
            if inline:
                letter._render(reminders)
            for name, service in channels.items():
                if name not in ("email", "letter"):
                    service._send(reminders)
        if waiting:
            letter._trigger_queue()
        self._fail_unreachable(reminders)
        # Without email nor letter nothing reports back later: done now.
        # Letters stay queued until printed for posting.
        reminders.filtered(
            lambda c: c.state == "queued" and not (c.channel_email or c.channel_letter)
        ).write({"state": "sent", "sent_datetime": fields.Datetime.now()})

    def _fail_unreachable(self, reminders):
        """A reminder none of whose channels could go (a template broken by
        its data, no valid address left) failed: it says why, and its
        collector gets a to-do; it is never left queued with nothing sent."""
        dead = reminders.filtered(
            lambda c: c.state == "queued"
            and c._channels()
            and all(c[f"{ch}_state"] == "failed" for ch in c._channels())
        )
        if not dead:
            return
        dead.write({"state": "failed"})
        dead._dunning_schedule_todo(
            {
                # in the collector's language (``env``)
                comm: lambda env, comm=comm: (
                    env._("Reminder %(name)s not sent", name=comm.name),
                    Markup("<p>%s</p>")
                    % env._(
                        "No channel of this reminder could be sent: %(reason)s",
                        reason=comm.error_message or comm.skipped_channels or "",
                    ),
                )
                for comm in dead
            }
        )

    def _apply_level_actions(self, reminders):
        """Litigation flag, stop of automatic reminders and the manager's
        activity of the levels that ask for them."""
        for company, comms in reminders.grouped("company_id").items():
            litigation = comms.filtered("level_id.set_litigation").partner_id
            if litigation:
                litigation.with_company(company).write({"dunning_litigation": True})
            stopped = comms.filtered("level_id.stop_reminders").partner_id
            if stopped:
                stopped.with_company(company).write({"dunning_excluded": True})
        to_manager = reminders.filtered("level_id.manager_activity")
        if not to_manager:
            return
        todo_type = self.env.ref(TODO_ACTIVITY_TYPE)
        partner_model = self.env["ir.model"]._get_id("res.partner")
        values = []
        for comm in to_manager:
            user = (
                comm.level_id.manager_user_id
                if is_assignable(comm.level_id.manager_user_id)
                else comm.company_id._dunning_fallback_user()
            )
            # in the manager's language
            env = self.with_context(lang=user.lang or self.env.lang).env
            values.append(
                {
                    "activity_type_id": todo_type.id,
                    "res_model_id": partner_model,
                    "res_id": comm.partner_id.id,
                    "user_id": user.id,
                    "date_deadline": comm.date,
                    "summary": env._(
                        "Final notice %(name)s sent: decide on the next step",
                        name=comm.name,
                    ),
                }
            )
        self.env["mail.activity"].create(values)

    def _apply_channel_fallbacks(self, reminders):
        """Replace or drop the channels the customer cannot receive, so that
        nothing is silently lost: each change is written in
        ``skipped_channels``; a letter without address asks the collector."""
        values = {}
        todo = {}
        call = self.env["dunning.channel.call"]
        no_phone = reminders.browse()
        # the preference in each reminder's company, read once per company
        preferred = {}
        for company, comms in reminders.grouped("company_id").items():
            partners = comms.partner_id.with_company(company)
            partners.fetch(["dunning_preferred_channel"])
            preferred.update(
                {(company.id, p.id): p.dunning_preferred_channel for p in partners}
            )
        for comm in reminders:
            contact = comm._dunning_contact()
            vals = {}
            channel = preferred[comm.company_id.id, comm.partner_id.id]
            wants_letter = channel == "letter"
            if comm.channel_email and (not contact.email_normalized or wants_letter):
                vals.update(channel_email=False, channel_letter=True)
                reason = (
                    _("Email: the customer asked for letters; letter sent instead.")
                    if wants_letter
                    else _(
                        "Email: %(contact)s has no email address; letter sent "
                        "instead.",
                        contact=contact.display_name,
                    )
                )
                comm._dunning_append(values, "skipped_channels", reason)
            if comm.channel_sms and not contact.mobile:
                vals["channel_sms"] = False
                comm._dunning_append(
                    values,
                    "skipped_channels",
                    _(
                        "SMS: %(contact)s has no mobile number.",
                        contact=contact.display_name,
                    ),
                )
            if comm.channel_call and not call._phone_number(comm):
                vals["channel_call"] = False
                no_phone |= comm
                comm._dunning_append(
                    values,
                    "skipped_channels",
                    _(
                        "Call: %(contact)s has no phone number.",
                        contact=contact.display_name,
                    ),
                )
            letter = vals.get("channel_letter", comm.channel_letter)
            if letter and not comm._dunning_postal_partner():
                vals["channel_letter"] = False
                reason = _(
                    "Letter: %(contact)s has no complete postal address.",
                    contact=contact.display_name,
                )
                comm._dunning_append(values, "skipped_channels", reason)
                # in the collector's language (``env``)
                todo[comm] = lambda env, comm=comm, contact=contact: (
                    env._(
                        "Complete the postal address of %(contact)s",
                        contact=contact.display_name,
                    ),
                    Markup("<p>%s</p>")
                    % env._(
                        "The reminder %(name)s could not be sent by letter: the "
                        "postal address of %(contact)s is incomplete. Complete it "
                        "and print the letter from the reminder.",
                        name=comm.name,
                        contact=contact.display_name,
                    ),
                )
            values.setdefault(comm, {}).update(vals)
            remaining = [
                ch
                for ch in ("email", "letter", "sms", "call")
                if values[comm].get(f"channel_{ch}", comm[f"channel_{ch}"])
            ]
            if not remaining:
                values[comm].update(
                    state="failed",
                    error_message=_("No channel could reach the customer."),
                )
        reminders._dunning_write_values(values)
        reminders._dunning_schedule_todo(todo)
        call._ask_for_phone(no_phone)
        return True

    # ------------------------------------------------------------------
    # Document queue: letters, and emails waiting for invoice PDFs
    # ------------------------------------------------------------------
    def _produce_documents(self, reminders, deadline=None):
        """Render what ``reminders`` wait for: their letters, and the invoice
        PDFs of their emails (one wkhtmltopdf call each, as Odoo renders
        invoices), then queue those emails; until ``deadline``."""
        email = self.env["dunning.channel.email"]
        with self.env["dunning.reminder.content"]._render_memo():
            self.env["dunning.channel.letter"]._render(reminders, deadline)
            waiting = reminders.filtered(
                lambda c: c.email_state == "pending"
                and not c.mail_id
                and c.state == "queued"
            )
            for comm in waiting:
                if deadline is not None and time.monotonic() >= deadline:
                    break
                email._send(comm)

    @api.model
    def _lock_pending(self, limit, exclude):
        """Up to ``limit`` reminders waiting for documents, locked by this
        transaction; those another worker holds are left to it."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT id FROM dunning_communication
                 WHERE (letter_state = 'pending'
                        OR (email_state = 'pending' AND mail_id IS NULL
                            AND state = 'queued'))
                   AND NOT id = ANY(%s)
                 ORDER BY id
                 LIMIT %s
                 FOR UPDATE SKIP LOCKED
                """,
                list(exclude),
                limit,
            )
        )
        return self.env["dunning.communication"].browse(
            [row[0] for row in self.env.cr.fetchall()]
        )

    @api.model
    def _pending_count(self):
        return self.env["dunning.communication"].search_count(
            [
                "|",
                ("letter_state", "=", "pending"),
                "&",
                "&",
                ("email_state", "=", "pending"),
                ("mail_id", "=", False),
                ("state", "=", "queued"),
            ]
        )

    @api.model
    def _dispatch_approved(self):
        """Reminders a manager approved in a company that sends them at once:
        dispatched here, by the scheduled job the approval triggered, their
        letters queued."""
        companies = self.env["res.company"].search(
            [("dunning_approval_dispatch", "=", "immediate")]
        )
        Reminder = self.env["dunning.communication"]
        for company in companies:
            approved = Reminder._dunning_approved_pending(company)
            if approved:
                approved.with_context(dunning_queue_documents=True)._dispatch()
                if can_commit(self.env):
                    self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _cron_produce_documents(self):
        """Scheduled action: letters and invoice PDFs in batches, within the
        time budget, each batch committed; Odoo's runner calls it again while
        some are pending (``ir.cron._notify_progress``)."""
        letter = self.env["dunning.channel.letter"]
        deadline = cron_deadline(self.env)
        self._dispatch_approved()
        size = letter._batch_size()
        if self._pending_count() > size:
            wake_workers(self.env, DOCUMENTS_CRON)
            if can_commit(self.env):
                self.env.cr.commit()  # pylint: disable=invalid-commit
        done = 0
        tried = set()
        while time.monotonic() < deadline:
            batch = self._lock_pending(size, tried)
            if not batch:
                break
            tried.update(batch.ids)
            self._produce_documents(batch, deadline)
            done += len(batch)
            if can_commit(self.env):
                self.env.cr.commit()  # pylint: disable=invalid-commit
        remaining = self._pending_count()
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        if remaining and not done:
            letter._trigger_queue()
        return True
