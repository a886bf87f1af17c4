# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo.tests import tagged

from .common import as_job
from .dunning_engine_common import DUE, DunningEngineCommon


@tagged("post_install", "-at_install")
class TestDunningSkipReasons(DunningEngineCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.standard.business_days_only = False
        cls.invoice = cls._invoice(cls.customer, DUE - timedelta(days=6))
        cls.reminded = cls._invoice(cls.other_customer, DUE - timedelta(days=6))

    def _assert_skipped(self, reason, invoice=None):
        run = self._run(DUE)
        self.assertEqual(run.communication_ids.partner_id, self.other_customer)
        log = self._logs(run).filtered(lambda log: log.partner_id == self.customer)
        self.assertRecordValues(
            log,
            [
                {
                    "reason": reason,
                    "move_id": (invoice or self.invoice).id,
                    "level_id": self.level["friendly"].id,
                }
            ],
        )
        return run

    def test_disputed_invoice(self):
        self.env["dunning.dispute"].create(
            {
                "move_id": self.invoice.id,
                "reason_id": self.env.ref(
                    "account_dunning_advanced.dispute_reason_quality"
                ).id,
            }
        )
        self._assert_skipped("disputed")

    def test_skip_logged_once_per_run(self):
        """The scheduled run of a day is resumed by every call of the cron:
        a skip it sees again is not logged again."""
        self.customer.with_company(self.company).dunning_excluded = True
        Run = as_job(self.env["dunning.run"])
        first = Run._run_company(self.company, DUE, "scheduled", dry_run=False)
        again = Run._run_company(self.company, DUE, "scheduled", dry_run=False)
        self.assertEqual(first, again, "one scheduled run per company and day")
        logs = self._logs(first).filtered(lambda log: log.partner_id == self.customer)
        self.assertEqual(logs.mapped("reason"), ["partner_excluded"])

    def test_excluded_invoice(self):
        self.invoice.dunning_excluded = True
        self._assert_skipped("invoice_excluded")

    def test_invoice_in_payment(self):
        # a payment registered but not matched with the bank yet
        self.env.cr.execute(
            "UPDATE account_move SET payment_state = 'in_payment' WHERE id = %s",
            [self.invoice.id],
        )
        self.invoice.invalidate_recordset(["payment_state"])
        self._assert_skipped("in_payment")

    def test_paid_invoice_is_not_an_open_item(self):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=self.invoice.ids
        ).create({"payment_date": DUE})._create_payments()
        run = self._run(DUE)
        self.assertFalse(
            run.log_ids.filtered(lambda log: log.partner_id == self.customer)
        )
        self.assertEqual(run.communication_ids.partner_id, self.other_customer)

    def test_excluded_customer(self):
        self.customer.with_company(self.company).dunning_excluded = True
        self._assert_skipped("partner_excluded")

    def test_paused_customer(self):
        self.customer.with_company(self.company).dunning_paused_until = DUE
        self._assert_skipped("partner_paused")
        self.customer.with_company(self.company).dunning_paused_until = DUE - timedelta(
            days=1
        )
        self.assertTrue(
            self._run(DUE).communication_ids.filtered(
                lambda c: c.partner_id == self.customer
            )
        )

    def test_customer_in_litigation(self):
        self.customer.with_company(self.company).dunning_litigation = True
        self._assert_skipped("litigation")

    def test_unreconciled_credit_note(self):
        credit_note = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.customer.id,
                "invoice_date": DUE - timedelta(days=2),
                "invoice_line_ids": [
                    (0, 0, {"name": "Refund", "price_unit": 100.0, "tax_ids": []})
                ],
            }
        )
        credit_note.action_post()
        self._assert_skipped("unreconciled_payment")
        # once matched, the rest of the invoice is reminded again
        (credit_note + self.invoice).line_ids.filtered(
            lambda ln: ln.account_id.account_type == "asset_receivable"
        ).reconcile()
        run = self._run(DUE)
        comm = run.communication_ids.filtered(lambda c: c.partner_id == self.customer)
        self.assertEqual(comm.amount_due, 900.0)

    def test_unreconciled_incoming_payment(self):
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.customer.id,
                "amount": 50.0,
                "date": DUE - timedelta(days=1),
            }
        )
        payment.action_post()
        self._assert_skipped("unreconciled_payment")

    def test_under_the_minimum_amount(self):
        self.standard.min_amount = 5000.0
        run = self._run(DUE)
        self.assertFalse(run.communication_ids)
        self.assertEqual(set(self._logs(run).mapped("reason")), {"below_threshold"})

    def test_no_scenario(self):
        self.company.dunning_scenario_id = False
        run = self._run(DUE)
        self.assertFalse(run.communication_ids)
        self.assertEqual(
            self._logs(run).mapped("move_id"), self.invoice + self.reminded
        )
        self.assertEqual(set(self._logs(run).mapped("reason")), {"no_scenario"})

    def test_not_a_business_day(self):
        self.standard.business_days_only = True
        run = self._run(DUE + timedelta(days=3))  # Saturday
        self.assertFalse(run.communication_ids)
        self.assertEqual(set(self._logs(run).mapped("reason")), {"non_business_day"})

    def test_too_soon_and_cap(self):
        self.standard.write({"min_interval_days": 5, "max_per_30_days": 1})
        self._run(DUE)
        self._invoice(self.customer, DUE + timedelta(days=4))
        run = self._run(DUE + timedelta(days=1))
        self.assertEqual(self._logs(run).mapped("reason"), ["interval"])
        run = self._run(DUE + timedelta(days=9))
        self.assertEqual(set(self._logs(run).mapped("reason")), {"max_per_30_days"})

    def test_run_counters_say_what_happened(self):
        """Issue 21: a run that only skipped customers said "Customers
        Processed 0". Processed = reminded + skipped + failed, each
        customer once."""
        self.customer.with_company(self.company).dunning_excluded = True
        run = self._run(DUE)
        self.assertRecordValues(
            run,
            [
                {
                    "partner_count": 2,
                    "reminded_partner_count": 1,
                    "skipped_partner_count": 1,
                    "failed_partner_count": 0,
                    "communication_count": 1,
                    "skipped_count": 1,
                    "error_count": 0,
                }
            ],
        )
        self.assertIn(
            "2 customer(s) processed (1 reminded, 1 skipped, 0 failed)",
            run._summary_lines()[0],
        )

    def test_run_with_skips_only_processed_them(self):
        for customer in self.customer | self.other_customer:
            customer.with_company(self.company).dunning_excluded = True
        run = self._run(DUE)
        self.assertRecordValues(
            run,
            [
                {
                    "partner_count": 2,
                    "reminded_partner_count": 0,
                    "skipped_partner_count": 2,
                    "communication_count": 0,
                    "skipped_count": 2,
                }
            ],
        )
