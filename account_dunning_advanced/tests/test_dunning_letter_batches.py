# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The letter queue renders several letters per wkhtmltopdf call and cuts the
PDF into one letter per reminder: each customer gets its own letter, whole,
and nobody else's; when the cut is not certain, or a letter cannot be
rendered, the letters are rendered one per call and a bad one fails alone."""

import io
from contextlib import contextmanager
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import mute_logger
from odoo.tools.pdf import PdfReader

from .common import as_job
from .dunning_dispatch_common import TODAY, DunningDispatchCommon

COMM_LOGGER = "odoo.addons.account_dunning_advanced.models.dunning_channel_letter"
PAGE_VIEW = "account_dunning_advanced.report_dunning_letter_page"


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestDunningLetterBatches(DunningDispatchCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_big = cls.env["res.partner"].create(
            {
                "name": "Martin Frères",
                "is_company": True,
                "lang": "en_US",
                "street": "3 quai Saint-Antoine",
                "zip": "69002",
                "city": "Lyon",
                "country_id": cls.env.ref("base.fr").id,
            }
        )
        # enough invoices for a letter of several pages
        cls.invoices[cls.customer_big] = cls.env["account.move"].concat(
            *(
                cls._dunning_invoice(
                    cls.customer_big,
                    "2026-01-05",
                    "2026-02-04",
                    100.0 + day,
                    cls.company.currency_id,
                )
                for day in range(45)
            )
        )

    def _letters(self, *specs):
        """Reminders by letter, queued, for (customer, reference) pairs."""
        comms = as_job(self.env["dunning.communication"])
        for partner, name in specs:
            comms |= self._communication(
                partner,
                "formal",
                name=name,
                channel_email=False,
                channel_letter=True,
            )
        as_job(self.env["dunning.channel.letter"])._send(comms)
        return comms

    @contextmanager
    def _counting_wkhtmltopdf(self):
        """Counts the wkhtmltopdf processes Odoo starts (each still runs)."""
        report_class = type(self.env["ir.actions.report"])
        original = report_class._run_wkhtmltopdf
        calls = []

        def run(reports, bodies, *args, **kwargs):
            calls.append(len(bodies))
            return original(reports, bodies, *args, **kwargs)

        with patch.object(report_class, "_run_wkhtmltopdf", run):
            yield calls

    def _produce_pdfs(self):
        as_job(self.env["dunning.communication"]).with_context(
            force_report_rendering=True
        )._cron_produce_documents()

    def _text(self, attachment):
        self.assertEqual(attachment.mimetype, "application/pdf")
        pages = PdfReader(io.BytesIO(attachment.raw)).pages
        words = (word for page in pages for word in page.extract_text().split())
        return len(pages), f" {' '.join(words)} "

    def _assert_own_letters(self, comms):
        """Each stored letter names its customer and its reference, and no
        other customer or reference of the batch."""
        pages = {}
        for comm in comms:
            self.assertEqual(comm.letter_state, "done")
            count, text = self._text(comm.letter_attachment_id)
            pages[comm] = count
            self.assertIn(comm.partner_id.name, text)
            # its reference opens and closes it
            self.assertEqual(text.count(f" {comm.name} "), 2)
            for other in comms - comm:
                self.assertNotIn(other.partner_id.name, text)
                self.assertNotIn(f" {other.name} ", text)
        return pages

    def test_letters_of_different_lengths_in_one_call(self):
        # one reference is the start of another: each is found whole
        comms = self._letters(
            (self.customer_fr, "REM/2026/12"),
            (self.customer_big, "REM/2026/123"),
            (self.customer_en, "REM/2026/1234"),
        )
        with self._counting_wkhtmltopdf() as calls:
            self._produce_pdfs()
        self.assertEqual(calls, [1], "one wkhtmltopdf process, one document")
        pages = self._assert_own_letters(comms)
        fr, big, en = comms
        self.assertEqual(pages[fr], 1)
        self.assertGreaterEqual(pages[big], 2)
        self.assertEqual(pages[en], 1)
        _count, text = self._text(big.letter_attachment_id)
        for invoice in self.invoices[self.customer_big]:
            self.assertIn(invoice.name, text, "the long letter is whole")
        self.assertEqual(
            comms.letter_attachment_id.mapped("res_id"), comms.ids, "one each"
        )

    def test_batch_size_bounds_each_call(self):
        self.env["ir.config_parameter"].set_param(
            "account_dunning_advanced.letter_batch_size", "2"
        )
        comms = self._letters(
            (self.customer_fr, "REM/2026/0001"),
            (self.customer_en, "REM/2026/0002"),
            (self.customer_big, "REM/2026/0003"),
        )
        with self._counting_wkhtmltopdf() as calls:
            self._produce_pdfs()
        # two letters together, then the third alone with the letter report
        self.assertEqual(calls, [1, 1])
        self._assert_own_letters(comms)

    def test_letter_that_cannot_render_fails_alone(self):
        # a customization printing the contact's job title: Smith Ltd's
        # contact has none, its letter cannot be rendered
        self.customer_fr.function = "Comptable"
        self.env["ir.ui.view"].create(
            {
                "name": "dunning letter job title",
                "type": "qweb",
                "inherit_id": self.env.ref(PAGE_VIEW).id,
                "arch": (
                    "<xpath expr=\"//div[hasclass('o_dunning_reference')]\" "
                    'position="after"><p>Attn: '
                    '<t t-out="doc.contact_id.function.upper()"/></p></xpath>'
                ),
            }
        )
        comms = self._letters(
            (self.customer_fr, "REM/2026/0001"),
            (self.customer_en, "REM/2026/0002"),
        )
        fr, en = comms
        self.assertFalse(en.contact_id.function)
        with mute_logger(COMM_LOGGER), self._counting_wkhtmltopdf() as calls:
            self._produce_pdfs()
            self.assertEqual(calls, [1], "the batch failed before wkhtmltopdf")
            self.assertRecordValues(
                en, [{"letter_state": "pending", "letter_attempts": 1}]
            )
            self._assert_own_letters(fr)
            self.assertIn("COMPTABLE", self._text(fr.letter_attachment_id)[1])
            self._produce_pdfs()
            self._produce_pdfs()
        self.assertRecordValues(
            en,
            [
                {
                    "letter_state": "failed",
                    "letter_attempts": 3,
                    "letter_attachment_id": False,
                }
            ],
        )
        self.assertIn("upper", en.letter_error)
        self.assertEqual(fr.letter_state, "done")

    def _customize_reference(self, position):
        """A customization of the letter: no reference on top ("none"), or the
        reference moved to the end of the letter ("bottom")."""
        reference = "//div[hasclass('o_dunning_reference')]"
        if position == "none":
            arch = f'<xpath expr="{reference}" position="replace"/>'
        else:
            arch = (
                "<xpath expr=\"//div[hasclass('o_dunning_letter_footer')]\" "
                f'position="after"><xpath expr="{reference}" position="move"/>'
                "</xpath>"
            )
        self.env["ir.ui.view"].create(
            {
                "name": "dunning letter reference moved",
                "type": "qweb",
                "inherit_id": self.env.ref(PAGE_VIEW).id,
                "arch": arch,
            }
        )

    def _assert_rendered_one_by_one(self):
        comms = self._letters(
            (self.customer_fr, "REM/2026/0001"),
            (self.customer_big, "REM/2026/0002"),
            (self.customer_en, "REM/2026/0003"),
        )
        with (
            self._counting_wkhtmltopdf() as calls,
            self.assertLogs(COMM_LOGGER, "WARNING") as logs,
        ):
            self._produce_pdfs()
        self.assertEqual(calls, [1, 1, 1, 1], "the batch, then one call each")
        self.assertIn("could not be cut", logs.output[0])
        for comm in comms:
            self.assertEqual(comm.letter_state, "done")
            _count, text = self._text(comm.letter_attachment_id)
            self.assertIn(comm.partner_id.name, text)
            for other in comms - comm:
                self.assertNotIn(other.partner_id.name, text)

    def test_letters_without_reference_one_per_call(self):
        self._customize_reference("none")
        self._assert_rendered_one_by_one()

    def test_reference_not_opening_its_page_one_per_call(self):
        self._customize_reference("bottom")
        self._assert_rendered_one_by_one()

    def test_letters_cut_by_reminder_not_by_number(self):
        # two companies' sequences may give the same number
        comms = self._letters(
            (self.customer_fr, "REM/2026/0001"),
            (self.customer_en, "REM/2026/0001"),
        )
        with self._counting_wkhtmltopdf() as calls:
            self._produce_pdfs()
        self.assertEqual(calls, [1])
        for comm in comms:
            _count, text = self._text(comm.letter_attachment_id)
            self.assertIn(comm.partner_id.name, text)
            self.assertNotIn((comms - comm).partner_id.name, text)
