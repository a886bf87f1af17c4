# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date

from freezegun import freeze_time

from odoo.tests import Form, tagged

from .common import as_job
from .workspace_common import TODAY, DunningWorkspaceCommon


@tagged("post_install", "-at_install")
class TestDunningPaymentPlan(DunningWorkspaceCommon):
    def setUp(self):
        super().setUp()
        with freeze_time(TODAY):
            wizard_form = Form(
                self.env["dunning.call.outcome.wizard"]
                .with_user(self.collector)
                .with_context(default_partner_id=self.customer.id)
            )
            wizard_form.outcome = "reached_plan"
            wizard_form.plan_count = 3
            wizard_form.plan_first_date = date(2026, 3, 25)
            wizard_form.plan_frequency = "monthly"
            wizard_form.save().action_confirm()
        self.plan = self.customer.dunning_payment_plan_ids

    def test_plan_schedule(self):
        self.assertRecordValues(
            self.plan,
            [{"state": "active", "amount_start": 1500.0, "amount_total": 1500.0}],
        )
        self.assertRecordValues(
            self.plan.line_ids,
            [
                {"date": date(2026, 3, 25), "amount": 500.0, "paid": False},
                {"date": date(2026, 4, 25), "amount": 500.0, "paid": False},
                {"date": date(2026, 5, 25), "amount": 500.0, "paid": False},
            ],
        )

    def test_instalments_are_reminded_like_any_item(self):
        """The invoices are held back; each instalment is an item of its own,
        reminded by the run at the scenario's level of its due date, once."""
        self.scenario.level_ids = [
            (0, 0, {"name": "Due today", "offset_days": 0, "tone": "courtesy"})
        ]
        level_due = self.scenario.level_ids.filtered(lambda lv: lv.offset_days == 0)
        with freeze_time(TODAY):
            self._run(TODAY)
            self.assertFalse(self._communications())
            log = self.env["dunning.run.log"].search(
                [("partner_id", "=", self.customer.id)]
            )
            self.assertEqual(set(log.mapped("reason")), {"payment_plan"})
        with freeze_time("2026-03-24"):
            self._run(date(2026, 3, 24))
            self.assertFalse(self._communications())
        with freeze_time("2026-03-25"):
            self._run(date(2026, 3, 25))
            self._run(date(2026, 3, 25))
            reminder = self._communications()
            self.assertEqual(len(reminder), 1, "each instalment is reminded once")
            self.assertRecordValues(
                reminder.line_ids,
                [
                    {
                        "plan_line_id": self.plan.line_ids[0].id,
                        "move_id": self.invoice_a.id,
                        "move_line_id": False,
                        "level_id": level_due.id,
                        "date_maturity": date(2026, 3, 25),
                        "amount_residual": 500.0,
                        "penalty_interest": 0.0,
                    }
                ],
            )
            self.assertRecordValues(
                reminder, [{"amount_due": 500.0, "contact_id": self.customer.id}]
            )
            self.assertEqual(reminder.mail_id.state, "outgoing", "by the mail queue")
            self.assertIn("Payment plan instalment 1 of 3", reminder.mail_id.body_html)
            self.assertFalse(
                self.env["mail.mail"].search(
                    [
                        ("model", "=", "dunning.payment.plan"),
                        ("res_id", "=", self.plan.id),
                    ]
                ),
                "no second path around the run",
            )
            self.assertEqual(
                self.plan.line_ids.mapped("reminded_date"),
                [date(2026, 3, 25), False, False],
            )
            self._pay(self.invoice_a, 500.0, date(2026, 3, 25))
        with freeze_time("2026-04-10"):
            self.plan.invalidate_recordset()
            self.assertEqual(self.plan.line_ids.mapped("paid"), [True, False, False])
            self.env["dunning.payment.plan"]._cron_check_plans()
            self.assertEqual(self.plan.state, "active")
            self._run(date(2026, 4, 10))
            self.assertEqual(self._communications(), reminder)
        with freeze_time("2026-04-25"):
            self._run(date(2026, 4, 25))
            second = self._communications() - reminder
            self.assertRecordValues(
                second.line_ids,
                [
                    {
                        "plan_line_id": self.plan.line_ids[1].id,
                        "move_id": self.invoice_a.id,
                        "level_id": level_due.id,
                        "amount_residual": 500.0,
                    }
                ],
            )

    def test_missed_instalment_resumes_the_scenario(self):
        with freeze_time("2026-03-28"):
            self.env["dunning.payment.plan"]._cron_check_plans()
            self.assertEqual(self.plan.state, "active", "still within the grace")
        with freeze_time("2026-03-29"):
            self.env["dunning.payment.plan"]._cron_check_plans()
            self.assertEqual(self.plan.state, "broken")
            activity = self.customer.activity_ids.filtered(
                lambda a: a.summary == "Payment plan broken"
            )
            self.assertRecordValues(activity, [{"user_id": self.collector.id}])
            self._run(date(2026, 3, 29))
            self.assertEqual(
                self._communications().line_ids.move_id,
                self.invoice_a | self.invoice_b,
            )
            self.assertFalse(self._communications().line_ids.plan_line_id)

    def test_payments_after_an_instalment_reminder_are_credited_to_it(self):
        """What the customer pays on the plan's invoices after an instalment
        reminder counts for that reminder, as a payment of a reminded invoice
        does: in the effectiveness analysis and in the customer's score."""
        self.scenario.level_ids = [
            (0, 0, {"name": "Due today", "offset_days": 0, "tone": "courtesy"})
        ]
        with freeze_time("2026-03-25"):
            self._run(date(2026, 3, 25))
            reminder = self._communications()
            self.assertEqual(reminder.line_ids.plan_line_id, self.plan.line_ids[0])
            as_job(self.env["dunning.channel.email"])._feedback_sent(as_job(reminder))
            self.assertEqual(reminder.state, "sent")
        self._pay(self.invoice_a, 500.0, date(2026, 3, 27))
        self._pay(self.invoice_a, 500.0, date(2026, 4, 5))
        self.env.flush_all()
        Report = self.env["dunning.effectiveness.report"]
        self.assertRecordValues(
            Report.search([("communication_id", "=", reminder.id)]),
            [
                {
                    "amount_reminded": 500.0,
                    "amount_paid_7": 500.0,
                    "amount_paid_15": 1000.0,
                    "amount_paid": 1000.0,
                    "paid_count": 1,
                    "days_to_payment": 2.0,
                }
            ],
        )
        with freeze_time("2026-04-06"):
            Score = self.env["dunning.partner.score"]
            Score._recompute(self.env.company, self.customer.ids)
            score = Score.search(
                [
                    ("partner_id", "=", self.customer.id),
                    ("company_id", "=", self.env.company.id),
                ]
            )
        self.assertRecordValues(score, [{"paid_count": 1, "avg_reminders": 1.0}])
