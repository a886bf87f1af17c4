# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import as_job
from .dunning_engine_common import DUE, DunningEngineCommon

TODAY = DUE + timedelta(days=16)
BUDGET = "account_dunning_advanced.cron_time_budget"


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestDunningPipeline(DunningEngineCommon):
    """The scheduled action works in slices on one run per company and day;
    letters are rendered by their own queue."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 16 days late, never reminded: the friendly email today
        cls._three_overdue_customers(DUE)
        cls.company.dunning_batch_size = 1

    def _scheduled_runs(self):
        return self.env["dunning.run"].search(
            [
                ("company_id", "=", self.company.id),
                ("trigger", "=", "scheduled"),
                ("date", "=", TODAY),
            ]
        )

    def _reminders(self):
        return self.env["dunning.communication"].search(
            [("partner_id", "in", self.customers.ids)]
        )

    def test_spent_budget_leaves_the_work_to_the_next_call(self):
        self.env["ir.config_parameter"].set_param(BUDGET, "0")
        cron = self.env.ref("account_dunning_advanced.ir_cron_dunning_run")
        as_job(self.env["dunning.run"])._cron_run()
        run = self._scheduled_runs()
        self.assertRecordValues(run, [{"state": "running", "planned": False}])
        self.assertFalse(self._reminders())
        self.assertTrue(
            self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]),
            "called again at once: nothing was done in this call",
        )
        self.env["ir.config_parameter"].set_param(BUDGET, "60")
        as_job(self.env["dunning.run"])._cron_run()
        self.assertEqual(self._scheduled_runs(), run, "the same run, resumed")
        self.assertRecordValues(run, [{"state": "done", "communication_count": 3}])
        self.assertFalse(run.todo_ids)
        self.assertEqual(self._reminders().partner_id, self.customers)
        # later calls of the day find the run done: nothing twice
        as_job(self.env["dunning.run"])._cron_run()
        self.assertEqual(self._scheduled_runs(), run)
        self.assertEqual(len(self._reminders()), 3)

    def test_run_resumes_after_a_crash(self):
        self.assertTrue(
            self._crash_on_second_batch(as_job(self.env["dunning.run"])._cron_run)
        )
        run = self._scheduled_runs()
        self.assertEqual(run.state, "running")
        self.assertEqual(len(run.todo_ids), 2, "one customer done before the crash")
        as_job(self.env["dunning.run"])._cron_run()
        self.assertEqual(self._scheduled_runs(), run)
        self.assertEqual(run.state, "done")
        self.assertEqual(len(self._reminders()), 3, "one reminder per customer")
        self.assertEqual(self._reminders().partner_id, self.customers)

    def test_yesterdays_unfinished_run_is_closed_with_a_reason(self):
        yesterday = (
            self.env["dunning.run"]
            .sudo()
            .create(
                {
                    "date": TODAY - timedelta(days=1),
                    "company_id": self.company.id,
                    "trigger": "scheduled",
                    "planned": True,
                    "todo_ids": [(0, 0, {"partner_id": self.customer.id})],
                }
            )
        )
        as_job(self.env["dunning.run"])._cron_run()
        self.assertEqual(yesterday.state, "done")
        self.assertEqual(yesterday.log_ids.reason, "run_expired")
        self.assertEqual(yesterday.log_ids.partner_id, self.customer)

    def test_letters_wait_in_their_queue(self):
        self.customers.write({"email": False})  # no email: a letter instead
        as_job(self.env["dunning.run"])._cron_run()
        comms = self._reminders()
        self.assertEqual(len(comms), 3)
        self.assertEqual(set(comms.mapped("letter_state")), {"pending"})
        self.assertFalse(comms.letter_attachment_id, "the run renders nothing")
        documents = self.env.ref("account_dunning_advanced.ir_cron_dunning_documents")
        self.assertTrue(
            self.env["ir.cron.trigger"].search([("cron_id", "=", documents.id)])
        )
        as_job(self.env["dunning.communication"])._cron_produce_documents()
        self.assertEqual(set(comms.mapped("letter_state")), {"done"})
        for comm in comms:
            self.assertIn(comm.partner_id.name, comm.letter_attachment_id.raw.decode())

    def test_letter_failure_is_retried_then_failed_with_its_reason(self):
        self.customers.write({"email": False})
        as_job(self.env["dunning.run"])._cron_run()
        comm = self._reminders()[0]
        others = self._reminders() - comm
        report_class = type(self.env["ir.actions.report"])
        original = report_class._render_qweb_pdf

        def render(reports, report_ref, res_ids=None, data=None):
            if comm.id in (res_ids or []):
                raise OSError("wkhtmltopdf exploded")
            return original(reports, report_ref, res_ids=res_ids, data=data)

        with (
            patch.object(report_class, "_render_qweb_pdf", render),
            mute_logger(
                "odoo.addons.account_dunning_advanced.models.dunning_channel_letter"
            ),
        ):
            Communication = as_job(self.env["dunning.communication"])
            Communication._cron_produce_documents()
            self.assertRecordValues(
                comm, [{"letter_state": "pending", "letter_attempts": 1}]
            )
            self.assertEqual(set(others.mapped("letter_state")), {"done"})
            Communication._cron_produce_documents()
            Communication._cron_produce_documents()
        self.assertRecordValues(
            comm, [{"letter_state": "failed", "letter_attempts": 3}]
        )
        self.assertIn("wkhtmltopdf exploded", comm.letter_error)
        # printing it later renders it again, on demand
        comm.action_print_letters()
        self.assertEqual(comm.letter_state, "done")
        self.assertTrue(comm.letter_attachment_id)
