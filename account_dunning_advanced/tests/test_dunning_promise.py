# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date

from freezegun import freeze_time

from odoo.tests import Form, tagged

from .common import as_job
from .workspace_common import TODAY, DunningWorkspaceCommon


@tagged("post_install", "-at_install")
class TestDunningPromise(DunningWorkspaceCommon):
    def _promise_by_call(self, amount, promise_date):
        activity = self.customer.activity_schedule(
            "account_dunning_advanced.mail_activity_type_dunning_call",
            user_id=self.collector.id,
        )
        wizard_form = Form(
            self.env["dunning.call.outcome.wizard"]
            .with_user(self.collector)
            .with_context(active_model="mail.activity", active_id=activity.id)
        )
        wizard_form.outcome = "reached_promise"
        wizard_form.promise_date = promise_date
        wizard_form.promise_amount = amount
        wizard_form.save().action_confirm()
        return activity

    @freeze_time(TODAY)
    def test_promise_pauses_the_next_run(self):
        activity = self._promise_by_call(1500.0, date(2026, 3, 27))
        promise = self.customer.dunning_promise_ids
        # grace: the scenario has none, the company gives 3 days
        self.assertRecordValues(
            promise,
            [{"state": "open", "amount": 1500.0, "paused_until": date(2026, 3, 30)}],
        )
        self.assertFalse(
            self.customer.with_company(self.company).dunning_paused_until,
            "the promise holds reminders back itself",
        )
        self.assertFalse(activity.exists(), "the call activity is marked done")
        self.assertIn(
            "Promise to pay",
            self.customer.message_ids[0].body + self.customer.message_ids[1].body,
        )
        self._run(TODAY)
        self.assertFalse(self._communications())
        log = self.env["dunning.run.log"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(set(log.mapped("reason")), {"promise"})
        self.assertEqual(
            self.env["dunning.run"]._partner_status(
                self.company, TODAY, self.customer.ids
            )[self.customer.id]["next_date"],
            date(2026, 3, 31),
            "reminders resume the day after the promised date plus grace",
        )

    def test_broken_promise_resumes_and_warns_the_collector(self):
        with freeze_time(TODAY):
            self._promise_by_call(1500.0, date(2026, 3, 27))
            self._pay(self.invoice_b, 200.0, TODAY)
        with freeze_time("2026-03-30"):
            self.env["dunning.promise"]._cron_check_promises()
            self.assertEqual(self.customer.dunning_promise_ids.state, "open")
        with freeze_time("2026-03-31"):
            self.env["dunning.promise"]._cron_check_promises()
            promise = self.customer.dunning_promise_ids
            self.assertRecordValues(
                promise, [{"state": "broken", "amount_collected": 200.0}]
            )
            activity = self.customer.activity_ids.filtered(
                lambda a: a.summary == "Broken promise to pay"
            )
            self.assertRecordValues(activity, [{"user_id": self.collector.id}])
            self.assertIn("Reminders resume", self.customer.message_ids[0].body)
            self._run(date(2026, 3, 31))
            self.assertTrue(self._communications())

    def test_kept_promise(self):
        with freeze_time(TODAY):
            self._promise_by_call(1000.0, date(2026, 3, 27))
            self._pay(self.invoice_a, 1000.0, TODAY)
        with freeze_time("2026-03-31"):
            self.env["dunning.promise"]._cron_check_promises()
        self.assertEqual(self.customer.dunning_promise_ids.state, "kept")
        self.assertFalse(self.customer.activity_ids)

    def _reasons(self, day):
        run = self._run(day)
        return set(
            run.log_ids.filtered(lambda log: log.partner_id == self.customer).mapped(
                "reason"
            )
        ) | ({"sent"} if run.communication_ids else set())

    def test_promise_leaves_the_collectors_pause_alone(self):
        """Paused by the collector until D+20, a promise until D+5 comes and
        goes (kept, broken or cancelled): the pause still holds until D+20."""
        customer = self.customer.with_company(self.company)
        for close in ("action_mark_kept", "action_cancel", "broken"):
            with self.subTest(close=close), freeze_time(TODAY):
                customer.dunning_paused_until = date(2026, 4, 9)
                # company grace: 3 days, so the promise holds until D+5
                promise = self.env["dunning.promise"].create(
                    {
                        "partner_id": customer.id,
                        "company_id": self.company.id,
                        "date": date(2026, 3, 22),
                        "amount": 100.0,
                    }
                )
                self.assertEqual(promise.paused_until, date(2026, 3, 25))
                self.assertEqual(self._reasons(TODAY), {"partner_paused"})
                if close == "broken":
                    with freeze_time("2026-03-26"):
                        self.env["dunning.promise"]._cron_check_promises()
                else:
                    getattr(promise, close)()
                self.assertNotEqual(promise.state, "open")
                self.assertEqual(customer.dunning_paused_until, date(2026, 4, 9))
                self.assertEqual(self._reasons(date(2026, 4, 9)), {"partner_paused"})
                self.assertEqual(self._reasons(date(2026, 4, 10)), {"sent"})
                as_job(self.env["dunning.communication"]).search([]).unlink()

    @freeze_time(TODAY)
    def test_collectors_pause_leaves_the_promise_alone(self):
        """A promise until D+10; the collector pauses until D+5 then resumes:
        the promise still holds reminders back until D+10."""
        customer = self.customer.with_company(self.company)
        self.env["dunning.promise"].create(
            {
                "partner_id": customer.id,
                "company_id": self.company.id,
                "date": date(2026, 3, 27),
                "amount": 100.0,
            }
        )
        row = self.env["dunning.worklist"].search(
            [("partner_id", "=", customer.id), ("company_id", "=", self.company.id)]
        )
        row.paused_until = date(2026, 3, 25)
        self.assertEqual(self._reasons(date(2026, 3, 25)), {"partner_paused"})
        row.action_resume()
        self.assertFalse(customer.dunning_paused_until)
        self.assertEqual(self._reasons(date(2026, 3, 26)), {"promise"})
        self.assertEqual(self._reasons(date(2026, 3, 30)), {"promise"})
        self.assertEqual(self._reasons(date(2026, 3, 31)), {"sent"})
