# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import tagged

from .common import as_job
from .dunning_dispatch_common import DunningDispatchCommon


@tagged("post_install", "-at_install")
class TestDunningPaymentQr(DunningDispatchCommon):
    """The SEPA (EPC) QR code Odoo builds for the company's IBAN, so that the
    customer pays the exact amount from a banking app."""

    def _letter_html(self, comm):
        return (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "account_dunning_advanced.action_report_dunning_letter", comm.ids
            )[0]
            .decode()
        )

    def _assert_french_qr(self, page):
        """The QR code as the French customer sees it: its image text and
        caption in French, the English ones nowhere."""
        self.assertIn('alt="Code QR"', page)
        self.assertIn("Scannez avec votre application bancaire", page)
        self.assertNotIn('alt="QR code"', page)
        self.assertNotIn("Scan with your banking app", page)

    def _assert_no_qr(self, page):
        for text in ('alt="Code QR"', 'alt="QR code"', "/report/barcode/"):
            self.assertNotIn(text, page)
        self.assertNotIn("Scannez avec votre application bancaire", page)

    def test_qr_code_for_a_single_euro_total(self):
        eur_invoice = self.invoices[self.customer_fr][0]
        comm = self._communication(self.customer_fr, "friendly", moves=eur_invoice)
        mail = as_job(self.env["dunning.channel.email"])._create_mails(comm)
        self.assertIn("/report/barcode/", str(mail.body_html))
        # a French customer: the image's text and caption are French too
        self._assert_french_qr(str(mail.body_html))
        letter = self._letter_html(comm)
        self.assertIn("data:image/png;base64,", letter)
        self._assert_french_qr(letter)

    def test_no_qr_code_for_two_currencies(self):
        # an EPC QR code carries one amount in euros: none for EUR + USD
        comm = self._communication(self.customer_fr, "friendly")
        mail = as_job(self.env["dunning.channel.email"])._create_mails(comm)
        # the same French page as above, the bank details without the code
        self.assertIn("IBAN", str(mail.body_html))
        self._assert_no_qr(str(mail.body_html))
        letter = self._letter_html(comm)
        self.assertIn("IBAN", letter)
        self._assert_no_qr(letter)
