# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The aged receivables' stored items are what the live query gives, in the
transaction that changed a customer, and their age moves with the day."""

from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .workspace_common import TODAY, DunningWorkspaceCommon


@tagged("post_install", "-at_install")
class TestDunningAgedStore(DunningWorkspaceCommon):
    def _aged(self, groupby="bucket", customer=None):
        """{group value: amount due} of the customer's aged receivables."""
        report = self.env["dunning.aged.receivable.report"]
        groups = report.read_group(
            [
                ("partner_id", "=", (customer or self.customer).id),
                ("company_id", "=", self.company.id),
            ],
            ["amount_residual:sum"],
            [groupby],
        )
        return {g[groupby]: g["amount_residual"] for g in groups}

    def assertInSync(self):
        self.assertEqual(self.env["dunning.aged.receivable.report"]._store_diff(), [])

    @freeze_time(TODAY)
    def test_payments_and_unreconciliation(self):
        # due 2026-02-20 and 2026-02-25: 28 and 23 days late
        self.assertEqual(self._aged(), {"2_30": 1500.0})
        self._pay(self.invoice_b, 200.0, TODAY)
        self.assertEqual(self._aged(), {"2_30": 1300.0})
        self.assertInSync()
        self._pay(self.invoice_a, 1000.0, TODAY)
        self.assertEqual(self._aged(), {"2_30": 300.0})
        self.invoice_a.line_ids.remove_move_reconcile()
        self.assertEqual(self._aged(), {"2_30": 1300.0, "6_credit": -1000.0})
        self.assertEqual(
            self._aged("item_type"), {"invoice": 1300.0, "payment": -1000.0}
        )
        self.assertInSync()

    @freeze_time(TODAY)
    def test_posting_draft_cancel_and_due_date(self):
        self.invoice_a.button_draft()
        self.assertEqual(self._aged(), {"2_30": 500.0})
        self.assertInSync()
        self.invoice_a.invoice_date_due = TODAY - timedelta(days=70)
        self.invoice_a.action_post()
        self.assertEqual(self._aged(), {"2_30": 500.0, "4_90": 1000.0})
        self.invoice_b.button_draft()
        self.invoice_b.button_cancel()
        self.assertEqual(self._aged(), {"4_90": 1000.0})
        self.assertInSync()
        credit_note = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.customer.id,
                "invoice_date": TODAY,
                "invoice_line_ids": [
                    (0, 0, {"name": "Refund", "price_unit": 400.0, "tax_ids": []})
                ],
            }
        )
        credit_note.action_post()
        self.assertEqual(self._aged(), {"4_90": 1000.0, "6_credit": -400.0})
        self.assertEqual(
            self._aged("item_type"), {"invoice": 1000.0, "credit_note": -400.0}
        )
        self.assertInSync()

    def test_age_moves_with_the_day(self):
        with freeze_time(TODAY):
            self.assertEqual(self._aged(), {"2_30": 1500.0})
        with freeze_time(TODAY + timedelta(days=5)):
            # 33 and 28 days late
            self.assertEqual(self._aged(), {"2_30": 500.0, "3_60": 1000.0})
            self.assertInSync()

    @freeze_time(TODAY)
    def test_customer_of_an_item_changed(self):
        other = self.env["res.partner"].create({"name": "Martin SARL"})
        contact = self.env["res.partner"].create(
            {"name": "Paul Martin", "parent_id": other.id}
        )
        receivable = self.invoice_b.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        )
        receivable.partner_id = contact
        self.assertEqual(self._aged(), {"2_30": 1000.0})
        # shown under the commercial entity
        self.assertEqual(self._aged(customer=other), {"2_30": 500.0})
        self.assertInSync()

    @freeze_time(TODAY)
    def test_typology_and_collector_of_the_customer(self):
        typology = self.env["dunning.typology"].create(
            {"name": "Key account", "code": "T_STORE", "company_id": self.company.id}
        )
        self.assertEqual(self._aged("typology_id"), {False: 1500.0})
        self.customer.with_company(self.company).dunning_typology_id = typology
        self.assertEqual(
            self._aged("typology_id"), {(typology.id, typology.display_name): 1500.0}
        )
        self.customer.with_company(self.company).dunning_collector_id = self.manager
        self.assertEqual(
            self._aged("collector_id"),
            {(self.manager.id, self.manager.display_name): 1500.0},
        )
        self.assertInSync()
