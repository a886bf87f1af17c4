# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged

from ..models import dunning_run
from .common import create_dunning_users
from .dunning_engine_common import DUE, DunningEngineCommon

REQUESTED_CRON = "account_dunning_advanced.ir_cron_dunning_requested_runs"


class RolledBack(Exception):
    """The user's request failed after the dialog."""


@tagged("post_install", "-at_install")
@freeze_time(DUE)
class TestDunningRunInBackground(DunningEngineCommon):
    """A run a user asks for is recorded by the request and done by the
    scheduled job, in committed slices: nothing is reminded, nor committed,
    by the request."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._three_overdue_customers(DUE - timedelta(days=6))
        cls.company.dunning_batch_size = 2
        cls.cron = cls.env.ref(REQUESTED_CRON)
        cls.collector, cls.manager = create_dunning_users(cls.env, cls.company)

    def _as_in_production(self):
        """Jobs commit as they would on a server: any commit inside the
        request then fails the test (the test cursor refuses commits)."""
        return patch.object(dunning_run, "can_commit", return_value=True)

    def _run_dialog(self):
        wizard = (
            self.env["dunning.run.wizard"]
            .with_user(self.manager)
            .create({"date": DUE, "company_id": self.company.id, "dry_run": False})
        )
        return self.env["dunning.run"].browse(wizard.action_run()["res_id"])

    def _counts(self):
        """Runs and reminders of the company."""
        domain = [("company_id", "=", self.company.id)]
        return (
            self.env["dunning.run"].search_count(domain),
            self.env["dunning.communication"].search_count(domain),
        )

    def _triggers(self):
        return self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)])

    def test_rolled_back_dialog_leaves_nothing_then_the_job_runs(self):
        with self._as_in_production(), self.assertRaises(RolledBack):
            with self.env.cr.savepoint():
                self._run_dialog()
                raise RolledBack()
        self.env.invalidate_all()
        self.assertEqual(self._counts(), (0, 0), "no run, no reminder")

        with self._as_in_production():
            run = self._run_dialog()
        self.assertTrue(self._triggers(), "the scheduled job is called")
        self.assertRecordValues(
            run,
            [
                {
                    "state": "running",
                    "planned": False,
                    "todo_done": 0,
                    "todo_total": 0,
                    "progress": 0.0,
                    "communication_count": 0,
                }
            ],
        )
        self.assertEqual(self._counts(), (1, 0), "the request sent nothing")
        with self._as_in_production():
            self.assertEqual(self._run_dialog(), run, "submitted twice: one run")

        self.cron.method_direct_trigger()
        self.assertRecordValues(
            run,
            [
                {
                    "state": "done",
                    "todo_done": 3,
                    "todo_total": 3,
                    "progress": 100.0,
                    "communication_count": 3,
                    "partner_count": 3,
                }
            ],
        )
        self.assertEqual(run.communication_ids.partner_id, self.customers)
        progress = self.env["ir.cron.progress"].search(
            [("cron_id", "=", self.cron.id)], order="id desc", limit=1
        )
        self.assertRecordValues(progress, [{"done": 3, "remaining": 0}])
        self.env.cr.precommit.run()  # the bus stores its messages at commit
        notified = (
            self.env["bus.bus"]
            .sudo()
            .search([("message", "ilike", f"Dunning run {run.name} done")])
        )
        self.assertEqual(len(notified), 1, "the user is told the run is done")

    def test_a_job_cut_short_shows_its_progress_and_resumes(self):
        run = self._run_dialog()
        # the worker's budget ends after the first batch of two customers
        calls = []
        next_todo = type(run)._next_todo

        def one_batch(this, *args, **kwargs):
            calls.append(this)
            if len(calls) > 1:
                return this.env["dunning.run.partner"]
            return next_todo(this, *args, **kwargs)

        with patch.object(type(run), "_next_todo", one_batch):
            self.cron.method_direct_trigger()
        self.assertRecordValues(
            run,
            [
                {
                    "state": "running",
                    "todo_done": 2,
                    "todo_total": 3,
                    "progress": 200 / 3,
                }
            ],
        )
        self.assertEqual(len(run.communication_ids), 2)
        self.cron.method_direct_trigger()
        self.assertRecordValues(
            run, [{"state": "done", "progress": 100.0, "communication_count": 3}]
        )

    def test_send_now_for_one_customer_goes_to_the_job(self):
        wizard = (
            self.env["dunning.send.wizard"]
            .with_user(self.collector)
            .create(
                {
                    "mode": "send",
                    "company_id": self.company.id,
                    "partner_ids": [(6, 0, self.customer.ids)],
                }
            )
        )
        with self._as_in_production():
            wizard.action_send()
        run = wizard.run_id.with_user(self.collector)
        self.assertRecordValues(
            run, [{"state": "running", "user_id": self.collector.id}]
        )
        self.assertFalse(run.communication_ids, "nothing reminded in the request")
        self.assertTrue(self._triggers(), "the scheduled job is called")
        self.cron.method_direct_trigger()
        self.assertRecordValues(run, [{"state": "done", "communication_count": 1}])
        self.assertEqual(run.communication_ids.partner_id, self.customer)

    def test_send_now_for_many_customers_goes_to_the_job(self):
        customers = self.customers
        for index in range(5):
            customer = self._customer(f"Customer {index}")
            self._invoice(customer, DUE - timedelta(days=6))
            customers |= customer
        wizard = (
            self.env["dunning.send.wizard"]
            .with_user(self.collector)
            .create(
                {
                    "mode": "send",
                    "company_id": self.company.id,
                    "partner_ids": [(6, 0, (customers - self.third_customer).ids)],
                    "bypass_interval": True,
                }
            )
        )
        with self._as_in_production():
            wizard.action_send()
        run = wizard.run_id.with_user(self.collector)
        self.assertRecordValues(run, [{"state": "running", "bypass_interval": True}])
        self.assertFalse(run.communication_ids)
        self.cron.method_direct_trigger()
        self.assertRecordValues(
            run,
            [{"state": "done", "communication_count": len(customers) - 1}],
        )
        self.assertEqual(
            run.communication_ids.partner_id, customers - self.third_customer
        )
