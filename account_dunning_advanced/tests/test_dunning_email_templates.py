# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.account_dunning_advanced.models.dunning_channel_email import (
    body_view_call,
)

from .common import as_job
from .dunning_dispatch_common import TODAY, DunningDispatchCommon


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestDunningEmailTemplates(DunningDispatchCommon):
    def _email(self, partner, tone, **values):
        comm = self._communication(partner, tone, **values)
        mail = as_job(self.env["dunning.channel.email"])._create_mails(comm)
        self.assertEqual(comm.mail_id, mail)
        return comm, mail

    def test_friendly_email_in_english(self):
        comm, mail = self._email(self.customer_en, "friendly")
        eur_inv, usd_inv = self.invoices[self.customer_en]
        self.assertRecordValues(
            mail,
            [
                {
                    "state": "outgoing",
                    "email_from": '"Lumière SAS" <relances@lumiere.example>',
                    "reply_to": '"Colette Collector" <colette@lumiere.example>',
                    "recipient_ids": self.customer_en.ids,
                    "model": "res.partner",
                    "res_id": self.customer_en.id,
                }
            ],
        )
        self.assertIn("Lumière SAS", mail.subject)
        self.assertIn(eur_inv.name, mail.subject)
        self.assertIn(usd_inv.name, mail.subject)
        body = str(mail.body_html)
        for expected in (
            "Dear Sir or Madam,",
            "oversight",
            eur_inv.name,
            usd_inv.name,
            "01/10/2026",  # invoice date, US format
            "02/09/2026",  # due date
            "39 days late",
            "13 days late",
            "1,234.56\xa0€",
            "$\xa02,500.00",
            "FR76 3000 4000 0312 3456 7890 143",  # IBAN in groups of four
            "BNPAFRPPXXX",
            # the invoice's pay link goes through the customer's signed page
            f"/pay?move_id={eur_inv.id}",
            "/dunning/customer/",
            "Colette Collector",
            "/dunning/channel/",
            # the planner's next reminder: the first invoice is past the
            # formal level already, sent once the scenario's interval is over
            "further reminder on 03/25/2026",
        ):
            self.assertIn(expected, body)
        self.assertNotIn("L.441-10", body)
        self.assertEqual(comm.mail_message_id, mail.mail_message_id)
        self.assertEqual(comm.state, "queued")

    def test_formal_email_in_french_with_penalties(self):
        comm, mail = self._email(
            self.customer_fr,
            "formal",
            penalties=True,
        )
        eur_inv, usd_inv = self.invoices[self.customer_fr]
        body = str(mail.body_html)
        for expected in (
            eur_inv.name,
            usd_inv.name,
            "10/01/2026",  # French date format
            "09/02/2026",
            "1\xa0234,56\xa0€",
            "$\xa02\xa0500,00",
            "L.441-10",
            "12,15\xa0%",
            # the penalties per currency of the invoices, as the run froze
            # them: 1 234,56 € x 12.15 % / 365 x 39 days, the indemnity on the
            # EUR invoice; $ 2 500 x 12.15 % / 365 x 13 days, the indemnity
            # converted (1 EUR = 2 USD)
            "16,03\xa0€",
            "40,00\xa0€",
            "$\xa010,82",
            "$\xa080,00",
            "EUR 40",
            "FR76 3000 4000 0312 3456 7890 143",  # IBAN in groups of four
        ):
            self.assertIn(expected, body)
        self.assertIn(eur_inv.name, mail.subject)
        self.assertEqual(comm.state, "queued")

    def test_final_notice_deadline_and_subject(self):
        comm, mail = self._email(
            self.customer_en,
            "final",
            penalties=True,
        )
        self.assertIn("FINAL NOTICE", mail.subject)
        # one indemnity per late invoice, each in its invoice's currency
        for expected in (
            "Fixed recovery indemnity: EUR 40 per late invoice × 1 invoice: "
            "40.00\xa0€",
            "Fixed recovery indemnity: EUR 40 per late invoice × 1 invoice: "
            "$\xa080.00 (converted on 03/20/2026)",
        ):
            self.assertIn(expected, str(mail.body_html))
        # no further level: eight days to pay
        self.assertIn("received by <strong>03/28/2026</strong>", str(mail.body_html))

    def test_chatter_message_sums_up_the_email(self):
        comm, mail = self._email(self.customer_fr, "formal", penalties=True)
        message = comm.mail_message_id
        self.assertEqual(message, mail.mail_message_id)
        body = str(message.body)
        self.assertIn(comm.name, body)
        self.assertIn("compta@dupont.example", body)
        for invoice in self.invoices[self.customer_fr]:
            self.assertIn(invoice.name, body)
        # the email as sent stays on the queued email, kept after sending
        email = str(mail.body_html)
        self.assertIn("FR76 3000 4000 0312 3456 7890 143", email)
        self.assertIn("Colette Collector", email)
        mail.send()
        self.assertTrue(mail.exists())
        self.assertEqual(mail.state, "sent")

    def test_email_body_calls_customisable_views(self):
        """The templates call QWeb views for the invoices and how to pay: a
        view inheriting one changes the emails, in every tone."""
        self.env["ir.ui.view"].create(
            {
                "name": "Reminder email: office hours",
                "type": "qweb",
                "inherit_id": self.env.ref(
                    "account_dunning_advanced.dunning_reminder_payment"
                ).id,
                "arch": '<xpath expr="//p[last()]" position="after">'
                "<p>Our office is closed on Mondays.</p></xpath>",
            }
        )
        for tone in ("courtesy", "final"):
            _comm, mail = self._email(self.customer_en, tone)
            self.assertIn("Our office is closed on Mondays.", str(mail.body_html))

    def test_logged_on_the_customer_as_a_dunning_note(self):
        comm, mail = self._email(self.customer_en, "friendly")
        self.assertRecordValues(
            mail.mail_message_id,
            [
                {
                    "model": "res.partner",
                    "res_id": self.customer_en.id,
                    "subtype_id": self.env.ref(
                        "account_dunning_advanced.mt_dunning_note"
                    ).id,
                    "record_company_id": self.company.id,
                }
            ],
        )
        for invoice in self.invoices[self.customer_en]:
            self.assertNotIn(comm.name, str(invoice.message_ids.mapped("body")))
            # the invoice shows its reminders in its reminder history
            self.assertIn(comm, invoice.dunning_line_ids.communication_id)

    def test_batch_of_languages_and_queue_feedback(self):
        comms = self._communication(self.customer_en, "friendly") | self._communication(
            self.customer_fr, "courtesy"
        )
        mails = as_job(self.env["dunning.channel.email"])._create_mails(comms)
        self.assertEqual(len(mails), 2)
        self.assertIn("days late", str(comms[0].mail_id.body_html))
        self.assertIn("Lumière SAS", comms[1].mail_id.subject)
        mails.send()
        self.assertRecordValues(comms, [{"state": "sent"}, {"state": "sent"}])
        self.assertTrue(all(comms.mapped("sent_datetime")))

    def test_bounce_marks_failed_with_activity(self):
        self.customer_en.street = False  # no letter to fall back on
        comm, mail = self._email(self.customer_en, "friendly")
        mail._postprocess_sent_message(
            success_pids=[],
            failure_reason="550 mailbox unavailable",
            failure_type="mail_bounce",
        )
        self.assertEqual(comm.state, "failed")
        self.assertIn("550 mailbox unavailable", comm.error_message)
        activity = self.customer_en.activity_ids.filtered(
            lambda a: comm.name in (a.summary or "")
        )
        self.assertEqual(activity.user_id, self.collector)

    def test_stored_invoice_pdfs_attached_never_created(self):
        self.levels["friendly"].attach_invoices = True
        eur_inv, usd_inv = self.invoices[self.customer_en]
        # the PDF Odoo stored when it sent the EUR invoice; the USD one was
        # never sent
        stored = self.env["ir.attachment"].create(
            {
                "name": f"{eur_inv.name}.pdf",
                "raw": b"%PDF-1.4 stored invoice",
                "mimetype": "application/pdf",
                "res_model": "account.move",
                "res_id": eur_inv.id,
                "res_field": "invoice_pdf_report_file",
            }
        )
        eur_inv.invalidate_recordset(["invoice_pdf_report_id"])
        self.assertEqual(eur_inv.invoice_pdf_report_id, stored)
        comm, mail = self._email(self.customer_en, "friendly")
        self.assertEqual(mail.attachment_ids, stored)
        usd_inv.invalidate_recordset(["invoice_pdf_report_id"])
        self.assertFalse(usd_inv.invoice_pdf_report_id)
        official = self.env["ir.attachment"].search(
            [
                ("res_model", "=", "account.move"),
                ("res_id", "in", (eur_inv | usd_inv).ids),
                ("res_field", "=", "invoice_pdf_report_file"),
            ]
        )
        self.assertEqual(
            official, stored, "a reminder never creates an invoice's official PDF"
        )
        self.assertIn(usd_inv.name, comm.skipped_channels)
        self.assertNotIn(eur_inv.name, comm.skipped_channels)
        # the invoice without a PDF is still in the email, with its link
        self.assertIn(f"/pay?move_id={usd_inv.id}", str(mail.body_html))

    def test_no_invoice_pdf_without_attach_option(self):
        comm, mail = self._email(self.customer_en, "friendly")
        self.assertFalse(mail.attachment_ids)
        self.assertFalse(comm.skipped_channels)

    def test_courtesy_before_due_date(self):
        invoice = self._dunning_invoice(
            self.customer_en,
            "2026-02-25",
            "2026-03-25",
            800.0,
            self.company.currency_id,
        )
        comm, mail = self._email(self.customer_en, "courtesy", moves=invoice)
        body = str(mail.body_html)
        self.assertIn("fall due on <strong>03/25/2026</strong>", body)
        self.assertIn("due in 5 days", body)
        self.assertIn("800.00\xa0€", body)
        self.assertIn(invoice.name, mail.subject)

    def test_inactive_language_falls_back_to_the_company_language(self):
        """A customer whose language was archived, in a batch with others: every
        reminder goes out, that one in the company's language."""
        self.customer_en.lang = False
        self.company.partner_id.lang = "fr_FR"
        # the reminder keeps the language it was made in; German is not active
        comms = self._communication(
            self.customer_en, "friendly", lang="de_DE"
        ) | self._communication(self.customer_fr, "friendly")
        mails = as_job(self.env["dunning.channel.email"])._create_mails(comms)
        self.assertEqual(len(mails), 2)
        self.assertEqual(comms.mapped("state"), ["queued", "queued"])
        self.assertEqual(comms[0]._dunning_lang(), "fr_FR")
        # amounts and delays written the French way (this class loads no French
        # wording; test_dunning_french_translation checks it)
        self.assertIn("jours de retard", str(comms[0].mail_id.body_html))

    def test_batch_body_is_the_template_body(self):
        """The dispatch renders a batch of reminders in one QWeb render (the
        addon's templates) or from the view a former body calls with a tone
        (templates made before 18.0.2.3.0): each reminder gets exactly what
        the template renders for it alone, in each language; a body edited
        by a user renders as edited."""
        comms = self.env["dunning.communication"]
        for tone in ("friendly", "formal"):
            for partner in (self.customer_en, self.customer_fr):
                comms |= self._communication(partner, tone)
        Email = self.env["dunning.channel.email"]
        for template, group in comms.grouped(Email._template).items():
            for former in (False, True):
                if former:
                    template.body_html = (
                        '<t t-call="account_dunning_advanced.dunning_reminder_email">'
                        f'<t t-set="tone" t-value="\'{group[0].tone}\'"/></t>'
                    )
                self.assertEqual(bool(body_view_call(template.body_html)), former)
                for lang in ("en_US", "fr_FR"):
                    with self.subTest(tone=group[0].tone, lang=lang, former=former):
                        self.assertEqual(
                            Email._render_body(template, group.ids, lang),
                            template._render_field(
                                "body_html", group.ids, set_lang=lang
                            ),
                        )
        comm = comms[0]
        template = Email._template(comm)
        template.body_html = "<p>Hello from the accounts team.</p>" + str(
            template.body_html
        )
        self.assertFalse(body_view_call(template.body_html))
        body = Email._render_body(template, comm.ids, "en_US")[comm.id]
        self.assertIn("Hello from the accounts team.", body)
        self.assertIn(comm.line_ids.move_id[:1].name, body)

    def test_batch_subject_sender_and_reply_to_are_the_template_fields(self):
        """The subject, sender and reply-to rendered with the batch's body are
        what the mail template renders for each reminder alone, characters
        HTML would escape included; placeholders the batch does not evaluate
        itself (a default value, arguments) are left to the template."""
        self.company.name = 'Dupont & Fils <"L\'Atelier">'
        self.company.dunning_email = "relances@dupont.example.com"
        comms = self._communication(self.customer_en, "friendly") | (
            self._communication(self.customer_fr, "friendly")
        )
        comms[1].penalty_rate = 0.0
        Email = self.env["dunning.channel.email"]
        template = Email._template(comms[0])
        subjects = [
            template.subject,
            "{{ object.company_id.name }} & co <{{ object.name }}> 'x' \"y\"",
            "{{ object.partner_id }} {{ object.penalty_rate }} {{ object.amount_due }}",
            "{{ object.name ||| (none) }} {{ object.name.upper() }}",
            "{{ object.name.replace('/', '-') }}",
            "No placeholder at all & <b>",
            False,
        ]
        for subject in subjects:
            template.subject = subject
            for lang in ("en_US", "fr_FR"):
                with self.subTest(subject=subject, lang=lang):
                    rendered = Email._render_email(template, comms.ids, lang)
                    for field in ("subject", "email_from", "reply_to"):
                        self.assertEqual(
                            rendered[field],
                            template._render_field(field, comms.ids, set_lang=lang),
                        )
        for lang in (
            template.lang,
            "{{ object.partner_id.lang }}",
            "{{ object.lang ||| en_US }}",
            "fr_FR",
        ):
            template.lang = lang
            with self.subTest(lang=lang):
                self.assertEqual(
                    Email._render_lang(template, comms.ids),
                    template._render_field("lang", comms.ids),
                )
        template.subject = "{{ object.company_id.name }}: {{ object.name }}"
        rendered = Email._render_email(template, comms.ids, "en_US")
        self.assertEqual(
            rendered["subject"][comms[0].id],
            f'Dupont & Fils <"L\'Atelier">: {comms[0].name}',
        )
        self.assertIn('"Dupont & Fils', rendered["email_from"][comms[0].id])

    def test_batch_body_local_links_made_absolute(self):
        """A body with a link relative to the site gets it absolute in each
        email of a batch, as Odoo's rendering gives it; the addon's bodies,
        whose links are absolute, come out unchanged."""
        comms = self._communication(self.customer_en, "friendly") | (
            self._communication(self.customer_fr, "friendly")
        )
        Email = self.env["dunning.channel.email"]
        template = Email._template(comms[0])
        plain = Email._render_body(template, comms.ids, "en_US")
        self.assertNotIn('="/', "".join(plain.values()))
        template.body_html = (
            '<p><a href="/my/invoices">Your invoices</a>'
            '<img src="/web/image/res.company/1/logo"/></p>' + str(template.body_html)
        )
        bodies = Email._render_body(template, comms.ids, "en_US")
        self.assertEqual(
            bodies, template._render_field("body_html", comms.ids, set_lang="en_US")
        )
        base_url = comms[0].get_base_url()
        for body in bodies.values():
            self.assertIn(f'href="{base_url}/my/invoices"', body)
            self.assertIn(f'src="{base_url}/web/image/res.company/1/logo"', body)

    def test_email_and_its_chatter_message_go_together(self):
        """The queued email is the email of its chatter message, not a
        notification of it: deleting the email deletes the message."""
        comm, mail = self._email(self.customer_en, "friendly")
        message = mail.mail_message_id
        self.assertFalse(mail.is_notification)
        self.assertEqual(message.model, "res.partner")
        self.assertIn(comm.name, str(message.body))
        mail.unlink()
        self.assertFalse(message.exists())
