# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import HttpCase, tagged

from .einvoice_common import BUYER_SIRET, SELLER_SIRET, peppol_response
from .workspace_common import DunningWorkspaceCommon


@tagged("post_install", "-at_install")
class TestDunningEinvoiceReviewTour(DunningWorkspaceCommon, HttpCase):
    def test_collector_applies_a_message_waiting_for_review(self):
        self.company.partner_id.company_registry = SELLER_SIRET
        self.customer.company_registry = BUYER_SIRET
        [result] = (
            self.env["dunning.einvoice.message"]
            .with_user(self.collector)
            ._dunning_import_files(
                [
                    (
                        "re.xml",
                        peppol_response(
                            "INV/1999/0042", "RE", "2026-03-01", reason="Wrong PO"
                        ),
                    )
                ],
                "upload",
            )
        )
        self.assertEqual(result["state"], "to_review")
        self.assertEqual(self.invoice_a.name, "INV/2026/00001")
        self.start_tour(
            "/odoo/action-account_dunning_advanced.dunning_einvoice_message_action",
            "account_dunning_advanced_einvoice_review",
            login=self.collector.login,
        )
        self.assertEqual(self.invoice_a.dunning_einvoice_status, "refused")
        self.assertIn("Wrong PO", self.invoice_a.dunning_einvoice_status_ids.comment)
