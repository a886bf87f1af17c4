# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import io

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools.pdf import PdfReader

from .common import as_job
from .dunning_dispatch_common import TODAY, DunningDispatchCommon


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestDunningLetters(DunningDispatchCommon):
    def _letter_comm(self, partner, tone, **values):
        return self._communication(
            partner, tone, channel_email=False, channel_letter=True, **values
        )

    def test_letter_html_per_language(self):
        comm_fr = self._letter_comm(
            self.customer_fr,
            "formal",
            penalties=True,
        )
        comm_en = self._letter_comm(self.customer_en, "friendly")
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "account_dunning_advanced.action_report_dunning_letter", comm_fr.ids
            )[0]
            .decode()
        )
        eur_inv, usd_inv = self.invoices[self.customer_fr]
        for expected in (
            "Dupont SARL",
            "5 avenue Foch",
            "75016",
            "Lyon, 20/03/2026",
            eur_inv.name,
            usd_inv.name,
            "09/02/2026",
            "1\xa0234,56\xa0€",
            "$\xa02\xa0500,00",
            "L.441-10",
            "12,15\xa0%",
            "16,03\xa0€",  # the penalties, per currency of the invoices
            "$\xa010,82",
            "FR76 3000 4000 0312 3456 7890 143",  # IBAN in groups of four
            "Colette Collector",
        ):
            self.assertIn(expected, html)
        html_en = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "account_dunning_advanced.action_report_dunning_letter", comm_en.ids
            )[0]
            .decode()
        )
        self.assertIn("Lyon, 03/20/2026", html_en)
        self.assertIn("1,234.56\xa0€", html_en)
        self.assertNotIn("L.441-10", html_en)

    def test_dispatch_stores_one_letter_per_reminder(self):
        comms = self._letter_comm(self.customer_fr, "formal") | self._letter_comm(
            self.customer_en, "friendly"
        )
        self.assertEqual(as_job(self.env["dunning.channel.letter"])._send(comms), comms)
        self.assertEqual(comms.mapped("letter_state"), ["pending", "pending"])
        self.assertFalse(comms.letter_attachment_id, "the queue renders them")
        as_job(self.env["dunning.communication"])._cron_produce_documents()
        for comm in comms:
            letter = comm.letter_attachment_id
            self.assertRecordValues(
                letter, [{"res_model": "dunning.communication", "res_id": comm.id}]
            )
            self.assertIn(comm.partner_id.name, letter.raw.decode())
            self.assertNotIn(
                (comms - comm).partner_id.name,
                letter.raw.decode(),
                "each letter holds its own customer only",
            )
            # the customer is shared between companies: no copy of the letter there
            self.assertFalse(
                self.env["ir.attachment"].search(
                    [
                        ("res_model", "=", "res.partner"),
                        ("res_id", "=", comm.partner_id.id),
                    ]
                )
            )
            self.assertEqual(comm.state, "queued", "sent only once printed")
            self.assertEqual(comm.letter_state, "done")

    def test_print_letters_merges_and_marks_sent(self):
        comms = self._letter_comm(self.customer_fr, "formal") | self._letter_comm(
            self.customer_en, "final"
        )
        action = comms.action_print_letters()
        attachment_id = int(action["url"].split("/")[3].split("?")[0])
        merged = self.env["ir.attachment"].browse(attachment_id).raw.decode()
        # one document with both letters, each archived on its reminder
        self.assertIn("Dupont SARL", merged)
        self.assertIn("Smith Ltd", merged)
        self.assertTrue(all(comms.mapped("letter_attachment_id")))
        self.assertRecordValues(comms, [{"state": "sent"}, {"state": "sent"}])
        self.assertTrue(all(comms.mapped("sent_datetime")))

    def test_post_letters_through_snailmail(self):
        if "snailmail.letter" not in self.env:
            self.skipTest("snailmail is not installed")
        comm = self._letter_comm(self.customer_fr, "formal")
        letters = comm.action_post_letters()
        self.assertRecordValues(
            letters,
            [
                {
                    "state": "pending",
                    "model": "dunning.communication",
                    "res_id": comm.id,
                    "partner_id": self.customer_fr.id,
                    "attachment_id": comm.letter_attachment_id.id,
                    "city": "Paris",
                }
            ],
        )
        self.assertEqual(comm.state, "sent")


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestDunningLetterLayout(DunningDispatchCommon):
    """What the customer holds: a letterhead whatever the wkhtmltopdf, a
    greeting by name, a signature, nothing meant for the collector."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "vat": "FR23334175221",
                "company_registry": "RCS Lyon 123 456 789",
                "phone": "+33 4 78 00 00 01",
            }
        )
        cls.collector.partner_id.function = "Credit Controller"
        cls.contact = cls.env["res.partner"].create(
            {
                "name": "Jean Durand",
                "type": "invoice",
                "parent_id": cls.customer_en.id,
                "title": cls.env.ref("base.res_partner_title_mister").id,
                "email": "jean.durand@smith.example",
            }
        )

    def _letter_html(self, comm):
        return (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "account_dunning_advanced.action_report_dunning_letter", comm.ids
            )[0]
            .decode()
        )

    def _final(self, partner, **values):
        return self._communication(
            partner, "final", channel_email=False, channel_letter=True, **values
        )

    def test_letterhead_greeting_and_signature_in_the_body(self):
        comm = self._final(self.customer_en)
        self.assertEqual(comm.contact_id, self.contact)
        html = self._letter_html(comm)
        body = html.split('class="article', 1)[1]
        letterhead = body.split('class="o_dunning_letterhead"', 1)[1].split("</td>")[0]
        for expected in ("Lumière SAS", "12 rue de la Paix", "69002 Lyon", "France"):
            self.assertIn(expected, letterhead)
        footer = body.split('class="o_dunning_letter_footer"', 1)[1]
        self.assertIn("VAT: FR23334175221", footer)
        self.assertIn("Registry: RCS Lyon 123 456 789", footer)
        # the paper format leaves no room for a header the printer may drop
        paperformat = self.env.ref(
            "account_dunning_advanced.paperformat_dunning_letter"
        )
        self.assertEqual(paperformat.header_spacing, 0)
        self.assertNotIn('class="header', html)
        self.assertIn("Dear Mr. Jean Durand,", body)
        self.assertNotIn("Dear Customer", body)
        signature = body.split('class="o_dunning_signature"', 1)[1].split("</div>")[0]
        self.assertIn("Colette Collector", signature)
        self.assertIn("Credit Controller", signature)
        self.assertEqual(signature.count("Lumière SAS"), 1)

    def test_no_internal_note_printed(self):
        comm = self._final(self.customer_fr)
        html = self._letter_html(comm)
        self.assertNotIn("Registered letter", html)
        self.assertNotIn("acknowledgement of receipt", html)
        # the collector still reads it on the reminder
        self.assertEqual(
            comm.letter_instructions,
            "Send by registered post with acknowledgement of receipt.",
        )

    def test_signature_without_collector(self):
        comm = self._final(self.customer_en, collector_id=False)
        signature = self._letter_html(comm).split('class="o_dunning_signature"', 1)[1]
        signature = signature.split("</div>")[0]
        self.assertIn("Credit Management Department", signature)
        self.assertEqual(signature.count("Lumière SAS"), 1)
        self.company.dunning_signature = "Service Recouvrement\nLumière SAS"
        comm.invalidate_recordset()
        signature = self._letter_html(comm).split('class="o_dunning_signature"', 1)[1]
        signature = signature.split("</div>")[0]
        self.assertIn("Service Recouvrement", signature)
        self.assertEqual(signature.count("Lumière SAS"), 1)

    def test_real_pdf_holds_the_letterhead(self):
        comm = self._final(self.customer_en)
        pdf, report_type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(
                "account_dunning_advanced.action_report_dunning_letter", comm.ids
            )
        )
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        text = " ".join(
            " ".join(page.extract_text().split())
            for page in PdfReader(io.BytesIO(pdf)).pages
        )
        for expected in (
            "Lumière SAS",
            "12 rue de la Paix",
            "Dear Mr. Jean Durand,",
            "VAT: FR23334175221",
        ):
            self.assertIn(expected, text)
        self.assertNotIn("Registered letter", text)
