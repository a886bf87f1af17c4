# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date, timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .workspace_common import TODAY, DunningWorkspaceCommon


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestDunningRulesOwnedByPlanner(DunningWorkspaceCommon):
    """Every screen that says "overdue", the litigation file and the payment
    plans show what the planner answers on the same data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.scenario.grace_days = 3
        cls.level_friendly.channel_call = True
        cls.buyer = cls.env["res.partner"].create(
            {
                "name": "Petit SAS",
                "is_company": True,
                "email": "ap@petit.example",
                # a call needs a number (test_dunning_call_queue)
                "phone": "+33 1 00 00 00 00",
            }
        )
        cls.buyer.with_company(cls.company).dunning_scenario_id = cls.scenario

        def invoice(days_late, amount):
            return cls._overdue_invoice(
                TODAY - timedelta(days=days_late), amount, partner=cls.buyer
            )

        # friendly level (5 days + 3 of grace) reached: reminded, by a call
        cls.reminded = invoice(19, 1000.0)
        cls.yesterday = invoice(1, 100.0)
        cls.today = invoice(0, 200.0)
        # overdue, but within the level's grace days: not reminded yet
        cls.in_grace = invoice(6, 400.0)
        cls.disputed = invoice(4, 800.0)
        cls.env["dunning.dispute"].create(
            {
                "move_id": cls.disputed.id,
                "reason_id": cls.env.ref(
                    "account_dunning_advanced.dispute_reason_price"
                ).id,
            }
        )
        cls.paid = invoice(25, 700.0)
        cls._pay(cls, cls.paid, 700.0, TODAY)
        refund = cls.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": cls.buyer.id,
                "invoice_date": TODAY,
                "invoice_line_ids": [
                    (0, 0, {"name": "Credit", "price_unit": 50.0, "tax_ids": []})
                ],
            }
        )
        refund.action_post()
        cls.refund = refund

    def _planner_overdue(self, partner=None):
        return self.env["dunning.planner"]._overdue_totals(
            self.company, TODAY, [(partner or self.buyer).id]
        )

    def test_planner_rule(self):
        # due yesterday, in grace, disputed, reminded: overdue; due today,
        # paid and the credit note: not
        self.assertEqual(
            self._planner_overdue(),
            {self.buyer.id: {"amount": 2300.0, "count": 4, "days_late": 19}},
        )

    def test_worklist_shows_the_planner_overdue(self):
        expected = self._planner_overdue()[self.buyer.id]
        row = self.env["dunning.worklist"].search(
            [("partner_id", "=", self.buyer.id), ("company_id", "=", self.company.id)]
        )
        self.assertRecordValues(
            row,
            [
                {
                    "overdue_amount": expected["amount"],
                    "overdue_count": expected["count"],
                    "days_late": expected["days_late"],
                    "total_due": 2500.0,
                }
            ],
        )

    def test_customer_status_shows_the_planner_overdue(self):
        expected = self._planner_overdue()[self.buyer.id]
        buyer = self.buyer.with_company(self.company)
        self.assertRecordValues(
            buyer,
            [
                {
                    "dunning_overdue_amount": expected["amount"],
                    "dunning_days_late": expected["days_late"],
                }
            ],
        )

    def test_call_activity_shows_the_planner_overdue(self):
        expected = self._planner_overdue()[self.buyer.id]
        # an open credit note holds the reminder back: it is no invoice item
        self.refund.button_draft()
        self.assertEqual(self._planner_overdue()[self.buyer.id], expected)
        self._run(TODAY)
        reminder = self._communications(self.buyer)
        self.assertEqual(reminder.line_ids.move_id, self.reminded)
        self.assertRecordValues(
            reminder.activity_id,
            [
                {
                    "dunning_partner_id": self.buyer.id,
                    "dunning_amount_due": expected["amount"],
                    "dunning_overdue_by_currency": "$\xa02,300.00",
                }
            ],
        )

    def test_score_shows_the_planner_overdue(self):
        expected = self._planner_overdue()[self.buyer.id]
        self.env["dunning.partner.score"]._recompute(self.company)
        score = self.env["dunning.partner.score"].search(
            [("partner_id", "=", self.buyer.id), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(score.overdue_amount, expected["amount"])

    def test_preview_tells_overdue_customers_apart_from_none(self):
        self.reminded.button_draft()
        self.reminded.button_cancel()
        self.disputed.button_draft()
        self.disputed.button_cancel()
        # left: due yesterday and in grace (overdue, no level reached yet),
        # due today
        self.assertEqual(set(self._planner_overdue()), {self.buyer.id})
        wizard = self.env["dunning.send.wizard"].create(
            {
                "mode": "preview",
                "company_id": self.company.id,
                "partner_ids": [(6, 0, self.buyer.ids)],
            }
        )
        wizard.action_preview()
        self.assertFalse(wizard.line_ids)
        self.assertEqual(
            wizard.preview_summary,
            "Nothing to remind yet: 1 customer(s) with overdue items, none due "
            "for a reminder on this date.",
        )
        self.yesterday.button_draft()
        self.in_grace.button_draft()
        self.assertFalse(self._planner_overdue())
        wizard.action_preview()
        wizard.invalidate_recordset(["preview_summary"])
        self.assertEqual(
            wizard.preview_summary,
            "Nothing to remind: no customer has an overdue item.",
        )

    def test_litigation_file_counts_the_planner_open_items(self):
        self._pay(self.reminded, 300.0, TODAY)
        planner = self.env["dunning.planner"]
        items = self.env["account.move.line"].browse(
            planner._open_item_ids(self.company.ids, self.buyer.ids)
        )
        litigation = self.env["dunning.litigation"].create(
            {
                "partner_id": self.buyer.id,
                "company_id": self.company.id,
                "agent_kind": "lawyer",
                "agent_id": self.customer.id,
            }
        )
        values = litigation._dunning_file_values()
        self.assertEqual(values["invoices"], items.move_id)
        self.assertEqual(values["amount_due"], sum(items.mapped("amount_residual")))
        # reminded (700 left), yesterday, today, in grace, disputed
        self.assertEqual(values["amount_due"], 2200.0)
        self.assertNotIn(self.paid, values["invoices"])

    def test_plan_amounts_follow_the_planner_residual(self):
        plan = self.env["dunning.payment.plan"].create(
            {
                "partner_id": self.buyer.id,
                "company_id": self.company.id,
                "move_ids": [(6, 0, (self.reminded | self.in_grace).ids)],
                "line_ids": self.env["dunning.payment.plan"]._generate_lines(
                    1400.0, 2, date(2026, 3, 25), "monthly"
                ),
            }
        )
        residuals = self.env["dunning.payment.plan.residual"]
        self.assertEqual(residuals._plan_amounts_due(plan.ids), {plan.id: 1400.0})
        plan.action_activate()
        self.assertEqual(plan.amount_start, 1400.0)
        self._pay(self.reminded, 900.0, TODAY)
        plan.invalidate_recordset()
        plan.line_ids.invalidate_recordset()
        due = residuals._plan_amounts_due(plan.ids)[plan.id]
        instalments = residuals._instalments(plan.ids)
        self.assertEqual(due, 500.0)
        self.assertRecordValues(plan, [{"amount_collected": 1400.0 - due}])
        self.assertEqual(
            plan.line_ids.mapped("amount_residual"),
            [instalments[line.id]["amount_residual"] for line in plan.line_ids],
        )
        self.assertEqual(plan.line_ids.mapped("amount_residual"), [0.0, 500.0])
