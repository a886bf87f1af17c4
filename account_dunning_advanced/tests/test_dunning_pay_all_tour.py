# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import re
from datetime import timedelta
from urllib.parse import urlsplit

from odoo import Command, fields
from odoo.tests import HttpCase, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import as_job


@tagged("post_install", "-at_install")
class TestDunningPayAllTour(AccountTestInvoicingCommon, HttpCase):
    """The customer pays all his overdue invoices from the link of a reminder
    email, with Odoo's demo payment provider (payment_demo, installed in the
    test and demo databases by ./setup, never a dependency of the addon), in
    a real browser: the invoices end paid."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        # the demo data's own way of enabling the provider in a company (as
        # the demo's install does: the provider of payment_demo is another
        # company's)
        cls.provider = (
            cls.env["dunning.demo"]
            .sudo()
            ._demo_payment_provider(cls.company)
            .sudo(False)
        )
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Durand SA",
                "is_company": True,
                "lang": "en_US",
                "email": "compta@durand.example",
            }
        )
        cls.customer.with_company(cls.company).dunning_scenario_id = cls.env[
            "dunning.scenario"
        ].create(
            {
                "name": "Pay all scenario",
                "company_id": cls.company.id,
                "business_days_only": False,
                "level_ids": [
                    Command.create(
                        {"name": "Friendly", "offset_days": 5, "tone": "friendly"}
                    )
                ],
            }
        )
        cls.today = fields.Date.context_today(cls.customer)
        cls.invoices = (
            cls.env["account.move"]
            .with_company(cls.company)
            .create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": cls.customer.id,
                        "journal_id": cls.company_data["default_journal_sale"].id,
                        "invoice_date": cls.today - timedelta(days=40),
                        "invoice_date_due": cls.today - timedelta(days=10),
                        "invoice_line_ids": [
                            Command.create(
                                {"name": "Chairs", "price_unit": amount, "tax_ids": []}
                            )
                        ],
                    }
                    for amount in (1000.0, 500.0)
                ]
            )
        )
        cls.invoices.action_post()

    def _reminder_link(self):
        """The "View your statement" link of the reminder email just sent."""
        run = as_job(self.env["dunning.run"])._run_company(
            self.company, self.today, "manual", False, partner_ids=self.customer.ids
        )
        mail = run.communication_ids.mail_id
        self.assertEqual(len(mail), 1)
        links = re.findall(
            r'href="([^"]*/dunning/customer/[^"/?]+)[^"]*"', mail.body_html
        )
        self.assertTrue(links, "the reminder links to the customer's page")
        return urlsplit(links[0]).path

    def test_customer_pays_all_invoices_from_the_reminder_link(self):
        self.assertEqual(self.provider.code, "demo")
        self.assertEqual(self.provider.state, "test")
        path = self._reminder_link()
        self.start_tour(path, "account_dunning_advanced_pay_all_demo")
        self.invoices.invalidate_recordset()
        for invoice in self.invoices:
            self.assertIn(invoice.payment_state, ("in_payment", "paid"), invoice.name)
            self.assertEqual(invoice.amount_residual, 0.0, invoice.name)
        tx = self.invoices.transaction_ids
        self.assertRecordValues(
            tx, [{"provider_id": self.provider.id, "state": "done", "amount": 1500.0}]
        )
        self.assertTrue(tx.payment_id)
