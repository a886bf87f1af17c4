# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import io
import logging
import re
import time

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.mail import generate_tracking_message_id
from odoo.tools.pdf import PdfReader, PdfWriter, merge_pdf

from .res_partner import DUNNING_NOTE_SUBTYPE

_logger = logging.getLogger(__name__)

LETTER_REPORT = "account_dunning_advanced.action_report_dunning_letter"
LETTER_PREVIEW_REPORT = "account_dunning_advanced.action_report_dunning_letter_preview"
# the same letters, several in one document (one wkhtmltopdf call), each
# from the top of a new page and headed by its reminder's reference
LETTER_BATCH_REPORT = "account_dunning_advanced.action_report_dunning_letter_batch"
LETTER_ANCHOR = re.compile(r"dunning-letter-(\d+)-(start|end)")

DOCUMENTS_CRON = "account_dunning_advanced.ir_cron_dunning_documents"

# letters rendered per report call by the letter queue (ir.config_parameter)
LETTER_BATCH_PARAM = "account_dunning_advanced.letter_batch_size"
DEFAULT_LETTER_BATCH = 20
MAX_LETTER_ATTEMPTS = 3


class DunningChannelLetter(models.AbstractModel):
    """The letter channel: a reminder's letter is queued (``letter_state``
    pending), rendered to PDF by the document queue in batches
    (``dunning.dispatch._cron_produce_documents``), kept on the reminder,
    then printed or posted by a collector, which marks it sent."""

    _name = "dunning.channel.letter"
    _description = "Dunning Channel: Letter"

    def _report(self, reminder):
        """The letter report of ``reminder``: its level's, else the addon's."""
        reminder.ensure_one()
        return reminder.level_id.letter_report_id or self.env[
            "dunning.reminder.content"
        ]._ref(LETTER_REPORT)

    def _filename(self, reminder, extension="pdf"):
        reminder.ensure_one()
        return _(
            "Reminder %(name)s.%(ext)s",
            name=reminder.name.replace("/", "-"),
            ext=extension,
        )

    @api.model
    def _render_pdf(self, report, res_ids):
        """(content, report type) of ``report`` for ``res_ids``: the addon's
        only call of ``ir.actions.report._render_qweb_pdf``. Odoo 18 has no
        public method that returns a report's document (``report_action`` only
        describes it for the browser, which downloads it through
        ``/report/pdf``); Odoo's own apps call this one where they need the
        bytes (invoice sending, mail template attachments). Tests get HTML
        unless the context forces PDF rendering."""
        return self.env["ir.actions.report"]._render_qweb_pdf(report, res_ids)

    def _send(self, reminders):
        """Queue the letters of the batch: the document queue renders them
        (``dunning.dispatch._cron_produce_documents``)."""
        comms = reminders.filtered(
            lambda c: c.channel_letter
            and c.state != "failed"
            and c.letter_state != "done"
            and not c.letter_attachment_id
        )
        if comms:
            comms.write(
                {"letter_state": "pending", "letter_attempts": 0, "letter_error": False}
            )
            self._trigger_queue()
        return comms

    @api.model
    def _trigger_queue(self):
        cron = self.env.ref(DOCUMENTS_CRON, raise_if_not_found=False)
        if cron:
            cron._trigger()

    def _render(self, reminders, deadline=None):
        """Render the pending letters of ``reminders`` now and store one PDF per
        reminder, on the reminder and in the customer's chatter. A letter
        that fails is tried again by the next calls of the queue, then
        failed with its reason; one not reached before ``deadline``
        (``time.monotonic()``) waits for the next call. They are marked sent
        when printed for posting (``action_print_letters``)."""
        comms = reminders.filtered(lambda c: c.letter_state == "pending")
        if not comms:
            return self.env["ir.attachment"]
        rendered, errors = {}, {}
        by_report = comms.grouped(lambda c: self._report(c))
        for report, group in by_report.items():
            done, failed = self._render_group(group, report, deadline)
            rendered.update(done)
            errors.update(failed)
        values = {}
        for comm, error in errors.items():
            attempts = comm.letter_attempts + 1
            text = _("Letter: the PDF could not be rendered: %(error)s", error=error)
            values[comm] = {"letter_attempts": attempts, "letter_error": text}
            if attempts >= MAX_LETTER_ATTEMPTS:
                values[comm]["letter_state"] = "failed"
        attachments = self._store(reminders, rendered, values)
        reminders._dunning_write_values(values)
        return attachments

    def _render_group(self, reminders, report, deadline=None):
        """({communication: attachment or (content, mimetype)}, {communication:
        error}) for the letters of ``reminders`` with ``report``. The addon's own
        letter is rendered in batches, several letters per wkhtmltopdf call
        (``_render_batch``); the letters of a batch that fails
        or cannot be cut with certainty, and those of another report, one per
        call, so that one bad letter fails alone. Nothing new is started
        after ``deadline``."""
        rendered = {}
        if len(reminders) > 1 and report == self.env["dunning.reminder.content"]._ref(
            LETTER_REPORT
        ):
            size = self._batch_size()
            for start in range(0, len(reminders), size):
                batch = reminders[start : start + size]
                if deadline is not None and time.monotonic() >= deadline:
                    break
                if len(batch) > 1:
                    rendered.update(self._render_batch(batch))
        todo = reminders.filtered(lambda c: c not in rendered)
        done, errors = self._render_one_by_one(todo, report, deadline)
        rendered.update(done)
        return rendered, errors

    def _render_one_by_one(self, reminders, report, deadline=None):
        """({communication: attachment or (content, mimetype)}, {communication:
        error}) of the letters of ``reminders``, one wkhtmltopdf call each ."""
        rendered, errors = {}, {}
        for comm in reminders:
            if deadline is not None and time.monotonic() >= deadline:
                break
            try:
                with self.env.cr.savepoint():
                    content, report_type = self._render_pdf(report, comm.ids)
            except Exception as error:  # noqa: BLE001 - retried by the queue
                _logger.warning("Letter %s not rendered", comm.name, exc_info=True)
                errors[comm] = str(error) or repr(error)
                continue
            attachment = report_type == "pdf" and report.retrieve_attachment(comm)
            mimetype = "application/pdf" if report_type == "pdf" else "text/html"
            rendered[comm] = attachment or (content, mimetype)
        return rendered, errors

    @api.model
    def _batch_size(self):
        """Letters per wkhtmltopdf call, and reminders per transaction of the
        letter queue (``ir.config_parameter``)."""
        value = self.env["ir.config_parameter"].get_param(
            LETTER_BATCH_PARAM, DEFAULT_LETTER_BATCH
        )
        try:
            return max(int(value), 1)
        except ValueError:
            return DEFAULT_LETTER_BATCH

    def _render_batch(self, reminders):
        """{communication: (pdf, mimetype)} of the letters of ``reminders`` from one
        wkhtmltopdf call: the batch report prints them one after the other,
        each from the top of a new page, and its PDF is cut between them
        (``_split``). Empty when the call fails or the cut is
        not certain: the caller renders them one by one then."""
        report = self.env["dunning.reminder.content"]._ref(LETTER_BATCH_REPORT)
        if not report:
            return {}
        names = ", ".join(reminders.mapped("name"))
        try:
            with self.env.cr.savepoint():
                content, report_type = self._render_pdf(report, reminders.ids)
        except Exception:  # noqa: BLE001 - rendered one by one by the caller
            _logger.warning(
                "Letters %s not rendered together, rendering them one by one",
                names,
                exc_info=True,
            )
            return {}
        if report_type != "pdf":
            return {}
        letters = self._split(reminders, content)
        if letters is None:
            _logger.warning(
                "The PDF of the letters %s could not be cut into letters with "
                "certainty, rendering them one by one",
                names,
            )
            return {}
        return {
            comm: (letter, "application/pdf")
            for comm, letter in zip(reminders, letters, strict=True)
        }

    @api.model
    def _anchors(self, page):
        """{(reminder id, edge)} of the letter anchors linked from ``page``."""
        anchors = set()
        annotations = page.get("/Annots")
        annotations = annotations.get_object() if annotations else []
        for annotation in annotations:
            action = annotation.get_object().get("/A")
            uri = action and action.get_object().get("/URI")
            match = uri and LETTER_ANCHOR.fullmatch(str(uri).rpartition("#")[2])
            if match:
                anchors.add((int(match[1]), match[2]))
        return anchors

    def _split(self, reminders, pdf):
        """The PDF of each letter of ``reminders`` (in order) cut from ``pdf``, their
        batch render, or None unless the cut is certain. Each letter opens and
        closes with a link to its anchors (``_dunning_letter_anchor``), the
        first and last things it prints: a letter is certain to fill pages of
        its own when it opens on the page after the one where the letter before
        it closes, the first on the first page and the last closing on the last
        page."""
        try:
            reader = PdfReader(io.BytesIO(pdf), strict=False)
            pages = list(reader.pages)
            found = {}
            for index, page in enumerate(pages):
                for anchor in self._anchors(page):
                    found.setdefault(anchor, []).append(index)
        except Exception:  # noqa: BLE001 - not cut: rendered one by one
            _logger.warning("Unreadable PDF of letters", exc_info=True)
            return None
        letters, next_page = [], 0
        for comm in reminders:
            start = found.get((comm.id, "start"), [])
            end = found.get((comm.id, "end"), [])
            if start != [next_page] or len(end) != 1 or end[0] < start[0]:
                return None
            next_page = end[0] + 1
            writer = PdfWriter()
            for page in pages[start[0] : next_page]:
                writer.add_page(page)
            stream = io.BytesIO()
            writer.write(stream)
            letters.append(stream.getvalue())
        if next_page != len(pages):
            return None
        return letters

    def _store(self, reminders, rendered, values):
        """Keep each rendered letter on its reminder (the attachment Odoo
        stored, else a new one), with a dunning note on the customer: the
        customer is shared between companies, the letter stays on the reminder,
        which record rules keep to its company's dunning users."""
        if not rendered:
            return self.env["ir.attachment"]
        own_values = [
            {
                "name": self._filename(
                    comm, "pdf" if letter[1] == "application/pdf" else "html"
                ),
                "raw": letter[0],
                "mimetype": letter[1],
                "company_id": comm.company_id.id,
                "res_model": "dunning.communication",
                "res_id": comm.id,
            }
            for comm, letter in rendered.items()
            if isinstance(letter, tuple)
        ]
        created = iter(self.env["ir.attachment"].create(own_values))
        subtype = self.env.ref(DUNNING_NOTE_SUBTYPE).id
        attachments = self.env["ir.attachment"]
        messages = []
        for comm, letter in rendered.items():
            own = next(created) if isinstance(letter, tuple) else letter
            attachments |= own
            values.setdefault(comm, {}).update(
                letter_attachment_id=own.id, letter_state="done", letter_error=False
            )
            messages.append(
                {
                    "model": "res.partner",
                    "res_id": comm.partner_id.id,
                    "record_company_id": comm.company_id.id,
                    "body": Markup("<p>%s</p>")
                    % _(
                        "Reminder letter %(name)s (%(level)s) ready for posting.",
                        name=comm.name,
                        level=comm.level_id.name,
                    ),
                    "message_type": "notification",
                    "subtype_id": subtype,
                    "author_id": (
                        comm.collector_id.partner_id or comm.company_id.partner_id
                    ).id,
                }
            )
        self.env["mail.message"].create(messages)
        return attachments

    def _render_now(self, reminders):
        """The letters of ``reminders`` not rendered yet, rendered now (a user
        prints or posts them)."""
        todo = reminders.filtered(lambda c: not c.letter_attachment_id)
        self._send(todo.filtered(lambda c: c.letter_state != "pending"))
        with self.env["dunning.reminder.content"]._render_memo():
            self._render(todo)

    def _as_feedback(self, reminders):
        """(this service, ``reminders``) as the letter channel's feedback: a
        letter a user prints or posts has left, which renders, archives and
        marks the reminders sent (the job's records) once the user's right
        to act on the reminders is checked."""
        reminders.check_access("write")
        # boundary: the letter channel's feedback (printed or posted by hand)
        job = self.env(su=True)
        return self.with_env(job), reminders.with_env(job)

    def _print(self, reminders):
        """Merge the letters of the selection into one document for posting,
        in one report call; mark them sent only once that document exists."""
        if any(comm.state in ("to_approve", "cancelled") for comm in reminders):
            raise UserError(
                _("Reminders waiting for approval or cancelled cannot be printed.")
            )
        comms = reminders.filtered("channel_letter")
        if not comms:
            raise UserError(_("None of the selected reminders is sent by letter."))
        self, comms = self._as_feedback(comms)  # noqa: PLW0642
        self._render_now(comms)
        letters = comms.letter_attachment_id
        if letters and all(a.mimetype == "application/pdf" for a in letters):
            # the archived letters themselves: nothing is rendered twice
            content, report_type = merge_pdf(letters.mapped("raw")), "pdf"
        else:
            content, report_type = self._render_pdf(
                self.env.ref(LETTER_REPORT), comms.ids
            )
        if not content:
            raise UserError(_("The letters could not be rendered."))
        attachment = self.env["ir.attachment"].create(
            {
                "name": _(
                    "Reminder letters %(date)s.%(ext)s",
                    date=fields.Date.context_today(reminders),
                    ext=report_type,
                ),
                "raw": content,
                "mimetype": "application/pdf" if report_type == "pdf" else "text/html",
                "res_model": "res.company",
                "res_id": self.env.company.id,
            }
        )
        comms._dunning_mark_sent()
        self._log_on_invoices(comms, _("Payment reminder letter printed"))
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "new",
        }

    def _post(self, reminders):
        """Hand the letters to Odoo's postal service (``snailmail``, optional):
        they leave through its queue, and its errors show in the chatter."""
        if "snailmail.letter" not in self.env:
            raise UserError(_("Install the Snailmail module to post letters."))
        if any(comm.state in ("to_approve", "cancelled") for comm in reminders):
            raise UserError(
                _("Reminders waiting for approval or cancelled cannot be printed.")
            )
        comms = reminders.filtered("channel_letter")
        self, comms = self._as_feedback(comms)  # noqa: PLW0642
        self._render_now(comms)
        comms = comms.filtered("letter_attachment_id")
        if not comms:
            raise UserError(_("None of the selected reminders has a letter."))
        report = self.env.ref(LETTER_REPORT)
        letters = self.env["snailmail.letter"].create(
            [
                {
                    "partner_id": (
                        comm._dunning_postal_partner() or comm._dunning_contact()
                    ).id,
                    "model": comm._name,
                    "res_id": comm.id,
                    "user_id": self.env.user.id,
                    "company_id": comm.company_id.id,
                    "report_template": report.id,
                    "attachment_id": comm.letter_attachment_id.id,
                }
                for comm in comms
            ]
        )
        comms._dunning_mark_sent()
        self._log_on_invoices(comms, _("Payment reminder letter posted"))
        return letters

    def _log_on_invoices(self, reminders, title):
        """One note per reminded invoice, created in one batch. The values
        ``mail.message.create`` would compute note by note (reply-to, sender,
        message id) are computed once per author and company, as mail.thread
        does for a batch of notes: internal notes notify nobody and need no
        per-invoice reply-to."""
        note = self.env.ref(DUNNING_NOTE_SUBTYPE).id
        senders = {}
        values = []
        for comm in reminders:
            body = Markup("<p>%s</p>") % _(
                "%(title)s: %(name)s (%(level)s).",
                title=title,
                name=comm.name,
                level=comm.level_id.name,
            )
            author = comm.collector_id.partner_id or comm.company_id.partner_id
            sender = (author, comm.company_id)
            if sender not in senders:
                email_from = author.email_formatted
                senders[sender] = {
                    "author_id": author.id,
                    "email_from": email_from,
                    # what mail.thread gives a note: the company's catchall
                    "reply_to": comm.company_id.catchall_formatted or email_from,
                    "message_id": generate_tracking_message_id("message-notify"),
                }
            values += [
                {
                    "model": "account.move",
                    "res_id": move.id,
                    "record_company_id": comm.company_id.id,
                    "record_name": False,
                    "body": body,
                    "message_type": "notification",
                    "subtype_id": note,
                    "is_internal": True,
                    **senders[sender],
                }
                for move in comm.line_ids.move_id
            ]
        return self.env["mail.message"].create(values)
