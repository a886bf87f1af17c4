# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date

from freezegun import freeze_time

from odoo.tests import Form, tagged

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

    def _instalment_mails(self):
        return self.env["mail.mail"].search(
            [
                ("model", "=", "dunning.payment.plan"),
                ("res_id", "=", self.plan.id),
                ("recipient_ids", "in", self.customer.ids),
            ]
        )

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

    def test_invoices_not_reminded_while_the_plan_is_kept(self):
        with freeze_time(TODAY):
            self._run(TODAY)
            self.assertFalse(self._communications())
            log = self.env["dunning.run.log"].search(
                [("partner_id", "=", self.customer.id)]
            )
            self.assertEqual(set(log.mapped("reason")), {"payment_plan"})
        with freeze_time("2026-03-24"):
            self.env["dunning.payment.plan"]._cron_remind_instalments()
            self.assertFalse(self._instalment_mails())
        with freeze_time("2026-03-25"):
            self.env["dunning.payment.plan"]._cron_remind_instalments()
            self.env["dunning.payment.plan"]._cron_remind_instalments()
            mail = self._instalment_mails()
            self.assertEqual(len(mail), 1, "each instalment is reminded once")
            self.assertIn("instalment of", mail.subject)
            self.assertEqual(mail.state, "outgoing", "sent by the mail queue")
            self.assertEqual(
                self.plan.line_ids.mapped("reminded_date"),
                [date(2026, 3, 25), False, False],
            )
            self._pay(self.invoice_a, 500.0, date(2026, 3, 25))
        with freeze_time("2026-04-10"):
            self.plan.invalidate_recordset()
            self.assertEqual(self.plan.line_ids.mapped("paid"), [True, False, False])
            self.env["dunning.payment.plan"]._cron_remind_instalments()
            self.assertEqual(self.plan.state, "active")
            self._run(date(2026, 4, 10))
            self.assertFalse(self._communications())

    def test_missed_instalment_resumes_the_scenario(self):
        with freeze_time("2026-03-25"):
            self.env["dunning.payment.plan"]._cron_remind_instalments()
        with freeze_time("2026-03-28"):
            self.env["dunning.payment.plan"]._cron_remind_instalments()
            self.assertEqual(self.plan.state, "active", "still within the grace")
        with freeze_time("2026-03-29"):
            self.env["dunning.payment.plan"]._cron_remind_instalments()
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
