# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .reporting_common import DunningReportingCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-06-15")
class TestDunningReportFigures(DunningReportingCommon):
    """Each figure of the analysis reports on known data, per month and for
    the whole, as defined in readme/USAGE.md ("Reports")."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.setup_other_currency("EUR")  # 2 EUR per company unit
        cls.customer = cls._customer("Figures SA")
        # Paid 10 days late, after one reminder.
        cls.inv_1 = cls._invoice(cls.customer, 1000, "2026-03-10", "2026-04-09")
        cls._remind(cls.inv_1, "2026-04-12")
        cls._pay(cls.inv_1, 1000, "2026-04-19")
        # Open, overdue since May.
        cls.inv_2 = cls._invoice(cls.customer, 600, "2026-04-05", "2026-05-05")
        # Falls due next month.
        cls.inv_3 = cls._invoice(cls.customer, 400, "2026-06-01", "2026-07-01")
        # A promise for next month.
        cls.env["dunning.promise"].create(
            {
                "partner_id": cls.customer.id,
                "company_id": cls.company.id,
                "date": "2026-08-10",
                "amount": 600,
            }
        )

    def _kpis(self, fields, groupby):
        return self.env["dunning.kpi.report"].read_group(
            [("company_id", "=", self.company.id)], fields, groupby, lazy=False
        )

    def test_months_up_to_today_only(self):
        rows = self.env["dunning.kpi.report"].search(
            [("company_id", "=", self.company.id)], order="month"
        )
        # May has no event but a balance; nothing after June, although an
        # instalment and a promise fall due later.
        self.assertEqual(
            [str(m) for m in rows.mapped("month")],
            ["2026-03-01", "2026-04-01", "2026-05-01", "2026-06-01"],
        )
        self.assertEqual(
            rows.mapped("receivable_balance"), [1000.0, 600.0, 600.0, 1000.0]
        )
        # The current month counts its days so far.
        self.assertEqual(rows.mapped("period_days"), [31, 30, 31, 15])

    def test_dso_of_the_whole_is_the_formula_on_the_whole(self):
        fields = ["dso", "credit_sales", "receivable_balance"]
        months = self._kpis(fields, ["month:month"])
        # Sales per month 1000, 600, 0, 400; the DSO's rolling quarter: the
        # month and the two before it (June: 15 days so far). May has no
        # sales of its own but a DSO over its quarter.
        self.assertEqual(
            [g["dso"] for g in months],
            [
                1000 / 1000 * 31,
                600 / (1000 + 600) * (31 + 30),
                600 / (1000 + 600 + 0) * (31 + 30 + 31),
                1000 / (600 + 0 + 400) * (30 + 31 + 15),
            ],
        )
        [whole] = self._kpis(fields, [])
        # The months' receivable-days over their quarters' sales: neither the
        # sum nor the mean of the months.
        self.assertAlmostEqual(
            whole["dso"],
            (1000 * 31 + 600 * 61 + 600 * 92 + 1000 * 76) / (1000 + 1600 + 1600 + 1000),
        )
        self.assertEqual(whole["credit_sales"], 2000.0)

    def test_recovery_delay_and_reminders(self):
        fields = ["recovery_rate", "avg_payment_delay", "reminders_per_paid"]
        march, april, may, june = self._kpis(fields, ["month:month"])
        self.assertEqual([april[f] for f in fields], [100.0, 10.0, 1.0])
        # 600 fell due in May, nothing collected, nothing paid in May.
        self.assertEqual([may[f] for f in fields], [0.0, False, False])
        # Nothing falls due in March nor June (so far): no rate, not 0 %.
        self.assertEqual([march[f] for f in fields], [False] * 3)
        self.assertEqual([june[f] for f in fields], [False] * 3)
        [whole] = self._kpis(fields, [])
        # 1000 collected of 1600 fallen due; the 400 due in July not yet.
        self.assertAlmostEqual(whole["recovery_rate"], 62.5)
        self.assertAlmostEqual(whole["avg_payment_delay"], 10.0)
        self.assertAlmostEqual(whole["reminders_per_paid"], 1.0)

    def test_aged_receivables_currencies_and_credits(self):
        customer = self._customer("Aged GmbH")
        eur_invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "currency_id": self.eur.id,
                "invoice_date": "2026-05-01",
                "invoice_date_due": "2026-05-31",
                "invoice_payment_term_id": False,
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Service", "price_unit": 600, "tax_ids": []}
                    )
                ],
            }
        )
        eur_invoice.action_post()
        not_due = self._invoice(customer, 500, "2026-06-10", "2026-06-30")
        refund = self._invoice(
            customer, 150, "2026-06-10", "2026-06-10", move_type="out_refund"
        )
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": customer.id,
                "amount": 80,
                "date": "2026-06-12",
            }
        )
        payment.action_post()
        Report = self.env["dunning.aged.receivable.report"]
        domain = [("partner_id", "=", customer.id)]
        rows = Report.search(domain, order="amount_residual desc")
        company_currency = self.company.currency_id
        self.assertRecordValues(
            rows,
            [
                {
                    "move_id": not_due.id,
                    "item_type": "invoice",
                    "bucket": "0_not_due",
                    "currency_id": company_currency.id,
                    "company_currency_id": company_currency.id,
                    "amount_residual_currency": 500.0,
                    "amount_residual": 500.0,
                    "amount_not_due": 500.0,
                    "amount_credit": 0.0,
                },
                {
                    "move_id": eur_invoice.id,
                    "item_type": "invoice",
                    "bucket": "1_15",
                    "currency_id": self.eur.id,
                    "company_currency_id": company_currency.id,
                    "amount_residual_currency": 600.0,
                    "amount_residual": 300.0,
                    "amount_not_due": 0.0,
                    "amount_credit": 0.0,
                },
                {
                    "move_id": payment.move_id.id,
                    "item_type": "payment",
                    "bucket": "6_credit",
                    "currency_id": company_currency.id,
                    "company_currency_id": company_currency.id,
                    "amount_residual_currency": -80.0,
                    "amount_residual": -80.0,
                    "amount_not_due": 0.0,
                    "amount_credit": -80.0,
                },
                {
                    "move_id": refund.id,
                    "item_type": "credit_note",
                    "bucket": "6_credit",
                    "currency_id": company_currency.id,
                    "company_currency_id": company_currency.id,
                    "amount_residual_currency": -150.0,
                    "amount_residual": -150.0,
                    "amount_not_due": 0.0,
                    "amount_credit": -150.0,
                },
            ],
        )
        groups = Report.read_group(domain, ["amount_residual"], ["bucket"])
        self.assertEqual(
            {g["bucket"]: g["amount_residual"] for g in groups},
            {"0_not_due": 500.0, "1_15": 300.0, "6_credit": -230.0},
        )
        by_currency = Report.read_group(
            domain, ["amount_residual_currency"], ["currency_id"]
        )
        self.assertEqual(
            {g["currency_id"][0]: g["amount_residual_currency"] for g in by_currency},
            {company_currency.id: 270.0, self.eur.id: 600.0},
        )


@tagged("post_install", "-at_install")
@freeze_time("2026-04-20")
class TestDunningKpiDefinitions(DunningReportingCommon):
    """DSO, payment delay and recovery rate against a hand computation, on a
    company whose credit notes and payments would have turned the sales and
    the receivables negative (issue 21: a DSO of 3.38 days from negative
    sales and negative receivables)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        customer = cls._customer("Definitions SARL")
        # February: two invoices
        cls.inv_1 = cls._invoice(customer, 1000, "2026-02-10", "2026-03-12")
        cls.inv_2 = cls._invoice(customer, 500, "2026-02-20", "2026-03-22")
        # March: a credit note left unapplied, an invoice, a payment of the
        # first invoice 13 days after its due date
        cls._invoice(customer, 200, "2026-03-05", "2026-03-05", move_type="out_refund")
        cls._invoice(customer, 300, "2026-03-15", "2026-04-14")
        cls._pay(cls.inv_1, 1000, "2026-03-25")
        # April (20 days so far): more credit notes than invoices, which
        # leaves the customer in credit
        cls._invoice(customer, 800, "2026-04-02", "2026-04-02", move_type="out_refund")
        cls._invoice(customer, 100, "2026-04-10", "2026-05-10")

    def _kpis(self, fields, groupby):
        return self.env["dunning.kpi.report"].read_group(
            [("company_id", "=", self.company.id)], fields, groupby, lazy=False
        )

    def test_sales_are_invoices_minus_credit_notes_never_payments(self):
        rows = self.env["dunning.kpi.report"].search(
            [("company_id", "=", self.company.id)], order="month"
        )
        self.assertRecordValues(
            rows,
            [
                {
                    "invoiced_amount": 1000 + 500,
                    "refunded_amount": 0,
                    "credit_sales": 1500,
                    "receivable_balance": 1000 + 500,
                },
                {
                    # the 1,000 payment is not a negative sale
                    "invoiced_amount": 300,
                    "refunded_amount": 200,
                    "credit_sales": 300 - 200,
                    "receivable_balance": 1500 - 200 + 300 - 1000,
                },
                {
                    "invoiced_amount": 100,
                    "refunded_amount": 800,
                    "credit_sales": 100 - 800,
                    "receivable_balance": 600 - 800 + 100,
                },
            ],
        )

    def test_dso_per_month_and_for_the_whole(self):
        """DSO over a rolling quarter: month-end receivables / net credit
        sales of the month and the two before it x their days."""
        months = self._kpis(["dso", "credit_sales"], ["month:month"])
        feb, mar, apr = (g["dso"] for g in months)
        self.assertAlmostEqual(feb, 1500 / 1500 * 28)
        # not 600 / 100 x 31 = 186 days from March's few sales alone
        self.assertAlmostEqual(mar, 600 / (1500 + 100) * (28 + 31))
        # the customer in credit: 0 days, not -100 / 900 x 79 days
        self.assertEqual(apr, 0.0)
        rows = self.env["dunning.kpi.report"].search(
            [("company_id", "=", self.company.id)], order="month"
        )
        self.assertEqual(
            rows.mapped("dso_credit_sales"), [1500, 1600, 1500 + 100 - 700]
        )
        self.assertEqual(rows.mapped("dso"), [28.0, 22.125, 0.0])
        self.assertEqual(
            rows.mapped("receivable_days"), [1500 * 28, 600 * (28 + 31), 0.0]
        )
        [whole] = self._kpis(["dso"], [])
        self.assertAlmostEqual(
            whole["dso"],
            (1500 * 28 + 600 * (28 + 31) + 0 * (28 + 31 + 20)) / (1500 + 1600 + 900),
        )

    def test_no_dso_when_the_quarter_sales_are_negative(self):
        customer = self._customer("Refunds SARL")
        self._invoice(
            customer, 2000, "2026-04-15", "2026-04-15", move_type="out_refund"
        )
        rows = self.env["dunning.kpi.report"].search(
            [("company_id", "=", self.company.id)], order="month"
        )
        self.assertEqual(rows[-1].dso_credit_sales, 900 - 2000)
        # not -x / -1100 x 79 days: no figure at all
        [apr] = self._kpis(["dso"], ["month:month"])[-1:]
        self.assertIs(apr["dso"], False)

    def test_payment_delay_and_recovery_rate_signs(self):
        fields = ["avg_payment_delay", "recovery_rate"]
        feb, mar, apr = self._kpis(fields, ["month:month"])
        self.assertEqual([feb[f] for f in fields], [False, False])
        # 1,000 paid 25 March, due 12 March; of 1,000 + 500 falling due in
        # March, 1,000 collected (the unapplied credit note collects nothing)
        self.assertAlmostEqual(mar["avg_payment_delay"], 25 - 12)
        self.assertAlmostEqual(mar["recovery_rate"], 100 * 1000 / (1000 + 500))
        # 300 fell due 14 April, unpaid; nothing paid in April
        self.assertEqual([apr[f] for f in fields], [False, 0.0])
