# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta
from unittest.mock import patch

import psycopg2

from odoo.modules.registry import Registry
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name
from odoo.tools import mute_logger

from odoo.addons.account_dunning_advanced.models.dunning_dispatch import (
    DunningDispatch,
)

from .common import job_env
from .dunning_engine_common import DUE, DunningEngineCommon


@tagged("post_install", "-at_install")
class TestDunningCrashRecovery(DunningEngineCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._three_overdue_customers(DUE - timedelta(days=6))
        cls.company.dunning_batch_size = 2

    def test_one_customer_fails_alone_and_a_rerun_sends_nothing_twice(self):
        original = DunningDispatch._dispatch_channels
        broken = self.other_customer

        def dispatch_channels(service, records):
            if broken in records.partner_id:
                raise ValueError("SMTP configuration exploded")
            return original(service, records)

        with (
            patch.object(DunningDispatch, "_dispatch_channels", dispatch_channels),
            mute_logger("odoo.addons.account_dunning_advanced.models.dunning_dispatch"),
        ):
            run = self._run(DUE)
        comms = run.communication_ids
        self.assertEqual(comms.partner_id, self.customers, "no customer forgotten")
        failed = comms.filtered(lambda c: c.partner_id == broken)
        self.assertEqual(failed.state, "failed")
        self.assertIn("SMTP configuration exploded", failed.error_message)
        self.assertFalse(failed.mail_id)
        self.assertEqual(set((comms - failed).mapped("state")), {"queued"})
        self.assertTrue(all((comms - failed).mapped("mail_id")))
        self.assertRecordValues(run, [{"error_count": 1, "communication_count": 3}])
        self.assertEqual(self._logs(run, "error").partner_id, broken)
        # the rerun of the same day sends nothing twice
        mails = self.env["mail.mail"].search_count([])
        rerun = self._run(DUE)
        self.assertFalse(rerun.communication_ids)
        self.assertEqual(self.env["mail.mail"].search_count([]), mails)

    def test_crash_after_some_customers_then_rerun(self):
        """A run that died after its first batch was committed: the rerun
        reminds the customers left, and only them."""
        self.assertTrue(self._crash_on_second_batch(lambda: self._run(DUE)))
        first_batch = self.env["dunning.communication"].search(
            [("partner_id", "in", self.customers.ids)]
        )
        self.assertEqual(len(first_batch), 2, "the first batch went out")
        rerun = self._run(DUE)
        self.assertEqual(
            rerun.communication_ids.partner_id, self.customers - first_batch.partner_id
        )
        everything = self.env["dunning.communication"].search(
            [("partner_id", "in", self.customers.ids)]
        )
        self.assertEqual(everything.partner_id, self.customers)
        self.assertEqual(len(everything), 3, "one reminder per customer")

    def test_database_refuses_the_same_level_twice(self):
        comm = self._run(DUE).communication_ids.filtered(
            lambda c: c.partner_id == self.customer
        )
        line = comm.line_ids
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.IntegrityError):
            with self.env.cr.savepoint():
                line.copy({"communication_id": comm.id})
        comm.write({"state": "cancelled"})
        self.env.flush_all()
        line.copy({"communication_id": comm.id})  # cancelled ones do not count


@tagged("post_install", "-at_install")
class TestDunningOverlappingRuns(BaseCase):
    """Two workers on two database cursors: a customer locked by one is
    skipped by the other, which sees its reminders once committed."""

    def test_skip_locked_partners(self):
        registry = Registry(get_db_name())
        with registry.cursor() as cr1, registry.cursor() as cr2:
            env1 = job_env(cr1)
            env2 = job_env(cr2)
            partners = env1["res.partner"].create(
                [{"name": f"Overlap {i}", "is_company": True} for i in range(4)]
            )
            cr1.commit()
            try:
                run1 = env1["dunning.run"].new({"company_id": env1.company.id})
                run2 = env2["dunning.run"].new({"company_id": env2.company.id})
                cr2.execute("SET lock_timeout = '2s'")
                locked1 = run1._lock_partners(partners[:3].ids)
                locked2 = run2._lock_partners(partners.ids)
                self.assertEqual(locked1, partners[:3].ids)
                self.assertEqual(locked2, partners[3:].ids, "each customer once")
                cr1.rollback()
                self.assertEqual(run2._lock_partners(partners.ids), partners.ids)
                cr2.rollback()
            finally:
                env1["res.partner"].browse(partners.ids).unlink()
                cr1.commit()

    def test_two_workers_one_reminder_per_customer(self):
        """Worker 1 holds the customer; worker 2 runs meanwhile and leaves it;
        once worker 1 committed its reminder, worker 2 sees it."""
        registry = Registry(get_db_name())
        day = DUE
        with registry.cursor() as cr1, registry.cursor() as cr2:
            env1 = job_env(cr1)
            env2 = job_env(cr2)
            company = env1.ref("base.main_company")
            partner = env1["res.partner"].create(
                {"name": "Overlap SA", "is_company": True, "email": "o@example.com"}
            )
            invoice = env1["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "invoice_date": day - timedelta(days=36),
                    "invoice_date_due": day - timedelta(days=6),
                    "invoice_line_ids": [
                        (0, 0, {"name": "Work", "price_unit": 100.0, "tax_ids": []})
                    ],
                }
            )
            invoice.action_post()
            cr1.commit()
            try:
                run1 = env1["dunning.run"].create(
                    {"date": day, "company_id": company.id}
                )
                self.assertEqual(run1._lock_partners(partner.ids), partner.ids)
                company2 = env2["res.company"].browse(company.id)
                run2 = env2["dunning.run"]._run_company(
                    company2, day, "scheduled", False, partner_ids=partner.ids
                )
                self.assertFalse(run2.communication_ids, "left to worker 1")
                cr2.commit()
                comms = run1._process_batch(partner.ids, False)
                self.assertEqual(len(comms), 1)
                cr1.commit()
                run2 = env2["dunning.run"]._run_company(
                    company2, day, "scheduled", False, partner_ids=partner.ids
                )
                self.assertFalse(run2.communication_ids, "sees worker 1's reminder")
                cr2.commit()
                count = env2["dunning.communication"].search_count(
                    [("partner_id", "=", partner.id)]
                )
                self.assertEqual(count, 1, "exactly one reminder")
            finally:
                cr1.rollback()
                cr2.rollback()
                comms = env1["dunning.communication"].search(
                    [("partner_id", "=", partner.id)]
                )
                env1["mail.mail"].search(
                    [("dunning_communication_id", "in", comms.ids)]
                ).unlink()
                runs = (
                    comms.run_id
                    | env1["dunning.run.log"]
                    .search([("partner_id", "=", partner.id)])
                    .run_id
                )
                comms.unlink()
                runs.unlink()
                invoice.button_draft()
                invoice.unlink()
                partner.unlink()
                cr1.commit()
