# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import as_job, create_dunning_users

TODAY = date(2026, 3, 20)


class DunningWorkspaceCommon(AccountTestInvoicingCommon):
    """One company, one customer with a collector and two overdue invoices,
    and a three-level scenario."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.collector, cls.manager = create_dunning_users(cls.env, cls.company)
        cls.collector.email = "colette@example.com"
        cls.scenario = cls.env["dunning.scenario"].create(
            {
                "name": "Workspace scenario",
                "company_id": cls.company.id,
                "min_interval_days": 0,
                "max_per_30_days": 30,
                "business_days_only": False,
                "level_ids": [
                    (0, 0, {"name": "Friendly", "offset_days": 5, "tone": "friendly"}),
                    (0, 0, {"name": "Formal", "offset_days": 15, "tone": "formal"}),
                ],
            }
        )
        cls.company.dunning_scenario_id = cls.scenario
        cls.level_friendly, cls.level_formal = cls.scenario.level_ids.sorted(
            "offset_days"
        )
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Durand SA",
                "is_company": True,
                "email": "ap@durand.example",
                "phone": "+33 1 00 00 00 00",
            }
        )
        cls.customer.with_company(cls.company).write(
            {
                "dunning_collector_id": cls.collector.id,
                "dunning_scenario_id": cls.scenario.id,
            }
        )
        cls.invoice_a = cls._overdue_invoice("2026-02-20", 1000.0)
        cls.invoice_b = cls._overdue_invoice("2026-02-25", 500.0)

    @classmethod
    def _overdue_invoice(cls, due_date, amount, partner=None):
        invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": (partner or cls.customer).id,
                "invoice_date": "2026-01-20",
                "invoice_date_due": due_date,
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Consulting",
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [],
                        },
                    )
                ],
            }
        )
        invoice.action_post()
        return invoice

    def _run(self, day, dry_run=False):
        return as_job(self.env["dunning.run"])._run_company(
            self.company, day, "manual", dry_run=dry_run
        )

    def _communications(self, partner=None):
        return self.env["dunning.communication"].search(
            [("partner_id", "=", (partner or self.customer).id)]
        )

    def _pay(self, invoice, amount, day):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"amount": amount, "payment_date": day})._create_payments()


class DunningApprovalCommon(DunningWorkspaceCommon):
    """Two customers whose formal reminders wait for a manager's approval."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.level_formal.needs_approval = True
        cls.other = cls.env["res.partner"].create(
            {"name": "Martin SARL", "is_company": True, "email": "ap@martin.example"}
        )
        cls.other.with_company(cls.company).dunning_collector_id = cls.collector
        cls._overdue_invoice("2026-02-20", 800.0, partner=cls.other)

    def _waiting(self):
        """Walk both customers to the formal level, which waits for approval."""
        self._run(TODAY)
        self._run(TODAY)
        return self.env["dunning.communication"].search([("state", "=", "to_approve")])
