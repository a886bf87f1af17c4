# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import io
import logging

from markupsafe import Markup, escape

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, html2plaintext
from odoo.tools.mail import generate_tracking_message_id
from odoo.tools.misc import format_date

_logger = logging.getLogger(__name__)

LETTER_REPORT = "account_dunning_advanced.action_report_dunning_letter"
CALL_ACTIVITY_TYPE = "account_dunning_advanced.mail_activity_type_dunning_call"
# previous reminders listed in a call note
HISTORY_SIZE = 5
DEFAULT_TEMPLATES = {
    tone: f"account_dunning_advanced.mail_template_dunning_{tone}"
    for tone in ("courtesy", "friendly", "formal", "final")
}


class DunningCommunication(models.Model):
    """Dispatch of reminders per channel, called in batch by ``_dispatch()``.
    Per-record problems are written on the reminder, never raised, so that
    one bad customer does not block a run."""

    _inherit = "dunning.communication"

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _dunning_append(self, values_by_comm, field, text):
        """Queue ``text`` to append to ``field`` of each communication."""
        for comm in self:
            vals = values_by_comm.setdefault(comm, {})
            current = vals.get(field, comm[field] or "")
            vals[field] = f"{current}\n{text}".strip()

    def _dunning_write_values(self, values_by_comm):
        for comm, vals in values_by_comm.items():
            if vals:
                comm.write(vals)

    def _dunning_responsible(self):
        """Who handles manual follow-up: the customer's collector in the
        reminder's company, else the level's responsible, else the run user."""
        self.ensure_one()
        partner = self.partner_id.with_company(self.company_id)
        return (
            partner.dunning_collector_id
            or self.collector_id
            or self.level_id.activity_user_id
            or self.env.user
        )

    def _dunning_has_postal_address(self, partner):
        return bool(
            partner.street and partner.city and (partner.zip or partner.country_id)
        )

    def _dunning_postal_partner(self):
        """Where the letter goes: the contact's address, else the customer's
        (the contact's name is still printed), else nothing."""
        self.ensure_one()
        for partner in (self._dunning_contact(), self.partner_id):
            if self._dunning_has_postal_address(partner):
                return partner
        return self.env["res.partner"]

    def _dunning_schedule_todo(self, summaries):
        """One to-do activity per communication on its customer, for its
        collector: {communication: (summary, note)}."""
        if not summaries:
            return self.env["mail.activity"]
        todo_type = self.env.ref("mail.mail_activity_data_todo")
        partner_model = self.env["ir.model"]._get_id("res.partner")
        today = fields.Date.context_today(self)
        return (
            self.env["mail.activity"]
            .sudo()
            .create(
                [
                    {
                        "activity_type_id": todo_type.id,
                        "res_model_id": partner_model,
                        "res_id": comm.partner_id.id,
                        "user_id": comm._dunning_responsible().id,
                        "date_deadline": today,
                        "summary": summary,
                        "note": note,
                    }
                    for comm, (summary, note) in summaries.items()
                ]
            )
        )

    def _dunning_mark_sent(self):
        todo = self.filtered(lambda c: c.state in ("queued", "failed"))
        if todo:
            todo.write({"state": "sent", "sent_datetime": fields.Datetime.now()})

    # ------------------------------------------------------------------
    # Fallbacks
    # ------------------------------------------------------------------
    def _apply_channel_fallbacks(self):
        """Replace or drop the channels the customer cannot receive, so that
        nothing is silently lost: each change is written in
        ``skipped_channels``; a letter without address asks the collector."""
        values = {}
        todo = {}
        for comm in self:
            contact = comm._dunning_contact()
            vals = {}
            wants_letter = comm.partner_id.dunning_preferred_channel == "letter"
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
            letter = vals.get("channel_letter", comm.channel_letter)
            if letter and not comm._dunning_postal_partner():
                vals["channel_letter"] = False
                reason = _(
                    "Letter: %(contact)s has no complete postal address.",
                    contact=contact.display_name,
                )
                comm._dunning_append(values, "skipped_channels", reason)
                todo[comm] = (
                    _(
                        "Complete the postal address of %(contact)s",
                        contact=contact.display_name,
                    ),
                    Markup("<p>%s</p>")
                    % _(
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
        self._dunning_write_values(values)
        self._dunning_schedule_todo(todo)
        return True

    # ------------------------------------------------------------------
    # Email
    # ------------------------------------------------------------------
    def _dunning_mail_template(self):
        self.ensure_one()
        return self.level_id.mail_template_id or self.env.ref(
            DEFAULT_TEMPLATES.get(self.tone or self.level_id.tone, ""),
            raise_if_not_found=False,
        )

    def _dunning_invoice_attachments(self):
        """{communication: attachments} of the invoice PDFs to attach, reusing
        the stored PDF of each invoice and rendering the others in one call."""
        comms = self.filtered("level_id.attach_invoices")
        moves = comms.line_ids.move_id
        stored = {}
        for move in moves:
            pdf = move.invoice_pdf_report_id or (
                move.message_main_attachment_id
                if move.message_main_attachment_id.mimetype == "application/pdf"
                else False
            )
            if pdf:
                stored[move] = pdf
        missing = moves.filtered(lambda m: m not in stored and m.state == "posted")
        if missing:
            contents, mimetype = self._dunning_render_per_record(
                "account.account_invoices", missing
            )
            rendered = missing.filtered(lambda m: m.id in contents)
            attachments = (
                self.env["ir.attachment"]
                .sudo()
                .create(
                    [
                        {
                            "name": move._get_invoice_report_filename(),
                            "raw": contents[move.id],
                            "mimetype": mimetype,
                            "res_model": "account.move",
                            "res_id": move.id,
                            # the invoice's official PDF, reused by later reminders
                            # and by Odoo's own sending
                            "res_field": "invoice_pdf_report_file",
                        }
                        for move in rendered
                    ]
                )
            )
            missing.invalidate_recordset(["invoice_pdf_report_id"])
            stored.update(zip(rendered, attachments, strict=True))
        return {
            comm: self.env["ir.attachment"].union(
                *(stored[m] for m in comm.line_ids.move_id if m in stored)
            )
            for comm in comms
        }

    def _dispatch_email(self):
        """Render the tone's template in batch, in each contact's language, and
        queue one ``mail.mail`` per reminder, logged on the customer and on each
        reminded invoice."""
        comms = self.filtered(lambda c: c.channel_email and c.state != "failed")
        if not comms:
            return self.env["mail.mail"]
        errors = {}
        mail_values = []
        mail_comms = []
        for template, group in comms.grouped(
            lambda c: c._dunning_mail_template()
        ).items():
            if not template:
                comms._dunning_append(
                    errors, "error_message", _("Email: no email template.")
                )
                continue
            try:
                rendered = template._generate_template(
                    group.ids, ("subject", "body_html", "email_from", "reply_to")
                )
            except Exception as error:  # noqa: BLE001 - reported on the reminder
                _logger.exception("Dunning email rendering failed")
                group._dunning_append(
                    errors,
                    "error_message",
                    _(
                        "Email: the template could not be rendered: %(error)s",
                        error=error,
                    ),
                )
                continue
            for comm in group:
                values = rendered[comm.id]
                mail_values.append(comm._dunning_mail_values(values))
                mail_comms.append(comm)
        attachments = self.browse(
            [c.id for c in mail_comms]
        )._dunning_invoice_attachments()
        for comm, vals in zip(mail_comms, mail_values, strict=True):
            if attachments.get(comm):
                vals["attachment_ids"] = [(6, 0, attachments[comm].ids)]
        bodies = [vals.pop("body") for vals in mail_values]
        mails = self.env["mail.mail"].sudo().create(mail_values)
        self._dunning_store_chatter_bodies(mails.mail_message_id, bodies)
        for comm, mail in zip(mail_comms, mails, strict=True):
            errors.setdefault(comm, {}).update(
                mail_id=mail.id, mail_message_id=mail.mail_message_id.id
            )
        self._dunning_write_values(errors)
        self.browse([c.id for c in mail_comms])._dunning_log_on_invoices(
            _("Payment reminder emailed")
        )
        return mails

    def _dunning_store_chatter_bodies(self, messages, bodies):
        """Copy the rendered emails into their chatter messages in one query.
        The ORM would sanitize each body twice, the largest cost of a run,
        for HTML that the template (sanitized when saved) rendered with its
        values escaped. Bodies with inline images take the ORM's way, which
        turns them into attachments."""
        trusted = {
            message.id: str(body)
            for message, body in zip(messages, bodies, strict=True)
            if body and "data:" not in body
        }
        for message, body in zip(messages, bodies, strict=True):
            if message.id not in trusted:
                message.body = body
        if trusted:
            self.env.cr.execute(
                SQL(
                    "UPDATE mail_message m SET body = v.body "
                    "FROM unnest(%s::int[], %s::text[]) AS v(id, body) "
                    "WHERE m.id = v.id",
                    list(trusted),
                    list(trusted.values()),
                )
            )
            messages.browse(list(trusted)).invalidate_recordset(["body"])

    def _dunning_mail_values(self, rendered):
        self.ensure_one()
        contact = self._dunning_contact()
        author = self.collector_id.partner_id or self.company_id.partner_id
        return {
            "subject": rendered.get("subject") or self.name,
            "body_html": rendered.get("body_html"),
            "body": rendered.get("body_html"),
            "email_from": rendered.get("email_from") or self._dunning_email_from(),
            "reply_to": rendered.get("reply_to") or self._dunning_reply_to(),
            "recipient_ids": [(4, contact.id)],
            "author_id": author.id,
            "model": "res.partner",
            "res_id": self.partner_id.id,
            "record_name": self.partner_id.display_name,
            "message_type": "email_outgoing",
            "subtype_id": self.env.ref("mail.mt_note").id,
            # Kept after sending: the queued email is the evidence of the notice.
            "auto_delete": False,
            "dunning_communication_id": self.id,
        }

    def _dunning_log_on_invoices(self, title):
        """One note per reminded invoice, created in one batch. The values
        ``mail.message.create`` would compute note by note (reply-to, sender,
        message id) are computed once per author, as ``_message_log_batch``
        does: internal notes notify nobody and need no per-invoice reply-to."""
        note = self.env.ref("mail.mt_note").id
        thread = self.env["mail.thread"].sudo()
        senders = {}
        values = []
        for comm in self:
            body = Markup("<p>%s</p>") % _(
                "%(title)s: %(name)s (%(level)s).",
                title=title,
                name=comm.name,
                level=comm.level_id.name,
            )
            author = comm.collector_id.partner_id or comm.company_id.partner_id
            if author not in senders:
                email_from = author.email_formatted
                senders[author] = {
                    "author_id": author.id,
                    "email_from": email_from,
                    "reply_to": thread.with_company(
                        comm.company_id
                    )._notify_get_reply_to(default=email_from)[False],
                    "message_id": generate_tracking_message_id("message-notify"),
                }
            values += [
                {
                    "model": "account.move",
                    "res_id": move.id,
                    "record_name": False,
                    "body": body,
                    "message_type": "notification",
                    "subtype_id": note,
                    "is_internal": True,
                    **senders[author],
                }
                for move in comm.line_ids.move_id
            ]
        return self.env["mail.message"].sudo().create(values)

    # ------------------------------------------------------------------
    # Letter
    # ------------------------------------------------------------------
    def _dunning_letter_report(self):
        self.ensure_one()
        return self.level_id.letter_report_id or self.env.ref(LETTER_REPORT)

    def _dunning_letter_filename(self, extension="pdf"):
        self.ensure_one()
        return _(
            "Reminder %(name)s.%(ext)s", name=self.name.replace("/", "-"), ext=extension
        )

    def _dunning_render_per_record(self, report, records):
        """({res_id: content}, mimetype) of ``report`` for ``records`` in one
        report call. Like Odoo's own invoice sending, tests get HTML unless
        the context forces PDF rendering. Some wkhtmltopdf builds (unpatched
        Qt) fail on multi-document batches: then one call per record."""
        reports = self.env["ir.actions.report"]
        try:
            with self.env.cr.savepoint():
                content, report_type = reports._pre_render_qweb_pdf(
                    report, res_ids=records.ids
                )
                contents = reports._get_splitted_report(report, content, report_type)
        except Exception:  # noqa: BLE001 - retried record by record below
            if len(records) == 1:
                raise
            _logger.warning(
                "Batch rendering of %s failed, rendering record by record", report
            )
            contents, mimetype = {}, "application/pdf"
            for record in records:
                try:
                    with self.env.cr.savepoint():
                        one, mimetype = self._dunning_render_per_record(report, record)
                    contents.update(one)
                except Exception:  # noqa: BLE001 - the caller reports the gap
                    _logger.exception("Rendering of %s failed", record)
            return contents, mimetype
        mimetype = "application/pdf" if report_type == "pdf" else "text/html"
        return contents, mimetype

    def _render_letters(self):
        """({communication: content}, mimetype), one call per letter report."""
        result = {}
        mimetype = "application/pdf"
        for report, group in self.grouped(lambda c: c._dunning_letter_report()).items():
            contents, mimetype = self._dunning_render_per_record(report, group)
            result.update(
                {comm: contents[comm.id] for comm in group if comm.id in contents}
            )
        return result, mimetype

    def _dispatch_letter(self):
        """Render the letters of the batch and store one PDF per reminder, on
        the reminder and in the customer's chatter. They are marked sent when
        printed for posting (``action_print_letters``)."""
        comms = self.filtered(lambda c: c.channel_letter and c.state != "failed")
        if not comms:
            return self.env["ir.attachment"]
        errors = {}
        try:
            pdfs, mimetype = comms._render_letters()
        except Exception as error:  # noqa: BLE001 - reported on the reminders
            _logger.exception("Dunning letter rendering failed")
            comms._dunning_append(
                errors,
                "error_message",
                _("Letter: the PDF could not be rendered: %(error)s", error=error),
            )
            self._dunning_write_values(errors)
            return self.env["ir.attachment"]
        done = comms.filtered(lambda c: c in pdfs)
        (comms - done)._dunning_append(
            errors, "error_message", _("Letter: no PDF was produced.")
        )
        att_values = []
        for comm in done:
            common = {
                "name": comm._dunning_letter_filename(
                    "pdf" if mimetype == "application/pdf" else "html"
                ),
                "raw": pdfs[comm],
                "mimetype": mimetype,
                "company_id": comm.company_id.id,
            }
            att_values += [
                dict(common, res_model="dunning.communication", res_id=comm.id),
                dict(common, res_model="res.partner", res_id=comm.partner_id.id),
            ]
        attachments = self.env["ir.attachment"].sudo().create(att_values)
        note = self.env.ref("mail.mt_note").id
        messages = []
        for index, comm in enumerate(done):
            own, on_customer = attachments[2 * index], attachments[2 * index + 1]
            errors.setdefault(comm, {})["letter_attachment_id"] = own.id
            messages.append(
                {
                    "model": "res.partner",
                    "res_id": comm.partner_id.id,
                    "body": Markup("<p>%s</p>")
                    % _(
                        "Reminder letter %(name)s (%(level)s) ready for posting.",
                        name=comm.name,
                        level=comm.level_id.name,
                    ),
                    "message_type": "notification",
                    "subtype_id": note,
                    "attachment_ids": [(4, on_customer.id)],
                    "author_id": (
                        comm.collector_id.partner_id or comm.company_id.partner_id
                    ).id,
                }
            )
        self.env["mail.message"].sudo().create(messages)
        self._dunning_write_values(errors)
        return attachments

    def action_print_letters(self):
        """Merge the letters of the selection into one document for posting,
        in one report call; mark them sent only once that document exists."""
        comms = self.filtered(lambda c: c.channel_letter and c.state != "cancelled")
        if not comms:
            raise UserError(_("None of the selected reminders is sent by letter."))
        comms.filtered(lambda c: not c.letter_attachment_id)._dispatch_letter()
        letters = comms.letter_attachment_id
        if letters and all(a.mimetype == "application/pdf" for a in letters):
            # the archived letters themselves: nothing is rendered twice
            with self.env["ir.actions.report"]._merge_pdfs(
                [io.BytesIO(letter.raw) for letter in letters]
            ) as merged:
                content, report_type = merged.getvalue(), "pdf"
        else:
            content, report_type = self.env["ir.actions.report"]._render_qweb_pdf(
                self.env.ref(LETTER_REPORT), comms.ids
            )
        if not content:
            raise UserError(_("The letters could not be rendered."))
        attachment = self.env["ir.attachment"].create(
            {
                "name": _(
                    "Reminder letters %(date)s.%(ext)s",
                    date=fields.Date.context_today(self),
                    ext=report_type,
                ),
                "raw": content,
                "mimetype": "application/pdf" if report_type == "pdf" else "text/html",
                "res_model": "res.company",
                "res_id": self.env.company.id,
            }
        )
        comms._dunning_mark_sent()
        comms._dunning_log_on_invoices(_("Payment reminder letter printed"))
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "new",
        }

    def action_post_letters(self):
        """Hand the letters to Odoo's postal service (``snailmail``, optional):
        they leave through its queue, and its errors show in the chatter."""
        if "snailmail.letter" not in self.env:
            raise UserError(_("Install the Snailmail module to post letters."))
        comms = self.filtered(lambda c: c.channel_letter and c.state != "cancelled")
        comms.filtered(lambda c: not c.letter_attachment_id)._dispatch_letter()
        comms = comms.filtered("letter_attachment_id")
        if not comms:
            raise UserError(_("None of the selected reminders has a letter."))
        report = self.env.ref(LETTER_REPORT)
        letters = (
            self.env["snailmail.letter"]
            .sudo()
            .create(
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
        )
        comms._dunning_mark_sent()
        comms._dunning_log_on_invoices(_("Payment reminder letter posted"))
        return letters

    # ------------------------------------------------------------------
    # SMS
    # ------------------------------------------------------------------
    def _dispatch_sms(self):
        """Queue one SMS per reminder to the contact's mobile number, logged
        in the customer's chatter."""
        comms = self.filtered(lambda c: c.channel_sms and c.state != "failed")
        values = {}
        message_by_comm = {}
        for comm in comms:
            contact = comm._dunning_contact()
            number = contact.mobile and contact._phone_format(fname="mobile")
            if not number:
                comm._dunning_append(
                    values,
                    "skipped_channels",
                    _(
                        "SMS: %(contact)s has no valid mobile number.",
                        contact=contact.display_name,
                    ),
                )
                continue
            message = comm.partner_id.sudo()._message_sms(
                comm._dunning_sms_text(),
                partner_ids=contact.ids,
                sms_pid_to_number={contact.id: number},
                put_in_queue=True,
            )
            message_by_comm[comm] = message
            if not comm.mail_message_id:
                values.setdefault(comm, {})["mail_message_id"] = message.id
        messages = self.env["mail.message"].union(*message_by_comm.values())
        sms_by_message = {
            sms.mail_message_id: sms
            for sms in self.env["sms.sms"]
            .sudo()
            .search([("mail_message_id", "in", messages.ids)])
        }
        for comm, message in message_by_comm.items():
            if message in sms_by_message:
                values.setdefault(comm, {})["sms_id"] = sms_by_message[message].id
        self._dunning_write_values(values)
        comms.filtered(
            lambda c: c.sms_id and not (c.channel_email or c.channel_letter)
        )._dunning_mark_sent()
        return self.env["sms.sms"].union(*sms_by_message.values())

    # ------------------------------------------------------------------
    # Phone call
    # ------------------------------------------------------------------
    def _dunning_call_histories(self):
        """{communication: its last 5 other reminders of the same customer
        and company}, in one query for the whole batch: a long-standing
        customer's whole history is not loaded for 5 lines."""
        self.flush_model(["partner_id", "company_id", "state", "date"])
        self.env.cr.execute(
            SQL(
                """
                SELECT id FROM (
                    SELECT id, date, row_number() OVER (
                        PARTITION BY partner_id, company_id ORDER BY date DESC, id DESC
                    ) AS rank
                    FROM dunning_communication
                    WHERE partner_id = ANY(%s) AND company_id = ANY(%s)
                      AND state IN ('sent', 'queued', 'failed')
                ) ranked
                WHERE rank <= %s
                ORDER BY date DESC, id DESC
                """,
                self.partner_id.ids,
                self.company_id.ids,
                # one more than shown: the reminder itself may be among them
                HISTORY_SIZE + 1,
            )
        )
        previous = self.browse([row[0] for row in self.env.cr.fetchall()])
        by_customer = previous.grouped(lambda c: (c.partner_id, c.company_id))
        empty = self.browse()
        return {
            comm: by_customer.get((comm.partner_id, comm.company_id), empty).filtered(
                lambda c, comm=comm: c != comm
            )[:HISTORY_SIZE]
            for comm in self
        }

    def _dunning_call_note(self, history=None):
        """What is due and the reminder history, for the one who calls."""
        self.ensure_one()
        values = self._dunning_render_values()
        rows = Markup("").join(
            Markup("<li>%s</li>")
            % self.env._(
                "%(number)s: %(amount)s, due %(due)s (%(late)s)",
                number=item["number"],
                amount=item["amount"],
                due=item["due_date"],
                late=item["days_label"],
            )
            for item in values["items"]
        )
        if history is None:
            history = self._dunning_call_histories()[self]
        past = Markup("").join(
            Markup("<li>%s</li>")
            % self.env._(
                "%(date)s: %(level)s (%(state)s)",
                date=format_date(self.env, h.date, lang_code=values["lang"]),
                level=h.level_id.name,
                state=dict(h._fields["state"]._description_selection(self.env))[
                    h.state
                ],
            )
            for h in history
        )
        parts = [
            Markup("<p><strong>%s</strong></p>")
            % _("Total due: %(total)s", total=" + ".join(values["totals"])),
            Markup("<ul>%s</ul>") % rows,
        ]
        contact = self._dunning_contact()
        phone = contact.mobile or contact.phone or self.partner_id.phone
        if phone:
            parts.append(Markup("<p>%s</p>") % _("Phone: %(phone)s", phone=phone))
        parts.append(
            Markup("<p>%s</p>")
            % (_("Previous reminders:") if history else _("No previous reminder."))
        )
        if history:
            parts.append(Markup("<ul>%s</ul>") % past)
        return Markup("").join(parts)

    def _dispatch_call(self):
        """Schedule a "Dunning call" activity on the customer for its collector,
        due today."""
        comms = self.filtered(lambda c: c.channel_call and c.state != "failed")
        if not comms:
            return self.env["mail.activity"]
        default_type = self.env.ref(CALL_ACTIVITY_TYPE, raise_if_not_found=False)
        partner_model = self.env["ir.model"]._get_id("res.partner")
        today = fields.Date.context_today(self)
        histories = comms._dunning_call_histories()
        values = []
        for comm in comms:
            activity_type = comm.level_id.activity_type_id or default_type
            values.append(
                {
                    "activity_type_id": activity_type.id,
                    "res_model_id": partner_model,
                    "res_id": comm.partner_id.id,
                    "user_id": comm._dunning_responsible().id,
                    "date_deadline": today,
                    "summary": _(
                        "Call about %(total)s overdue (%(name)s)",
                        total=comm.amount_due_by_currency,
                        name=comm.name,
                    ),
                    "note": comm._dunning_call_note(histories[comm]),
                }
            )
        activities = self.env["mail.activity"].sudo().create(values)
        for comm, activity in zip(comms, activities, strict=True):
            comm.activity_id = activity
        comms.filtered(
            lambda c: not (c.channel_email or c.channel_letter or c.channel_sms)
        )._dunning_mark_sent()
        return activities

    # ------------------------------------------------------------------
    # Mail queue feedback
    # ------------------------------------------------------------------
    def _dunning_mail_sent(self):
        self._dunning_mark_sent()

    def _dunning_mail_failed(self, reason):
        """The email could not be delivered: failed, and the collector acts."""
        comms = self.filtered(lambda c: c.state != "cancelled")
        if not comms:
            return
        text = html2plaintext(reason or "") or _("unknown error")
        for comm in comms:
            comm.write(
                {
                    "state": "failed",
                    "error_message": (
                        (comm.error_message or "")
                        + "\n"
                        + _("Email not delivered: %(reason)s", reason=text)
                    ).strip(),
                }
            )
        comms._dunning_schedule_todo(
            {
                comm: (
                    self.env._("Reminder %(name)s not delivered", name=comm.name),
                    Markup("<p>%s</p>")
                    % self.env._(
                        "The email to %(email)s failed: %(reason)s. Check the "
                        "address, then send the reminder by another channel.",
                        email=escape(comm._dunning_contact().email or ""),
                        reason=text,
                    ),
                )
                for comm in comms
            }
        )
