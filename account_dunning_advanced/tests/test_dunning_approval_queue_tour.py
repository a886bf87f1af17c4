# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import as_job, create_dunning_users


@tagged("post_install", "-at_install")
class TestDunningApprovalQueueTour(HttpCase):
    """The manager's approval queue after a payment, in the browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.collector, cls.manager = create_dunning_users(cls.env, cls.company)
        cls.today = fields.Date.context_today(cls.manager)
        cls.scenario = cls.env["dunning.scenario"].create(
            {
                "name": "Queue Scenario",
                "company_id": cls.company.id,
                "min_interval_days": 0,
                "business_days_only": False,
                "level_ids": [
                    (0, 0, {"name": "Queue Friendly", "offset_days": 5}),
                    (
                        0,
                        0,
                        {
                            "name": "Queue Final Notice",
                            "offset_days": 30,
                            "tone": "final",
                            "channel_letter": True,
                            "needs_approval": True,
                        },
                    ),
                ],
            }
        )

    def _customer(self, name, amount):
        customer = self.env["res.partner"].create(
            {
                "name": name,
                "is_company": True,
                "email": "ap@customer.example",
                "street": "1 rue du Port",
                "zip": "44000",
                "city": "Nantes",
                "country_id": self.env.ref("base.fr").id,
            }
        )
        customer.with_company(self.company).dunning_scenario_id = self.scenario
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "invoice_date": self.today - timedelta(days=70),
                "invoice_date_due": self.today - timedelta(days=40),
                "invoice_line_ids": [
                    (0, 0, {"name": "Audit", "price_unit": amount, "tax_ids": []})
                ],
            }
        )
        invoice.action_post()
        return customer, invoice

    def _pay(self, invoice):
        # Odoo's own payment wizard, as the accountant registers it
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"payment_date": self.today})._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))

    def _held(self, customer):
        return self.env["dunning.communication"].search(
            [("partner_id", "=", customer.id), ("level_id.tone", "=", "final")]
        )

    def test_manager_queue_after_a_payment(self):
        paying, paying_invoice = self._customer("Paying Customer SA", 900.0)
        waiting, _invoice = self._customer("Waiting Customer SA", 1250.0)
        moot, moot_invoice = self._customer("Moot Customer SA", 700.0)
        run = as_job(self.env["dunning.run"])
        run._run_company(
            self.company, self.today - timedelta(days=30), "manual", dry_run=False
        )
        run._run_company(
            self.company, self.today - timedelta(days=3), "manual", dry_run=False
        )
        for customer in (paying, waiting, moot):
            self.assertEqual(self._held(customer).state, "to_approve")
        self._pay(paying_invoice)
        # the next run, as the scheduled job runs it
        run._cron_run()
        self.assertEqual(self._held(paying).state, "cancelled")
        self.assertIn(paying_invoice.name, self._held(paying).cancel_reason)
        # paid after the run: still in the queue when the manager approves it
        self._pay(moot_invoice)
        self.assertEqual(self._held(moot).state, "to_approve")
        self.start_tour(
            "/odoo/action-account_dunning_advanced.dunning_communication_action_to_approve",
            "account_dunning_advanced_approval_after_payment",
            login=self.manager.login,
        )
        self.assertEqual(self._held(waiting).approved_by_id, self.manager)
        self.assertEqual(self._held(waiting).date, self.today)
        self.assertEqual(self._held(moot).state, "cancelled")
        self.assertFalse(self._held(moot).approved_by_id)
