# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The two scoring actions run by two cron workers at the same time.

Each worker is a thread with its own database connection and transactions
(REPEATABLE READ, as every Odoo cursor), committing as in production. A third
transaction holds one customer's score row, so that a rescoring worker stops
in the middle of its slice (customers claimed, not yet committed) for as long
as the test needs: what runs meanwhile meets its uncommitted work for real.
A trigger counts the committed writes of each score row.
"""
# The workers and the set-up commit their own cursors, never the test's:
# pylint: disable=invalid-commit

import threading
import time
from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.modules import module
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name

from .common import job_env, waiting_for_a_lock

BATCH_PARAM = "account_dunning_advanced.rescore_batch_size"
WAIT = 120  # seconds before a wait is declared stuck (a broken test, not a timing)

WRITE_LOG = """
CREATE TABLE dunning_test_score_writes (
    partner_id integer, company_id integer, backend integer);
CREATE FUNCTION dunning_test_log_score_write() RETURNS trigger AS $$
BEGIN
    INSERT INTO dunning_test_score_writes
    VALUES (NEW.partner_id, NEW.company_id, pg_backend_pid());
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER dunning_test_log_score_write
    AFTER INSERT OR UPDATE ON dunning_partner_score
    FOR EACH ROW EXECUTE FUNCTION dunning_test_log_score_write();
"""
DROP_WRITE_LOG = """
DROP TRIGGER IF EXISTS dunning_test_log_score_write ON dunning_partner_score;
DROP FUNCTION IF EXISTS dunning_test_log_score_write();
DROP TABLE IF EXISTS dunning_test_score_writes;
"""


class Worker(threading.Thread):
    """``job(env)`` in a transaction of its own, committed at the end as
    Odoo's cron runner does; the error it raised, if any, in ``error``."""

    def __init__(self, registry, job):
        super().__init__(daemon=True)
        self.registry = registry
        self.job = job
        self.pid = None
        self.error = None
        self.started = threading.Event()

    def run(self):
        try:
            with self.registry.cursor() as cr:
                cr.execute("SELECT pg_backend_pid()")
                self.pid = cr.fetchone()[0]
                cr.commit()
                self.started.set()
                self.job(job_env(cr))
                cr.commit()
        except Exception as error:  # noqa: BLE001 - asserted by the test
            self.error = error
        finally:
            self.started.set()


@tagged("post_install", "-at_install")
class TestDunningScoringWorkers(BaseCase):
    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        self.monitor = self.registry.cursor()
        # production behaviour in the workers' own transactions: they commit
        # (Odoo's code does not while a test runs, to keep the test's cursor)
        patcher = patch.object(module, "current_test", False)
        patcher.start()
        self.addCleanup(patcher.stop)
        with self.registry.cursor() as cr:
            env = job_env(cr)
            self.company = env.ref("base.main_company")
            self.today = fields.Date.context_today(
                env["dunning.partner.score"].with_company(self.company)
            )
            # what other tests or the demo left queued is not ours to count
            env["dunning.partner.score"]._cron_rescore_queued()
            cr.commit()
        self.partner_ids = []
        self.holders, self.workers = [], []
        self.addCleanup(self._clean)
        self.addCleanup(self._release_all)

    # ------------------------------------------------------------------
    # Data, committed, removed after the test
    # ------------------------------------------------------------------
    def _setup(self, amounts, paid):
        """A customer per list of invoice amounts, all overdue and scored;
        then the invoices at the indexes ``paid[customer index]`` paid today
        (which queues those customers). Returns the customers' ids."""
        with self.registry.cursor() as cr:
            env = job_env(cr)
            partners = env["res.partner"].create(
                [
                    {"name": f"Scoring worker {i}", "is_company": True}
                    for i in range(len(amounts))
                ]
            )
            self.partner_ids = partners.ids
            invoices = {}
            for partner, partner_amounts in zip(partners, amounts, strict=True):
                invoices[partner.id] = self._invoices(env, partner, partner_amounts)
            cr.commit()
            env["dunning.partner.score"]._recompute(self.company, partners.ids)
            for index, paid_indexes in paid.items():
                for paid_index in paid_indexes:
                    self._pay(env, invoices[partners[index].id][paid_index].id)
            cr.commit()
            self.invoice_ids = {pid: moves.ids for pid, moves in invoices.items()}
            cr.execute(WRITE_LOG)
            cr.commit()
        return partners.ids

    def _invoices(self, env, partner, amounts):
        moves = env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "company_id": self.company.id,
                    "invoice_date": self.today - timedelta(days=60),
                    "invoice_date_due": self.today - timedelta(days=30),
                    "invoice_payment_term_id": False,
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Service", "price_unit": amount, "tax_ids": []}
                        )
                    ],
                }
                for amount in amounts
            ]
        )
        moves.action_post()
        return moves

    def _pay(self, env, invoice_id):
        env["account.payment.register"].with_context(
            active_model="account.move", active_ids=[invoice_id]
        ).create({"payment_date": self.today})._create_payments()

    def _release_all(self):
        for holder in self.holders:
            holder.close()
        for worker in self.workers:
            worker.join(WAIT)

    def _clean(self):
        self.monitor.close()
        with self.registry.cursor() as cr:
            cr.execute(DROP_WRITE_LOG)
            env = job_env(cr)
            env["account.payment.register"].search(
                [("partner_id", "in", self.partner_ids)]
            ).unlink()
            env["ir.config_parameter"].search([("key", "=", BATCH_PARAM)]).unlink()
            partners = env["res.partner"].browse(self.partner_ids)
            if partners:
                payments = env["account.payment"].search(
                    [("partner_id", "in", partners.ids)]
                )
                moves = payments.move_id | env["account.move"].search(
                    [("partner_id", "in", partners.ids)]
                )
                moves.line_ids.remove_move_reconcile()
                payments.action_draft()
                payments.unlink()
                moves = moves.exists()
                moves.filtered(lambda m: m.state != "draft").button_draft()
                moves.with_context(force_delete=True).unlink()
                partners.unlink()
            cr.commit()

    # ------------------------------------------------------------------
    # Workers and what the database says about them
    # ------------------------------------------------------------------
    def _start(self, job):
        worker = Worker(self.registry, job)
        worker.start()
        self.workers.append(worker)
        self.assertTrue(worker.started.wait(WAIT))
        return worker

    def _waiting_for_a_lock(self, worker):
        return waiting_for_a_lock(self.monitor, worker.pid)

    def _wait(self, condition, what):
        deadline = time.monotonic() + WAIT
        while not condition():
            self.assertLess(time.monotonic(), deadline, f"stuck waiting: {what}")
            time.sleep(0.05)

    def _hold_score(self, partner_id):
        """A transaction holding the customer's score row: a rescoring of the
        customer waits for it, its slice claimed but not committed."""
        holder = self.registry.cursor()
        self.holders.append(holder)
        holder.execute(
            "SELECT id FROM dunning_partner_score "
            "WHERE partner_id = %s AND company_id = %s FOR UPDATE",
            [partner_id, self.company.id],
        )
        self.assertTrue(holder.fetchall())
        return holder

    def _set_batch(self, size):
        with self.registry.cursor() as cr:
            job_env(cr)["ir.config_parameter"].set_param(BATCH_PARAM, str(size))

    def _writes(self):
        """{customer id: committed writes of its score in the company}"""
        self.monitor.rollback()
        self.monitor.execute(
            "SELECT partner_id, count(*) FROM dunning_test_score_writes "
            "WHERE partner_id = ANY(%s) AND company_id = %s GROUP BY partner_id",
            [self.partner_ids, self.company.id],
        )
        writes = dict(self.monitor.fetchall())
        self.monitor.rollback()
        return writes

    def _state(self):
        """Queue rows left (all customers) and the scores of ours."""
        with self.registry.cursor() as cr:
            env = job_env(cr)
            queued = env["dunning.score.queue"].search_count([])
            scores = env["dunning.partner.score"].search_read(
                [
                    ("partner_id", "in", self.partner_ids),
                    ("company_id", "=", self.company.id),
                ],
                ["partner_id", "paid_count", "overdue_amount", "date"],
            )
        return queued, {
            s["partner_id"][0]: (s["paid_count"], s["overdue_amount"], s["date"])
            for s in scores
        }

    @staticmethod
    def _weekly(env):
        env["dunning.partner.score"]._cron_recompute()

    @staticmethod
    def _rescore(env):
        env["dunning.partner.score"]._cron_rescore_queued()

    # ------------------------------------------------------------------
    def test_weekly_action_during_a_rescoring_slice(self):
        """The weekly action runs while a rescoring worker is in the middle of
        the slice of the customers payments queued: neither fails, and each
        customer is scored once per pass (the payments', the week's), from
        its current data."""
        ids = self._setup([[100], [200], [300], [400], [500], [600]], {0: [0], 1: [0]})
        self._set_batch(2)
        holder = self._hold_score(ids[0])
        rescoring = self._start(self._rescore)
        self._wait(lambda: self._waiting_for_a_lock(rescoring), "rescoring blocked")
        weekly = self._start(self._weekly)
        self._wait(
            lambda: not weekly.is_alive() or self._waiting_for_a_lock(weekly),
            "weekly action done or blocked",
        )
        holder.rollback()
        weekly.join(WAIT)
        rescoring.join(WAIT)
        self.assertIsNone(weekly.error)
        self.assertIsNone(rescoring.error)
        queued, scores = self._state()
        self.assertEqual(queued, 0, "everything queued was rescored")
        self.assertEqual(
            self._writes(),
            {ids[0]: 2, ids[1]: 2, ids[2]: 1, ids[3]: 1, ids[4]: 1, ids[5]: 1},
        )
        self.assertEqual(
            scores,
            {
                ids[0]: (1, 0.0, self.today),
                ids[1]: (1, 0.0, self.today),
                ids[2]: (0, 300.0, self.today),
                ids[3]: (0, 400.0, self.today),
                ids[4]: (0, 500.0, self.today),
                ids[5]: (0, 600.0, self.today),
            },
        )

    def test_two_rescoring_workers_and_a_payment_during_a_slice(self):
        """Two rescoring workers share the queue without waiting for each
        other nor scoring a customer twice; a payment of a customer that the
        first worker is rescoring queues it again without waiting, and it is
        rescored again with that payment."""
        amounts = [[100], [200, 250], [300], [400], [500], [600]]
        ids = self._setup(amounts, {i: [0] for i in range(6)})
        self._set_batch(2)
        holder = self._hold_score(ids[0])
        first = self._start(self._rescore)
        self._wait(lambda: self._waiting_for_a_lock(first), "first worker blocked")
        # the first worker holds customers 0 and 1; customer 1 pays again
        second_invoice = self.invoice_ids[ids[1]][1]
        payment = self._start(lambda env: self._pay(env, second_invoice))
        self._wait(
            lambda: not payment.is_alive() or self._waiting_for_a_lock(payment),
            "payment done or blocked",
        )
        self.assertFalse(payment.is_alive(), "a payment never waits for scoring")
        self.assertIsNone(payment.error)
        second = self._start(self._rescore)
        self._wait(
            lambda: not second.is_alive() or self._waiting_for_a_lock(second),
            "second worker done or blocked",
        )
        self.assertFalse(second.is_alive(), "the second worker did not wait")
        self.assertIsNone(second.error)
        self.assertEqual(
            self._writes(), {ids[i]: 1 for i in range(2, 6)}, "the others' customers"
        )
        holder.rollback()
        first.join(WAIT)
        self.assertIsNone(first.error)
        queued, scores = self._state()
        self.assertEqual(queued, 0)
        self.assertEqual(
            self._writes(), {ids[1]: 2, **{ids[i]: 1 for i in (0, 2, 3, 4, 5)}}
        )
        self.assertEqual(
            scores,
            {
                ids[0]: (1, 0.0, self.today),
                ids[1]: (2, 0.0, self.today),
                **{ids[i]: (1, 0.0, self.today) for i in range(2, 6)},
            },
        )
