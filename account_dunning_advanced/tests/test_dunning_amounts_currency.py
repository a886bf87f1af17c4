# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date

from freezegun import freeze_time

from odoo.tests import Form, TransactionCase, tagged
from odoo.tools.misc import format_amount

from odoo.addons.account_dunning_advanced.models.dunning_reminder_content import (
    amount_formatter,
)

from .common import as_job
from .dunning_dispatch_common import TODAY, DunningDispatchCommon


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestDunningAmountsCurrency(DunningDispatchCommon):
    """A French company (EUR) reminds invoices in EUR and USD: what the
    customer and the collector read is in each invoice's own currency."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the USD invoice was booked at 1.10; the reminder's day rate is 1.25
        cls.env["res.currency.rate"].create(
            [
                {
                    "name": "2026-01-01",
                    "rate": 1.10,
                    "currency_id": cls.usd.id,
                    "company_id": cls.company.id,
                },
                {
                    "name": "2026-03-20",
                    "rate": 1.25,
                    "currency_id": cls.usd.id,
                    "company_id": cls.company.id,
                },
            ]
        )
        cls.company.dunning_scenario_id = cls.scenario
        cls.customer_usd = cls.env["res.partner"].create(
            {
                "name": "Acme Corp",
                "is_company": True,
                "lang": "en_US",
                "email": "ap@acme.example",
                "country_id": cls.env.ref("base.us").id,
            }
        )
        cls.usd_invoice = cls._dunning_invoice(
            cls.customer_usd, "2026-02-01", "2026-03-03", 189.90, cls.usd
        )

    def _run(self, partners):
        """The reminders of ``partners`` on TODAY, after a first run on 5
        March (friendly or courtesy reminders)."""
        for day in (date(2026, 3, 5), TODAY):
            run = as_job(self.env["dunning.run"])._run_company(
                self.company, day, "manual", dry_run=False
            )
        return run.communication_ids.filtered(lambda c: c.partner_id in partners)

    def test_penalties_in_each_invoice_currency(self):
        eur_inv, usd_inv = self.invoices[self.customer_en]
        comm = self._run(self.customer_en)
        self.assertEqual(comm.level_id, self.levels["formal"])
        self.assertEqual(comm.legal_regime, "french_b2b")
        self.assertRecordValues(
            comm.line_ids.sorted("date_maturity"),
            [
                {
                    "move_id": eur_inv.id,
                    # 1234.56 x 12.15 % / 365 x 39 days = 16.027...
                    "penalty_interest_currency": 16.03,
                    "penalty_indemnity_currency": 40.0,
                    "penalty_indemnity": 40.0,
                },
                {
                    "move_id": usd_inv.id,
                    # 2500.00 x 12.15 % / 365 x 13 days = 10.818...
                    "penalty_interest_currency": 10.82,
                    # EUR 40 at the reminder's day rate (1.25), not the booking's
                    "penalty_indemnity_currency": 50.0,
                    "penalty_indemnity": 40.0,
                },
            ],
        )
        body = str(comm.mail_id.body_html)
        for expected in (
            "Invoices in EUR:",
            "Late-payment interest at 12.15\xa0% per year, to date: 16.03\xa0€",
            "Fixed recovery indemnity: EUR 40 per late invoice × 1 invoice: "
            "40.00\xa0€",
            "Total penalties: 56.03\xa0€",
            "Invoices in USD:",
            "Late-payment interest at 12.15\xa0% per year, to date: $\xa010.82",
            "Fixed recovery indemnity: EUR 40 per late invoice × 1 invoice: "
            "$\xa050.00 (converted on 03/20/2026)",
            "Total penalties: $\xa060.82",
        ):
            self.assertIn(expected, body)
        self.assertNotIn("(2 invoices)", body)

    def test_indemnity_label_counts_the_invoices(self):
        customer = self.customer_usd.copy({"name": "Two Invoices Ltd"})
        for due in ("2026-02-05", "2026-02-10"):
            self._dunning_invoice(
                customer, "2026-01-05", due, 100.0, self.company.currency_id
            )
        comm = self._run(customer)
        self.assertEqual(comm.level_id, self.levels["formal"])
        body = str(comm.mail_id.body_html)
        self.assertIn(
            "Fixed recovery indemnity: EUR 40 per late invoice × 2 invoices: "
            "80.00\xa0€",
            body,
        )
        self.assertNotIn("converted on", body)
        self.assertNotIn("Invoices in EUR", body, "one currency: no heading")

    def test_foreign_invoice_alone_in_its_currency(self):
        comm = self._run(self.customer_usd)
        self.assertEqual(comm.level_id, self.levels["friendly"])
        self.assertEqual(comm.amount_due_by_currency, "$\xa0189.90")
        total = str(comm.mail_id.body_html).split("Total due")[1][:300]
        self.assertIn("$\xa0189.90", total)
        self.assertNotIn("€", total)

    def test_preview_in_the_invoice_currency(self):
        planner = self.env["dunning.planner"]
        items = planner._select_open_items(self.company, TODAY, [self.customer_usd.id])
        plan = planner._plan(self.company, TODAY, items)
        values = self.env["dunning.preview.line"]._values_from_plan(self.company, plan)
        self.assertEqual(len(values), 1)
        self.assertEqual(values[0]["currency_id"], self.usd.id)
        self.assertAlmostEqual(values[0]["amount_due"], 189.90)
        # the company's currency beside it, at the invoice's booked rate (1.10)
        self.assertEqual(values[0]["company_currency_id"], self.company.currency_id.id)
        self.assertAlmostEqual(values[0]["amount_due_company"], 172.64)

    def _call_outcome(self, outcome):
        wizard = Form(
            self.env["dunning.call.outcome.wizard"].with_context(
                active_model="res.partner", active_id=self.customer_usd.id
            )
        )
        wizard.outcome = outcome
        return wizard

    def test_promise_defaults_to_the_invoice_currency(self):
        form = self._call_outcome("reached_promise")
        self.assertEqual(form.currency_id, self.usd)
        self.assertAlmostEqual(form.promise_amount, 189.90)
        form.save().action_confirm()
        promise = self.env["dunning.promise"].search(
            [("partner_id", "=", self.customer_usd.id)]
        )
        self.assertRecordValues(
            promise, [{"amount": 189.90, "currency_id": self.usd.id}]
        )
        self.assertEqual(promise._amount_label(), "$\xa0189.90")
        # paid in full in USD: the promise is counted in USD and kept
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=self.usd_invoice.ids
        ).create({"payment_date": TODAY})._create_payments()
        promise.invalidate_recordset(["amount_collected"])
        self.assertAlmostEqual(promise.amount_collected, 189.90)
        promise._check_kept_or_broken()
        self.assertEqual(promise.state, "kept")

    def test_payment_plan_in_the_invoice_currency(self):
        form = self._call_outcome("reached_plan")
        form.plan_count = 2
        form.save().action_confirm()
        plan = self.env["dunning.payment.plan"].search(
            [("partner_id", "=", self.customer_usd.id)]
        )
        self.assertRecordValues(
            plan, [{"currency_id": self.usd.id, "amount_start": 189.90}]
        )
        self.assertEqual(plan.line_ids.mapped("amount"), [94.95, 94.95])
        # the plan's instalments are reminded in USD too
        items = self.env["dunning.planner"]._select_open_items(
            self.company, TODAY, [self.customer_usd.id]
        )
        instalments = [it for it in items["items"] if it["plan_line_id"]]
        self.assertEqual(
            [(it["currency_id"], it["amount_residual_currency"]) for it in instalments],
            [(self.usd.id, 94.95), (self.usd.id, 94.95)],
        )
        self.assertAlmostEqual(instalments[0]["amount_residual"], 86.32)


@tagged("post_install", "-at_install")
class TestDunningAmountFormat(TransactionCase):
    """The reminders format amounts with one formatter per language and batch:
    it writes what Odoo's ``format_amount`` writes, in every language."""

    def test_same_text_as_odoo_format_amount(self):
        langs = self.env["res.lang"].with_context(active_test=False).search([])
        # one language of each kind of separators and grouping, activated
        kinds = {}
        for lang in langs:
            kinds.setdefault(
                (lang.grouping, lang.thousands_sep, lang.decimal_point), lang
            )
        chosen = self.env["res.lang"].union(*kinds.values())
        chosen.filtered(lambda lang: not lang.active).action_unarchive()
        self.assertGreaterEqual(len(chosen), 4)
        currencies = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "in", ("EUR", "USD", "JPY", "CHF", "KWD"))])
        )
        amounts = (0, 0.005, 7, -1234.565, 1234567.891, 987654321.5, -0.01, 1e12)
        for lang in chosen:
            formatter = amount_formatter(self.env, lang.code)
            for currency in currencies:
                for amount in amounts:
                    with self.subTest(lang=lang.code, currency=currency.name):
                        self.assertEqual(
                            formatter(amount, currency.id),
                            format_amount(self.env, amount, currency, lang.code),
                        )
