# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import ast
import logging
import re
import uuid
from collections import defaultdict

from lxml import etree, html
from markupsafe import Markup, escape

from odoo import _, api, models
from odoo.tools import html2plaintext
from odoo.tools.rendering_tools import parse_inline_template

from .res_partner import DUNNING_NOTE_SUBTYPE

_logger = logging.getLogger(__name__)

# the email fields rendered with the body (``_render_email``)
INLINE_FIELDS = ("subject", "email_from", "reply_to")
# a placeholder reading a field of ``object`` or calling one of its methods
# without arguments, which QWeb and ``safe_eval`` evaluate alike
# (``safe_eval`` refuses any name with a double underscore)
SIMPLE_PLACEHOLDER = re.compile(r"object(?:\.(?!\w*__)[A-Za-z_]\w*)+(?:\(\))?")
# what ``markupsafe.escape`` (QWeb's ``t-out``) writes for each character
ESCAPED = (("&#39;", "'"), ("&#34;", '"'), ("&gt;", ">"), ("&lt;", "<"), ("&amp;", "&"))

DEFAULT_TEMPLATES = {
    tone: f"account_dunning_advanced.mail_template_dunning_{tone}"
    for tone in ("courtesy", "friendly", "formal", "final")
}


def body_view_call(body):
    """(view xml id, {name: value}, (leading, trailing) whitespace) when
    ``body`` (a mail template's body) is nothing but a ``t-call`` of a view
    whose body only sets constants, else None."""
    if not body or "t-call" not in body:
        return None
    try:
        root = html.fragment_fromstring(str(body), create_parent="div")
    except etree.ParserError:
        return None
    if (root.text or "").strip() or len(root) != 1:
        return None
    call = root[0]
    if call.tag != "t" or set(call.attrib) != {"t-call"}:
        return None
    if (call.text or "").strip() or (call.tail or "").strip():
        return None
    values = {}
    for child in call:
        if (
            child.tag != "t"
            or set(child.attrib) != {"t-set", "t-value"}
            or len(child)
            or (child.text or "").strip()
            or (child.tail or "").strip()
        ):
            return None
        try:
            values[child.get("t-set")] = ast.literal_eval(child.get("t-value"))
        except (ValueError, SyntaxError):
            return None
    return call.get("t-call"), values, (root.text or "", call.tail or "")


def unescape(text):
    """``text`` before ``markupsafe.escape``: its exact inverse (``&amp;``
    last: every ``&`` of an escaped text starts one of these entities)."""
    for entity, char in ESCAPED:
        text = text.replace(entity, char)
    return text


class DunningChannelEmail(models.AbstractModel):
    """The email channel: one ``mail.mail`` per reminder, rendered from its
    level's template in the customer's language, queued in Odoo's mail queue;
    the queue reports back through ``_feedback_sent`` / ``_feedback_failed``
    (``mail.mail`` and the mail gateway's bounces)."""

    _name = "dunning.channel.email"
    _description = "Dunning Channel: Email"

    def _template(self, reminder):
        """The email template of ``reminder``: its variant's, else its
        level's, else the addon's template of its tone."""
        reminder.ensure_one()
        if reminder.variant_id.mail_template_id.active:
            return reminder.variant_id.mail_template_id
        return reminder.level_id.mail_template_id or self.env[
            "dunning.reminder.content"
        ]._ref(DEFAULT_TEMPLATES.get(reminder.tone or reminder.level_id.tone, ""))

    def _invoice_attachments(self, reminders):
        """{communication: attachments} of the stored PDFs of its invoices,
        and {communication: invoices without one}. The official PDF of an
        invoice is Odoo's to create when the invoice is sent: a reminder only
        attaches it when it exists; the email links to every invoice."""
        comms = reminders.filtered("level_id.attach_invoices")
        stored = {}
        for move in comms.line_ids.move_id:
            pdf = move.invoice_pdf_report_id or (
                move.message_main_attachment_id
                if move.message_main_attachment_id.mimetype == "application/pdf"
                else False
            )
            if pdf:
                stored[move] = pdf
        attachments, missing = {}, {}
        for comm in comms:
            moves = comm.line_ids.move_id
            attachments[comm] = self.env["ir.attachment"].union(
                *(stored[m] for m in moves if m in stored)
            )
            missing[comm] = moves.filtered(lambda m: m not in stored)
        return attachments, missing

    def _create_mails(self, reminders):
        """Render the tone's template in batch, in each contact's language, and
        queue one ``mail.mail`` per reminder, logged on the customer and on each
        reminded invoice."""
        comms = reminders.filtered(lambda c: c.channel_email and c.state != "failed")
        if not comms:
            return self.env["mail.mail"]
        errors = {}
        mail_values = []
        mail_comms = []
        for template, group in comms.grouped(lambda c: self._template(c)).items():
            if not template:
                comms._dunning_append(
                    errors, "error_message", _("Email: no email template.")
                )
                continue
            rendered, failures = self._render_mail(group, template)
            for comm, error in failures.items():
                comm._dunning_append(
                    errors,
                    "error_message",
                    _(
                        "Email: the template could not be rendered: %(error)s",
                        error=error,
                    ),
                )
            for comm in group:
                values = rendered.get(comm.id)
                if values is None:
                    continue
                mail_values.append(self._mail_values(comm, values))
                mail_comms.append(comm)
        attachments, missing = self._invoice_attachments(
            reminders.browse([c.id for c in mail_comms])
        )
        for comm, vals in zip(mail_comms, mail_values, strict=True):
            if attachments.get(comm):
                vals["attachment_ids"] = [(6, 0, attachments[comm].ids)]
            if missing.get(comm):
                comm._dunning_append(
                    errors,
                    "skipped_channels",
                    _(
                        "Email: no PDF stored for %(invoices)s, not attached "
                        "(the email links to the invoice online).",
                        invoices=", ".join(missing[comm].mapped("name")),
                    ),
                )
        mails = self._create_mail_records(mail_values)
        for comm, mail in zip(mail_comms, mails, strict=True):
            errors.setdefault(comm, {}).update(
                mail_id=mail.id, mail_message_id=mail.mail_message_id.id
            )
        reminders._dunning_write_values(errors)
        return mails

    def _create_mail_records(self, mail_values):
        """The ``mail.mail`` of ``mail_values``, in batch: their chatter
        messages first, then the mails pointing at them, as Odoo's own
        notification path creates them. Created together (the mail's
        ``_inherits``), the ORM sanitizes each message's body a third time
        for the mail's cache and looks up the message's defaults again."""
        Mail = self.env["mail.mail"]
        message_values, own_values = [], []
        for vals in mail_values:
            message_values.append(
                {k: v for k, v in vals.items() if Mail._fields[k].inherited}
            )
            own_values.append(
                {k: v for k, v in vals.items() if not Mail._fields[k].inherited}
            )
        messages = self.env["mail.message"].create(message_values)
        return Mail.create(
            [
                # a mail of its own, not a notification of an existing
                # message: as ``create`` makes it with the message
                dict(own, mail_message_id=message.id, is_notification=False)
                for own, message in zip(own_values, messages, strict=True)
            ]
        )

    def _render_mail(self, reminders, template):
        """({reminder id: rendered values}, {reminder: error}): the batch in
        one render; when it raises (one customer's data breaks the template),
        each reminder again on its own, so that only the broken ones fail."""
        try:
            with self.env.cr.savepoint():
                return self._render_template(reminders, template), {}
        except Exception:  # noqa: BLE001 - retried reminder by reminder below
            _logger.info(
                "Dunning email batch of %s failed, rendering one by one",
                template.display_name,
                exc_info=True,
            )
        rendered, failures = {}, {}
        for comm in reminders:
            try:
                with self.env.cr.savepoint():
                    rendered.update(self._render_template(comm, template))
            except Exception as error:  # noqa: BLE001 - reported on the reminder
                _logger.warning(
                    "Dunning email of %s not rendered: %s", comm.name, error
                )
                failures[comm] = error
        return rendered, failures

    def _render_template(self, reminders, template):
        """{reminder id: {field: rendered value}} of the email fields of
        ``template``, each reminder in the template's language for it: the
        mail template's ``_render_field``, the rendering entry point Odoo's
        apps share (SMS, mass mailing, events), unchanged since 14.0."""
        langs = self._render_lang(template, reminders.ids) if template.lang else {}
        by_lang = defaultdict(list)
        for comm_id in reminders.ids:
            by_lang[langs.get(comm_id) or False].append(comm_id)
        rendered = {comm_id: {} for comm_id in reminders.ids}
        for lang, ids in by_lang.items():
            values = self._render_email(template, ids, lang)
            for field, by_id in values.items():
                for comm_id, value in by_id.items():
                    rendered[comm_id][field] = value
        return rendered

    @api.model
    def _render_lang(self, template, ids):
        """{reminder id: language} of ``template`` (its ``lang`` field), as
        its ``_render_field`` renders it; for a batch, in one QWeb render
        when its placeholders read a field or call a method of the reminder
        (``_render_email``)."""
        parts = self._inline_parts(template.lang)
        if len(ids) > 1 and parts is not None and self._renders_unrestricted(template):
            rendered = self._render_body_batch(template, ids, None, {"lang": parts})
            if rendered is not None:
                return rendered["lang"]
        return template._render_field("lang", ids)

    @api.model
    def _render_body(self, template, ids, lang):
        """{reminder id: body} of ``template`` in ``lang``
        (``_render_email``)."""
        return self._render_email(template, ids, lang, fields=())["body_html"]

    @api.model
    def _render_email(self, template, ids, lang, fields=INLINE_FIELDS):
        """{field: {reminder id: value}} of the body and ``fields`` (subject,
        sender, reply-to) of ``template`` in ``lang``, exactly as the mail
        template renders each one reminder at a time (``_render_field``, what
        its preview and Odoo's template preview show), in fewer steps:

        - a body that only calls a view with constant values (templates made
          before 18.0.2.3.0: ``<t t-call="...dunning_reminder_email"><t
          t-set="tone" t-value="'formal'" /></t>``) renders that view, which
          Odoo compiled once, with those values;
        - a QWeb body (the addon's templates: their text and ``t-call`` of
          the views of the invoices, payment and links) renders the batch in
          one QWeb render: Odoo's renderer compiles an inline body again for
          every record, which cost more than the rest of the email. The
          placeholders of the subject, sender and reply-to that only read a
          field or call a method of the reminder (the addon's, ``{{
          object._dunning_email_from() }}``) are rendered in that render too
          (``_inline_parts``): Odoo evaluates each one with ``safe_eval``,
          which parses and checks the expression again for every reminder.
        """
        template = template.with_context(lang=lang) if lang else template
        body = template.body_html
        call = body_view_call(body)
        rendered = None
        if call and self.env.ref(call[0], raise_if_not_found=False):
            view, values, (leading, trailing) = call
            bodies = template._render_template(
                view,
                template.render_model,
                ids,
                engine="qweb_view",
                add_context=values,
                options=dict(template._fields["body_html"].render_options),
            )
            rendered = {
                "body_html": {
                    comm_id: Markup(leading) + body + Markup(trailing)
                    for comm_id, body in bodies.items()
                }
            }
        elif len(ids) > 1 and self._body_renders_in_batch(template, body):
            inline = {}
            for field in fields:
                parts = self._inline_parts(template[field])
                if parts is not None:
                    inline[field] = parts
            rendered = self._render_body_batch(template, ids, body, inline)
        if rendered is None:
            rendered = {
                "body_html": template._render_field("body_html", ids, set_lang=lang)
            }
        for field in fields:
            if field not in rendered:
                rendered[field] = template._render_field(field, ids, set_lang=lang)
        return rendered

    @api.model
    def _inline_parts(self, text):
        """[(text, expression)] of an inline template (``{{ ... }}``) whose
        placeholders all read a field or call a method without arguments of
        ``object`` (``object.company_id.name``, ``object._dunning_reply_to()``),
        which QWeb evaluates as ``safe_eval`` does; None for any other."""
        parts = []
        for literal, expression, default in parse_inline_template(str(text or "")):
            if expression and (default or not SIMPLE_PLACEHOLDER.fullmatch(expression)):
                return None
            parts.append((literal, expression))
        return parts

    @api.model
    def _body_renders_in_batch(self, template, body):
        """Whether one QWeb render of ``body`` over the batch gives each
        reminder exactly its own render: a body calling views (which Odoo
        renders with QWeb, not with its placeholders-only shortcut), for a
        user whose rendering Odoo does not restrict, whose ``t-set`` are
        unconditional (one reminder's value never lingers in the next
        one's). Other bodies are rendered by Odoo, one reminder at a time."""
        if not self._renders_unrestricted(template):
            return False
        try:
            root = html.fragment_fromstring(str(body), create_parent="div")
        except etree.ParserError:
            return False
        # a body calling a view is one Odoo's renderer renders with QWeb (not
        # its placeholders-only shortcut, which gives the same text another way)
        if not any("t-call" in node.attrib for node in root.iter(etree.Element)):
            return False
        for node in root.iter(etree.Element):
            if "t-set" in node.attrib and any(
                key in ancestor.attrib
                for ancestor in node.iterancestors()
                for key in ("t-if", "t-elif", "t-else", "t-foreach")
            ):
                return False
        return True

    @api.model
    def _renders_unrestricted(self, template):
        """Whether Odoo renders ``template`` for this user without the
        restrictions of QWeb's safe mode (a superuser, an administrator, an
        editor of mail templates), as the batch render does."""
        env = template.env
        return (
            env.su
            or env.is_admin()
            or env.user.has_group("mail.group_mail_template_editor")
        )

    @api.model
    def _render_body_batch(self, template, ids, body, inline=None):
        """{"body_html": {reminder id: body}, field: {reminder id: value}} of
        ``body`` (a QWeb mail template body, or None) and of the inline templates
        ``inline`` ({field: ``_inline_parts``}) for the records ``ids``,
        rendered in one QWeb render in a loop over them, each record's parts
        between marks of their own; None when the result cannot be split
        (Odoo's renderer then renders them one by one). Same values, options
        and post-processing as the mail template's ``_render_template_qweb``
        and ``_render_template``; an inline part is what
        ``_render_template_inline_template`` writes: each placeholder's value
        as ``str``, nothing when it is falsy (QWeb escapes it, unescaped
        after the split)."""
        inline = inline or {}
        mark = f"dunning-body-{uuid.uuid4().hex}"
        document = etree.Element("div")
        loop = etree.SubElement(
            document, "t", {"t-foreach": "dunning_batch_records", "t-as": "object"}
        )
        if body is not None:
            root = html.fragment_fromstring(str(body), create_parent="div")
            item = etree.SubElement(loop, mark)
            item.text = root.text
            item.extend(list(root))
        for parts in inline.values():
            slot = etree.SubElement(loop, mark)
            for literal, expression in parts:
                if literal:
                    etree.SubElement(slot, "t", {"t-out": repr(literal)})
                if expression:
                    etree.SubElement(slot, "t", {"t-out": f"str(({expression}) or '')"})
        variables = template._render_eval_context()
        variables["dunning_batch_records"] = template.env[template.render_model].browse(
            ids
        )
        options = dict(template._fields["body_html"].render_options)
        result = template.env["ir.qweb"]._render(document, variables, **options)
        parts = str(result)[len("<div>") : -len("</div>")].split(f"</{mark}>")
        start = f"<{mark}>"
        first = int(body is not None)
        slots = first + len(inline)
        if (
            len(parts) != len(ids) * slots + 1
            or parts[-1]
            or not all(part.startswith(start) for part in parts[:-1])
        ):
            _logger.warning(
                "Dunning email bodies of %s not split, rendered one by one",
                template.display_name,
            )
            return None
        parts = [part[len(start) :] for part in parts[:-1]]
        rendered = {}
        if body is not None:
            bodies = {
                comm_id: Markup(part)
                for comm_id, part in zip(ids, parts[::slots], strict=True)
            }
            if options.get("post_process") and self._may_have_local_links(result):
                bodies = template._render_template_postprocess(
                    template.render_model, bodies
                )
            rendered["body_html"] = bodies
        for number, field in enumerate(inline, start=first):
            rendered[field] = {
                comm_id: unescape(part)
                for comm_id, part in zip(ids, parts[number::slots], strict=True)
            }
        return rendered

    @api.model
    def _may_have_local_links(self, html):
        """Whether Odoo's post-processing of a rendered body
        (``mail.render.mixin._replace_local_links``) may change ``html``: each
        of its patterns needs a ``="/`` (``src``, ``href``, ``background``) or
        a ``url(`` (a style's URL). Without either it returns the body as it
        is, after four regular expressions over it and a base URL looked up
        for each reminder; the addon's bodies write absolute URLs."""
        return '="/' in html or "url(" in html

    def _chatter_summary(self, reminders, contact):
        """One line for the customer's chatter: reminder, level, recipient,
        invoices and amounts."""
        reminders.ensure_one()
        return Markup("<p>%s</p>") % self.env._(
            "Reminder %(name)s (%(level)s) emailed to %(email)s: %(invoices)s, "
            "%(amount)s due.",
            name=reminders.name,
            level=reminders.level_id.name,
            email=contact.email or "",
            invoices=", ".join(reminders.line_ids.move_id.mapped("name")),
            amount=reminders.amount_due_by_currency,
        )

    def _mail_values(self, reminders, rendered):
        reminders.ensure_one()
        contact = reminders._dunning_contact()
        author = reminders.collector_id.partner_id or reminders.company_id.partner_id
        return {
            "subject": rendered.get("subject") or reminders.name,
            # the email itself stays on the queued email (kept after sending);
            # the chatter shows what was sent, short: sanitizing the whole
            # email again for the chatter cost more than rendering it
            "body_html": rendered.get("body_html"),
            "body": self._chatter_summary(reminders, contact),
            "email_from": rendered.get("email_from") or reminders._dunning_email_from(),
            "reply_to": rendered.get("reply_to") or reminders._dunning_reply_to(),
            "recipient_ids": [(4, contact.id)],
            "author_id": author.id,
            # on the customer, shared between companies: a dunning note of the
            # reminder's company, which record rules keep to its dunning users
            "model": "res.partner",
            "res_id": reminders.partner_id.id,
            "record_name": reminders.partner_id.display_name,
            "record_company_id": reminders.company_id.id,
            "message_type": "email_outgoing",
            "subtype_id": self.env["dunning.reminder.content"]
            ._ref(DUNNING_NOTE_SUBTYPE)
            .id,
            # Kept after sending: the queued email is the evidence of the notice.
            "auto_delete": False,
            "dunning_communication_id": reminders.id,
            "headers": repr(self._mail_headers(reminders)),
            "dunning_recipient_domain": (
                (contact.email_normalized or "").rpartition("@")[2] or False
            ),
        }

    def _mail_headers(self, reminders):
        """List-Unsubscribe (RFC 2369) with one-click (RFC 8058): the mailbox
        provider's "unsubscribe" button switches the customer to letters
        instead of the customer marking the reminder as spam."""
        reminders.ensure_one()
        url = f"{reminders._dunning_channel_preference_url()}/unsubscribe"
        return {
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }

    def _waiting_for_pdfs(self, reminders):
        """The reminders whose email attaches an invoice without a stored PDF:
        rendering it takes a wkhtmltopdf call, the queue's job."""
        return reminders.filtered(
            lambda c: c.level_id.attach_invoices
            and any(
                move.state == "posted"
                and not move.invoice_pdf_report_id
                and move.message_main_attachment_id.mimetype != "application/pdf"
                for move in c.line_ids.move_id
            )
        )

    def _send(self, reminders):
        """Queue the emails of ``reminders`` and record each one's state."""
        todo = reminders.filtered(lambda c: c.channel_email and c.state != "failed")
        if not todo:
            return self.env["mail.mail"]
        mails = self._create_mails(todo)
        queued = todo.filtered("mail_id")
        queued.write({"email_state": "pending"})
        (todo - queued).write({"email_state": "failed"})
        return mails

    def _feedback_sent(self, reminders):
        """The email left (the mail queue's feedback, ``mail.mail``, which
        passes the reminders with its superuser environment)."""
        reminders.write({"email_state": "done"})
        reminders._dunning_mark_sent()

    def _feedback_failed(self, reminders, reason, bounced=False):
        """The email could not be delivered for good: the reminder goes by
        letter instead when the customer has a postal address (as when it has
        no email address), else it failed; the collector gets a to-do.
        ``bounced``: refused by the recipient's side (bounce rate)."""
        comms = reminders.filtered(lambda c: c.state not in ("cancelled", "rejected"))
        if not comms:
            return
        text = html2plaintext(reason or "") or _("unknown error")
        by_letter = comms.filtered(
            lambda c: not c.channel_letter and c._dunning_postal_partner()
        )
        for comm in comms:
            values = {
                "state": "queued" if comm in by_letter else "failed",
                "email_state": "failed",
                "email_bounced": bounced or comm.email_bounced,
                "error_message": (
                    (comm.error_message or "")
                    + "\n"
                    + _("Email not delivered: %(reason)s", reason=text)
                ).strip(),
            }
            if comm in by_letter:
                values["channel_letter"] = True
                values["skipped_channels"] = (
                    (comm.skipped_channels or "")
                    + "\n"
                    + _("Email: not delivered; letter sent instead.")
                ).strip()
            comm.write(values)
        comms.env["dunning.channel.letter"]._send(by_letter)
        comms._dunning_schedule_todo(
            {
                # in the collector's language (``env``)
                comm: lambda env, comm=comm: (
                    env._("Reminder %(name)s not delivered", name=comm.name),
                    Markup("<p>%s</p>")
                    % env._(
                        "The email to %(email)s failed: %(reason)s. Check the "
                        "address, then send the reminder by another channel.",
                        email=escape(comm._dunning_contact().email or ""),
                        reason=text,
                    ),
                )
                for comm in comms
            }
        )
