# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .reporting_common import DunningReportingCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-04-20")
class TestDunningKpiCompanies(DunningReportingCommon):
    """Two companies invoicing in the same months: each month of each company
    shows that company's own figures, and a group of both their sums. The
    figures are summed per company and month before the month series is
    built: events of one company never reach the other's months."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other = cls.setup_other_company(name="KPI Company B")["company"]
        first = cls._customer("Company A Customer")
        # company A: a February invoice paid 13 days after its due date
        invoice = cls._invoice(first, 1000, "2026-02-10", "2026-03-12")
        cls._pay(invoice, 1000, "2026-03-25")
        # company B: a February invoice and a March one, both unpaid
        env = cls.env
        cls.env = env(
            context=dict(env.context, allowed_company_ids=[cls.other.id]),
        )
        try:
            second = cls._customer("Company B Customer")
            cls._invoice(second, 400, "2026-02-05", "2026-03-01")
            cls._invoice(second, 250, "2026-03-15", "2026-04-14")
        finally:
            cls.env = env

    def _report(self):
        return self.env["dunning.kpi.report"].with_context(
            allowed_company_ids=[self.company.id, self.other.id]
        )

    def _months(self, company):
        return self._report().search([("company_id", "=", company.id)], order="month")

    def test_each_company_its_own_months(self):
        fields = [
            "month",
            "invoiced_amount",
            "receivable_balance",
            "paid_count",
            "paid_amount",
            "avg_payment_delay",
            "due_amount",
            "collected_amount",
        ]
        self.assertRecordValues(
            self._months(self.company),
            [
                dict(zip(fields, values, strict=True))
                for values in [
                    (date(2026, 2, 1), 1000, 1000, 0, 0, 0, 0, 0),
                    (date(2026, 3, 1), 0, 0, 1, 1000, 13, 1000, 1000),
                    (date(2026, 4, 1), 0, 0, 0, 0, 0, 0, 0),
                ]
            ],
        )
        self.assertRecordValues(
            self._months(self.other),
            [
                dict(zip(fields, values, strict=True))
                for values in [
                    (date(2026, 2, 1), 400, 400, 0, 0, 0, 0, 0),
                    (date(2026, 3, 1), 250, 650, 0, 0, 0, 400, 0),
                    (date(2026, 4, 1), 0, 650, 0, 0, 0, 250, 0),
                ]
            ],
        )

    def test_both_companies_grouped(self):
        [whole] = self._report().read_group(
            [("company_id", "in", [self.company.id, self.other.id])],
            ["invoiced_amount", "paid_count", "due_amount", "collected_amount"],
            [],
            lazy=False,
        )
        self.assertEqual(whole["invoiced_amount"], 1000 + 400 + 250)
        self.assertEqual(whole["paid_count"], 1)
        self.assertEqual(whole["due_amount"], 1000 + 400 + 250)
        self.assertEqual(whole["collected_amount"], 1000)
        march = self._report().read_group(
            [("month", "=", "2026-03-01")],
            ["invoiced_amount", "receivable_balance:sum"],
            ["company_id"],
            lazy=False,
        )
        self.assertEqual(
            {row["company_id"][0]: row["invoiced_amount"] for row in march},
            {self.company.id: 0, self.other.id: 250},
        )
