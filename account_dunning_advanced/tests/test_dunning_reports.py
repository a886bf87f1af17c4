# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import create_dunning_users
from .reporting_common import DunningReportingCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-06-30")
class TestDunningReports(DunningReportingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.typology = cls.env["dunning.typology"].create(
            {"name": "Standard", "code": "T_REPORT", "company_id": cls.company.id}
        )
        cls.collector = new_test_user(
            cls.env,
            login="report_collector",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )
        cls.customer = cls._customer("Reported SA")
        cls.customer.with_company(cls.company).write(
            {
                "dunning_typology_id": cls.typology.id,
                "dunning_collector_id": cls.collector.id,
            }
        )
        # A: reminded twice, paid in two parts, each after one reminder.
        cls.inv_a = cls._invoice(cls.customer, 1000, "2026-04-01", "2026-04-30")
        cls.rem_1 = cls._remind(cls.inv_a, "2026-05-05", typology_id=cls.typology.id)
        cls._pay(cls.inv_a, 400, "2026-05-10")
        cls.rem_2 = cls._remind(
            cls.inv_a, "2026-05-15", cls.level_2, typology_id=cls.typology.id
        )
        cls._pay(cls.inv_a, 600, "2026-05-25")
        # Open items, one per age bucket.
        cls.inv_b = cls._invoice(cls.customer, 500, "2026-06-10", "2026-07-15")
        cls.inv_c = cls._invoice(cls.customer, 700, "2026-06-01", "2026-06-20")
        cls.inv_d = cls._invoice(cls.customer, 300, "2026-05-01", "2026-05-31")
        cls.inv_e = cls._invoice(cls.customer, 200, "2026-02-01", "2026-03-01")
        cls._pay(cls.inv_e, 50, "2026-03-15")
        cls._remind(cls.inv_c, "2026-06-25", cls.level_1, state="cancelled")

    def _message(self, record, author, date, message_type="email"):
        return self.env["mail.message"].create(
            {
                "model": record._name,
                "res_id": record.id,
                "author_id": author.id,
                "message_type": message_type,
                "body": "About your reminder",
                "date": date,
            }
        )

    def test_reminder_effectiveness(self):
        contact = self.env["res.partner"].create(
            {"name": "Accountant", "parent_id": self.customer.id}
        )
        self._message(self.customer, contact, "2026-05-06 10:00:00")
        self._message(self.rem_2, self.customer, "2026-05-16 09:00:00")
        # Not replies: an internal note, a stranger, the customer before.
        self._message(self.rem_2, self.customer, "2026-05-17 09:00:00", "comment")
        self._message(self.rem_2, self.partner_b, "2026-05-17 09:00:00")
        self._message(self.customer, self.customer, "2026-05-01 09:00:00")
        Report = self.env["dunning.effectiveness.report"]
        rows = Report.search([("partner_id", "=", self.customer.id)], order="date")
        # The 600 paid on 05-25 comes after the second reminder: it is the
        # second reminder's, not the first's.
        self.assertRecordValues(
            rows,
            [
                {
                    "communication_id": self.rem_1.id,
                    "level_id": self.level_1.id,
                    "channel": "email",
                    "typology_id": self.typology.id,
                    "scenario_id": self.scenario.id,
                    "amount_reminded": 1000.0,
                    "amount_paid_7": 400.0,
                    "amount_paid_15": 400.0,
                    "amount_paid_30": 400.0,
                    "payment_rate": 40.0,
                    "days_to_payment": 5.0,
                    "reply_count": 1,
                },
                {
                    "communication_id": self.rem_2.id,
                    "level_id": self.level_2.id,
                    "channel": "letter",
                    "typology_id": self.typology.id,
                    "scenario_id": self.scenario.id,
                    "amount_reminded": 600.0,
                    "amount_paid_7": 0.0,
                    "amount_paid_15": 600.0,
                    "amount_paid_30": 600.0,
                    "payment_rate": 100.0,
                    "days_to_payment": 10.0,
                    "reply_count": 1,
                },
            ],
        )
        [total] = Report.read_group(
            [("partner_id", "=", self.customer.id)],
            ["reminder_count", "payment_rate:avg", "days_to_payment:avg"],
            [],
        )
        # 1000 paid of 1600 reminded, not the mean of 40 % and 100 %.
        self.assertEqual(total["reminder_count"], 2)
        self.assertAlmostEqual(total["payment_rate"], 62.5)
        self.assertAlmostEqual(total["days_to_payment"], 7.5)
        by_month = Report.read_group(
            [("partner_id", "=", self.customer.id)],
            ["amount_paid_30"],
            ["date:month"],
        )
        self.assertEqual([g["amount_paid_30"] for g in by_month], [1000.0])

    def _action_context(self, xmlid):
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        return safe_eval(action["context"])

    def test_effectiveness_rows_name_scenario_and_level(self):
        # a second scenario with a level of the same name, as the default
        # scenarios have (issue 21: "Friendly reminder (2)", "(3)")
        other = self.env["dunning.scenario"].create(
            {
                "name": "Key Accounts",
                "company_id": self.company.id,
                "level_ids": [
                    Command.create({"name": "First reminder", "offset_days": 10}),
                    Command.create({"name": "Courtesy", "offset_days": -3}),
                ],
            }
        )
        other_level, courtesy = other.level_ids.sorted("offset_days")[::-1]
        other_customer = self._customer("Key Account SA")
        self._remind(
            self._invoice(other_customer, 90, "2026-05-01", "2026-05-31"),
            "2026-06-10",
            other_level,
        )
        for xmlid in (
            "account_dunning_advanced.dunning_effectiveness_report_action",
            "account_dunning_advanced.dunning_variant_comparison_action",
        ):
            context = self._action_context(xmlid)
            Report = self.env["dunning.effectiveness.report"].with_context(**context)
            groups = Report.read_group(
                [("company_id", "=", self.company.id)],
                ["reminder_count"],
                ["level_id"],
            )
            self.assertEqual(
                [g["level_id"][1] for g in groups],
                [
                    "Standard / D+5 First reminder",
                    "Standard / D+20 Formal notice",
                    "Key Accounts / D+10 First reminder",
                ],
                xmlid,
            )
        self.assertEqual(
            courtesy.with_context(dunning_level_with_scenario=True).display_name,
            "Key Accounts / D-3 Courtesy",
        )
        # elsewhere a level keeps its own name
        self.assertEqual(other_level.display_name, "First reminder")

    def test_aged_receivables(self):
        Report = self.env["dunning.aged.receivable.report"]
        domain = [("partner_id", "=", self.customer.id)]
        groups = Report.read_group(domain, ["amount_residual"], ["bucket"])
        self.assertEqual(
            {g["bucket"]: g["amount_residual"] for g in groups},
            {"0_not_due": 500.0, "1_15": 700.0, "2_30": 300.0, "5_older": 150.0},
        )
        [total] = Report.read_group(
            domain,
            ["amount_not_due", "amount_1_15", "amount_16_30", "amount_older"],
            ["typology_id", "collector_id"],
            lazy=False,
        )
        self.assertEqual(total["typology_id"][0], self.typology.id)
        self.assertEqual(total["collector_id"][0], self.collector.id)
        self.assertEqual(
            [
                total[f]
                for f in (
                    "amount_not_due",
                    "amount_1_15",
                    "amount_16_30",
                    "amount_older",
                )
            ],
            [500.0, 700.0, 300.0, 150.0],
        )

    def test_kpis(self):
        self.env["dunning.promise"].create(
            [
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "date": date,
                    "amount": 100,
                    "state": state,
                }
                for date, state in (("2026-05-20", "kept"), ("2026-05-22", "broken"))
            ]
        )
        reason = self.env["dunning.dispute.reason"].create({"name": "Quantity"})
        disputes = self.env["dunning.dispute"].create(
            [
                {"move_id": self.inv_d.id, "reason_id": reason.id},
                {"move_id": self.inv_c.id, "reason_id": reason.id},
            ]
        )
        disputes[0].action_resolve()
        Report = self.env["dunning.kpi.report"]
        domain = [("company_id", "=", self.company.id)]
        rows = Report.search(domain, order="month")
        self.assertEqual(
            [str(m) for m in rows.mapped("month")],
            [
                "2026-02-01",
                "2026-03-01",
                "2026-04-01",
                "2026-05-01",
                "2026-06-01",
            ],
        )
        may = rows.filtered(lambda r: str(r.month) == "2026-05-01")
        june = rows.filtered(lambda r: str(r.month) == "2026-06-01")
        # May: receivables 200 - 50 + 1000 + 300 - 1000 = 450, sales 300; the
        # DSO's quarter: March to May, sales 0 + 1000 + 300, 31 + 30 + 31 days.
        self.assertRecordValues(
            may,
            [
                {
                    "credit_sales": 300.0,
                    "receivable_balance": 450.0,
                    "dso_credit_sales": 1300.0,
                    "dso": 450 / 1300 * 92,
                    "paid_count": 1,
                    "avg_payment_delay": 25.0,
                    "reminders_per_paid": 2.0,
                    "due_amount": 300.0,
                    "collected_amount": 0.0,
                    "promise_count": 2,
                    "promise_kept": 1,
                    "promise_kept_rate": 50.0,
                }
            ],
        )
        self.assertRecordValues(
            june,
            [
                {
                    "credit_sales": 1200.0,
                    "receivable_balance": 1650.0,
                    "dso": 1650 / (1000 + 300 + 1200) * (30 + 31 + 30),
                    "dispute_opened": 2,
                    "dispute_resolved": 1,
                }
            ],
        )
        self.assertRecordValues(
            rows.filtered(lambda r: str(r.month) == "2026-03-01"),
            [{"due_amount": 200.0, "collected_amount": 50.0, "recovery_rate": 25.0}],
        )
        [year] = Report.read_group(
            domain,
            ["recovery_rate", "dso", "avg_payment_delay", "reminders_per_paid"],
            ["month:year"],
        )
        # Collected 1000 + 50 of 200 + 1000 + 300 + 700 fallen due (the 500
        # falling due in July is not counted before July).
        self.assertAlmostEqual(year["recovery_rate"], 100 * 1050 / 2200)
        # The months' receivable-days over their quarters' sales: sales per
        # month 200, 0, 1000, 300, 1200; days 28, 31, 30, 31, 30.
        balances = [200, 150, 1150, 450, 1650]
        quarter_days = [28, 28 + 31, 28 + 31 + 30, 31 + 30 + 31, 30 + 31 + 30]
        quarter_sales = [200, 200, 1200, 1300, 2500]
        self.assertAlmostEqual(
            year["dso"],
            sum(b * d for b, d in zip(balances, quarter_days, strict=True))
            / sum(quarter_sales),
        )
        self.assertAlmostEqual(year["avg_payment_delay"], 25.0)
        self.assertAlmostEqual(year["reminders_per_paid"], 2.0)

    def test_analysis_is_for_managers(self):
        collector, manager = create_dunning_users(self.env, self.company)
        menu = self.env.ref("account_dunning_advanced.menu_dunning_analysis")
        for model in (
            "dunning.effectiveness.report",
            "dunning.aged.receivable.report",
            "dunning.kpi.report",
        ):
            self.assertTrue(self.env[model].with_user(manager).search_count([]))
            with self.assertRaises(AccessError):
                self.env[model].with_user(collector).search_count([])
        menus = self.env["ir.ui.menu"]
        self.assertEqual(menus.with_user(manager).search([("id", "=", menu.id)]), menu)
        self.assertFalse(menus.with_user(collector).search([("id", "=", menu.id)]))
