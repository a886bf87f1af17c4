# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The worklist's stored rows show what its live query computes, in the
transaction that changed a customer, on the next day, and when two
transactions change the same customer."""
# The workers and the set-up commit their own cursors, never the test's:
# pylint: disable=invalid-commit

import threading
import time
from datetime import date, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command, fields
from odoo.modules import module
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name
from odoo.tools import SQL

from .common import job_env, waiting_for_a_lock
from .workspace_common import TODAY, DunningWorkspaceCommon

WAIT = 120  # seconds before a wait is declared stuck (a broken test, not a timing)


def live_rows(env, day, company):
    """{customer id: {column: value}} of the live query on ``day``."""
    worklist = env["dunning.worklist"]
    env.flush_all()
    env.cr.execute(
        SQL(
            "SELECT * FROM (%s) w WHERE w.company_id = %s",
            worklist._live_sql(day),
            company.id,
        )
    )
    return {row["partner_id"]: row for row in env.cr.dictfetchall()}


@tagged("post_install", "-at_install")
class TestDunningWorklistRows(DunningWorkspaceCommon):
    def _row(self, customer=None):
        return self.env["dunning.worklist"].search(
            [
                ("partner_id", "=", (customer or self.customer).id),
                ("company_id", "=", self.company.id),
            ]
        )

    def assertSameAsLive(self, day):
        """Every column of every row the worklist shows is the live query's."""
        rows = self.env["dunning.worklist"].search_read(
            [("company_id", "=", self.company.id)], ["partner_id"]
        )
        live = live_rows(self.env, day, self.company)
        self.assertEqual(sorted(r["partner_id"][0] for r in rows), sorted(live))
        self.env.cr.execute(
            "SELECT * FROM dunning_worklist_row WHERE listed AND company_id = %s",
            [self.company.id],
        )
        for stored in self.env.cr.dictfetchall():
            expected = live[stored["partner_id"]]
            self.assertEqual(
                {k: stored[k] for k in expected}, expected, stored["partner_id"]
            )

    @freeze_time(TODAY)
    def test_payment_changes_the_row_in_the_same_transaction(self):
        self.assertRecordValues(
            self._row(), [{"overdue_amount": 1500.0, "overdue_count": 2}]
        )
        self._pay(self.invoice_b, 500.0, TODAY)
        self.assertRecordValues(
            self._row(),
            [
                {
                    "overdue_amount": 1000.0,
                    "overdue_count": 1,
                    "oldest_due_date": date(2026, 2, 20),
                }
            ],
        )
        self.assertSameAsLive(TODAY)
        self._pay(self.invoice_a, 1000.0, TODAY)
        self.assertFalse(self._row())
        self.assertSameAsLive(TODAY)
        # and back when the payment is undone
        self.invoice_a.line_ids.remove_move_reconcile()
        self.assertRecordValues(self._row(), [{"overdue_amount": 1000.0}])

    @freeze_time(TODAY)
    def test_invoice_reset_to_draft_and_cancelled(self):
        self.invoice_a.button_draft()
        self.assertRecordValues(self._row(), [{"overdue_amount": 500.0}])
        self.invoice_a.button_cancel()
        self.invoice_b.button_draft()
        self.assertFalse(self._row())
        self.invoice_b.action_post()
        self.assertRecordValues(self._row(), [{"overdue_amount": 500.0}])

    def test_next_day_moves_days_late(self):
        with freeze_time(TODAY):
            # due 2026-02-20
            self.assertRecordValues(self._row(), [{"days_late": 28}])
        with freeze_time(TODAY + timedelta(days=1)):
            self.assertRecordValues(self._row(), [{"days_late": 29}])
            self.assertSameAsLive(TODAY + timedelta(days=1))
        with freeze_time(TODAY + timedelta(days=5)):
            self.assertRecordValues(self._row(), [{"days_late": 33}])
        # a reader a time zone behind, still on the day before: its own day
        with freeze_time(TODAY + timedelta(days=4)):
            self.assertRecordValues(self._row(), [{"days_late": 32}])
            self.assertEqual(
                self.env["dunning.worklist"].search_count([("days_late", "=", 32)]),
                1,
            )

    def test_invoice_becoming_overdue_overnight_appears(self):
        customer = self.env["res.partner"].create({"name": "Tomorrow SA"})
        with freeze_time(TODAY):
            self._overdue_invoice(str(TODAY), 300.0, partner=customer)
            # due today: not late yet
            self.assertFalse(self._row(customer))
        with freeze_time(TODAY + timedelta(days=1)):
            self.assertRecordValues(
                self._row(customer), [{"overdue_amount": 300.0, "days_late": 1}]
            )

    @freeze_time(TODAY)
    def test_promise_holds_and_releases(self):
        self.assertFalse(self._row().hold_reason)
        promise = self.env["dunning.promise"].create(
            {
                "partner_id": self.customer.id,
                "company_id": self.company.id,
                "date": date(2026, 3, 27),
                "amount": 1500.0,
            }
        )
        self.assertRecordValues(
            self._row(),
            [{"hold_reason": "promise", "promise_date": date(2026, 3, 27)}],
        )
        self.assertSameAsLive(TODAY)
        promise.action_cancel()
        self.assertRecordValues(
            self._row(), [{"hold_reason": False, "promise_date": False}]
        )

    @freeze_time(TODAY)
    def test_customer_fields_dispute_and_activity(self):
        self.customer.with_company(self.company).dunning_litigation = True
        self.assertRecordValues(
            self._row(), [{"hold_reason": "litigation", "litigation": True}]
        )
        self.customer.with_company(self.company).dunning_litigation = False
        self.customer.with_company(self.company)._dunning_set_pause(date(2026, 4, 30))
        self.assertRecordValues(
            self._row(),
            [{"hold_reason": "partner_paused", "paused_until": date(2026, 4, 30)}],
        )
        self.customer.with_company(self.company)._dunning_set_pause(False)
        self.env["dunning.dispute"].create(
            {
                "partner_id": self.customer.id,
                "company_id": self.company.id,
                "move_id": self.invoice_a.id,
                "reason_id": self.env["dunning.dispute.reason"].search([], limit=1).id,
            }
        )
        self.assertRecordValues(self._row(), [{"dispute_count": 1}])
        self.customer.activity_schedule(
            "mail.mail_activity_data_todo", date_deadline=date(2026, 3, 25)
        )
        self.assertRecordValues(
            self._row(), [{"next_activity_date": date(2026, 3, 25)}]
        )
        self.assertSameAsLive(TODAY)

    @freeze_time(TODAY)
    def test_run_shows_its_reminders_and_skips(self):
        self._run(TODAY)
        row = self._row()
        self.assertEqual(row.last_communication_id, self._communications()[:1])
        self.assertEqual(row.last_date, TODAY)
        self.assertSameAsLive(TODAY)
        # a run the next day, the interval not passed: skipped by it
        self.scenario.min_interval_days = 30
        with freeze_time(TODAY + timedelta(days=1)):
            self._run(TODAY + timedelta(days=1))
            self.assertRecordValues(self._row(), [{"hold_reason": "interval"}])
            self.assertSameAsLive(TODAY + timedelta(days=1))


class Transaction(threading.Thread):
    """``job(env)`` in a transaction of its own (REPEATABLE READ, as every
    Odoo cursor), its snapshot taken at once; ``before`` is waited for before
    the job, ``before_commit`` before committing; the error raised, if any, in
    ``error``."""

    def __init__(self, registry, job, before=None, before_commit=None):
        super().__init__(daemon=True)
        self.registry = registry
        self.job = job
        self.before = before
        self.before_commit = before_commit
        self.pid = None
        self.error = None
        self.started = threading.Event()
        self.done_job = threading.Event()

    def run(self):
        try:
            with self.registry.cursor() as cr:
                cr.execute("SELECT pg_backend_pid()")
                self.pid = cr.fetchone()[0]
                self.started.set()
                if self.before:
                    self.before.wait(WAIT)
                self.job(job_env(cr))
                self.done_job.set()
                if self.before_commit:
                    self.before_commit.wait(WAIT)
                cr.commit()
        except Exception as error:  # noqa: BLE001 - asserted by the test
            self.error = error
        finally:
            self.started.set()
            self.done_job.set()


@tagged("post_install", "-at_install")
class TestDunningWorklistConcurrentRows(BaseCase):
    """Two transactions change the same customer (a pause, an activity) from
    the same snapshot and compute its row before they commit. The first holds
    the row; the second waits for it, then cannot write it (its snapshot
    misses the first's change): instead of failing or overwriting, it leaves
    the customer to the next reader, who computes the row from both. No
    deadlock, and the row shows both changes."""

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        self.monitor = self.registry.cursor()
        patcher = patch.object(module, "current_test", False)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.partner_id = None
        self.addCleanup(self._clean)
        with self.registry.cursor() as cr:
            env = job_env(cr)
            self.company = env.ref("base.main_company")
            self.today = fields.Date.context_today(env["dunning.worklist"])
            partner = env["res.partner"].create(
                {"name": "Worklist concurrency", "is_company": True}
            )
            self.partner_id = partner.id
            move = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "company_id": self.company.id,
                    "invoice_date": self.today - timedelta(days=60),
                    "invoice_date_due": self.today - timedelta(days=30),
                    "invoice_payment_term_id": False,
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Service", "price_unit": 700.0, "tax_ids": []}
                        )
                    ],
                }
            )
            move.action_post()
            cr.commit()

    def _clean(self):
        self.monitor.close()
        if not self.partner_id:
            return
        with self.registry.cursor() as cr:
            env = job_env(cr)
            partner = env["res.partner"].browse(self.partner_id)
            env["mail.activity"].search(
                [("res_model", "=", "res.partner"), ("res_id", "=", partner.id)]
            ).unlink()
            moves = env["account.move"].search([("partner_id", "=", partner.id)])
            moves.button_draft()
            moves.with_context(force_delete=True).unlink()
            partner.unlink()
            cr.commit()

    def _row(self):
        with self.registry.cursor() as cr:
            worklist = job_env(cr)["dunning.worklist"].with_company(self.company)
            row = worklist.search([("partner_id", "=", self.partner_id)])
            return row.read(["overdue_amount", "paused_until", "next_activity_date"])

    def test_two_transactions_compute_the_same_row(self):
        self.assertEqual(self._row()[0]["overdue_amount"], 700.0)
        pause = self.today + timedelta(days=20)
        deadline = self.today + timedelta(days=3)
        second_go, first_commit = threading.Event(), threading.Event()

        def pause_customer(env):
            partner = env["res.partner"].browse(self.partner_id)
            partner.with_company(self.company)._dunning_set_pause(pause)
            # what a commit runs first: the row computed, and held
            env.cr.flush()

        def schedule_call(env):
            env["res.partner"].browse(self.partner_id).activity_schedule(
                "mail.mail_activity_data_todo", date_deadline=deadline
            )

        second = Transaction(self.registry, schedule_call, before=second_go)
        second.start()
        second.started.wait(WAIT)
        first = Transaction(self.registry, pause_customer, before_commit=first_commit)
        first.start()
        first.done_job.wait(WAIT)
        second_go.set()
        waited = time.monotonic() + 10
        while time.monotonic() < waited and not waiting_for_a_lock(
            self.monitor, second.pid
        ):
            time.sleep(0.05)
        self.assertTrue(
            waiting_for_a_lock(self.monitor, second.pid),
            "the second transaction waits for the row the first holds",
        )
        first_commit.set()
        first.join(WAIT)
        second.join(WAIT)
        self.assertFalse(first.is_alive() or second.is_alive(), "deadlock")
        self.assertIsNone(first.error)
        self.assertIsNone(second.error)
        row = self._row()
        self.assertEqual(
            row,
            [
                {
                    "id": row[0]["id"],
                    "overdue_amount": 700.0,
                    "paused_until": pause,
                    "next_activity_date": deadline,
                }
            ],
        )
