# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .reporting_common import DunningReportingCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-06-30")
class TestDunningScoring(DunningReportingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls.setup_other_company()["company"]
        cls.customer = cls._customer("Late Payer")
        # Paid 10 days late, after one reminder (the second one came after
        # the payment and does not count).
        cls.inv_late = cls._invoice(cls.customer, 1000, "2026-01-01", "2026-01-31")
        cls._remind(cls.inv_late, "2026-02-05")
        cls._pay(cls.inv_late, 1000, "2026-02-10")
        cls._remind(cls.inv_late, "2026-02-15", cls.level_2)
        # Paid early, no reminder.
        cls.inv_early = cls._invoice(cls.customer, 3000, "2026-03-01", "2026-03-31")
        cls._pay(cls.inv_early, 3000, "2026-03-25")
        # Overdue since 2026-05-01.
        cls.inv_open = cls._invoice(cls.customer, 2000, "2026-04-01", "2026-05-01")
        # Paid more than 12 months ago: out of the window.
        cls.inv_old = cls._invoice(cls.customer, 500, "2025-04-01", "2025-04-30")
        cls._pay(cls.inv_old, 500, "2025-06-29")

    def _dispute(self, invoice):
        self.env["dunning.dispute"].create(
            {
                "move_id": invoice.id,
                "reason_id": self.env.ref(
                    "account_dunning_advanced.dispute_reason_price"
                ).id,
            }
        )

    def _recompute(self):
        self.env["dunning.partner.score"]._recompute(self.company)
        return self._score(self.customer)

    def test_figures_match_hand_computation(self):
        score = self._recompute()
        # avg late = (1000 x 10 + 3000 x 0) / 4000; 1 of 2 paid late; 1
        # reminder for 2 paid instalments; revenue 1000 + 3000 + 2000.
        # risk = 35 x 2.5/60 + 20 x 0.5 + 10 x 0.5/3 + 15 x min(2000x12/6000, 2)/2
        #      = 1.458 + 10 + 1.667 + 15 = 28.1
        self.assertRecordValues(
            score,
            [
                {
                    "avg_days_late": 2.5,
                    "late_share": 50.0,
                    "avg_reminders": 0.5,
                    "paid_count": 2,
                    "promises_broken": 0,
                    "overdue_amount": 2000.0,
                    "open_disputes": 0,
                    "revenue_12m": 6000.0,
                    "risk_score": 28,
                }
            ],
        )
        self.assertRecordValues(
            self.customer.with_company(self.company),
            [{"dunning_risk_score": 28, "dunning_avg_days_late": 2.5}],
        )
        self.assertIn(
            self.customer,
            self.env["res.partner"].search([("dunning_risk_score", ">=", 28)]),
        )
        self.assertNotIn(
            self.customer,
            self.env["res.partner"].search([("dunning_risk_score", ">", 28)]),
        )

    def test_promises_and_disputes_raise_the_score(self):
        before = self._recompute().risk_score
        self.env["dunning.promise"].create(
            {
                "partner_id": self.customer.id,
                "company_id": self.company.id,
                "date": "2026-05-15",
                "amount": 2000,
                "state": "broken",
            }
        )
        with_promise = self._recompute()
        self.assertEqual(with_promise.promises_broken, 1)
        # + 10 x 1/3: 31.5 rounds to 31
        self.assertEqual(with_promise.risk_score, 31)
        self._dispute(self.inv_open)
        with_dispute = self._recompute()
        self.assertEqual(with_dispute.open_disputes, 1)
        # + 10 x 1/2
        self.assertEqual(with_dispute.risk_score, 36)
        self.assertLess(before, with_promise.risk_score)

    def test_reconciled_payment_schedules_the_rescoring(self):
        score = self._recompute()
        self.assertEqual(score.overdue_amount, 2000.0)
        cron = self.env.ref("account_dunning_advanced.ir_cron_dunning_rescore")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        # Paid 60 days late: the payment only queues the customer...
        self._pay(self.inv_open, 2000, "2026-06-30")
        self.assertTrue(
            self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]) - triggers,
            "the reconciliation wakes the rescoring action up",
        )
        score.invalidate_recordset()
        self.assertRecordValues(score, [{"paid_count": 2, "overdue_amount": 2000.0}])
        # ... which rescores it when it runs
        cron.method_direct_trigger()
        score.invalidate_recordset()
        self.assertRecordValues(score, [{"paid_count": 3, "overdue_amount": 0.0}])
        self.assertFalse(self.env["dunning.score.queue"].search([]))
        # (10 x 1000 + 0 + 60 x 2000) / 6000 and 2 of 3 paid late
        self.assertAlmostEqual(score.avg_days_late, 130000 / 6000)
        self.assertAlmostEqual(score.late_share, 200 / 3)
        self.assertEqual(self.customer.with_company(self.company).dunning_paid_count, 3)

    def test_score_bounds_and_monotonicity(self):
        good = self._customer("Good Payer")
        invoice = self._invoice(good, 1000, "2026-05-01", "2026-05-31")
        self._pay(invoice, 1000, "2026-05-20")
        self.env["dunning.partner.score"]._recompute(self.company)
        self.assertEqual(self._score(good).risk_score, 0)

        scores = []
        worst = self._customer("Worst Payer")
        offset = 100  # levels of one scenario have distinct offsets
        for days_late in (5, 30, 200):
            inv = self._invoice(worst, 1000, "2025-09-01", "2025-10-01")
            for day in ("2025-10-02", "2025-10-03", "2025-10-04", "2025-10-05"):
                offset += 1
                level = self.env["dunning.level"].create(
                    {
                        "scenario_id": self.scenario.id,
                        "name": day,
                        "offset_days": offset,
                    }
                )
                self._remind(inv, day, level)
            self._pay(inv, 1000, inv.invoice_date_due + timedelta(days=days_late))
            self.env["dunning.partner.score"]._recompute(self.company)
            scores.append(self._score(worst).risk_score)
        for __ in range(3):
            self.env["dunning.promise"].create(
                {
                    "partner_id": worst.id,
                    "company_id": self.company.id,
                    "date": "2026-06-01",
                    "amount": 100,
                    "state": "broken",
                }
            )
            overdue = self._invoice(worst, 10000, "2025-01-01", "2025-02-01")
            self._dispute(overdue)
            self.env["dunning.partner.score"]._recompute(self.company)
            scores.append(self._score(worst).risk_score)
        self.assertEqual(scores, sorted(scores), "worse behaviour, higher risk")
        self.assertLess(scores[0], scores[-1])
        # Every term at its cap.
        self.assertEqual(scores[-1], 100)

    def _cron(self, xmlid):
        return self.env.ref(f"account_dunning_advanced.{xmlid}")

    def _queued(self, partners):
        return {
            (q.partner_id, q.company_id, q.reclassify)
            for q in self.env["dunning.score.queue"].search(
                [("partner_id", "in", partners.ids)]
            )
        }

    def test_weekly_action_queues_customers_and_the_rescoring_scores_them(self):
        """The weekly action writes no score: it queues each active customer
        with receivables once per company and wakes the rescoring action up,
        which scores each in its company."""
        Queue = self.env["dunning.score.queue"].sudo()
        Queue.search([]).unlink()
        self.env["account.move"].with_company(self.company_2).create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": "2026-04-01",
                "invoice_date_due": "2026-05-01",
                "invoice_line_ids": [
                    Command.create({"name": "Work", "price_unit": 700, "tax_ids": []})
                ],
            }
        ).action_post()
        archived = self._customer("Former Customer")
        self._invoice(archived, 300, "2026-04-01", "2026-05-01")
        archived.action_archive()
        rescore = self._cron("ir_cron_dunning_rescore")
        Trigger = self.env["ir.cron.trigger"]
        triggers = Trigger.search([("cron_id", "=", rescore.id)])
        weekly = self._cron("ir_cron_dunning_scoring")
        weekly.method_direct_trigger()
        customers = self.customer | archived
        expected = {
            (self.customer, self.company, True),
            (self.customer, self.company_2, True),
        }
        self.assertEqual(self._queued(customers), expected)
        self.assertFalse(
            self.env["dunning.partner.score"].search(
                [("partner_id", "in", customers.ids)]
            ),
            "the weekly action writes no score",
        )
        self.assertTrue(Trigger.search([("cron_id", "=", rescore.id)]) - triggers)
        weekly.method_direct_trigger()
        self.assertEqual(
            len(Queue.search([("partner_id", "in", customers.ids)])),
            2,
            "queued once however often the weekly action runs",
        )
        rescore.method_direct_trigger()
        self.assertFalse(Queue.search([]))
        scores = self.env["dunning.partner.score"].search(
            [("partner_id", "in", customers.ids)]
        )
        # each company's own figures (see test_figures_match_hand_computation)
        self.assertEqual(
            {
                s.company_id: (s.overdue_amount, s.revenue_12m, s.risk_score)
                for s in scores
            },
            {self.company: (2000.0, 6000.0, 28), self.company_2: (700.0, 700.0, 15)},
        )

    def test_rescoring_reports_its_progress_to_the_cron_runner(self):
        """A bounded slice per call (here 2 customers, no time left after the
        first slice), and how many customers are left: Odoo's runner calls the
        action again until none is."""
        Queue = self.env["dunning.score.queue"].sudo()
        Queue.search([]).unlink()
        customers = self.env["res.partner"]
        for i in range(5):
            customers |= self._customer(f"Queued {i}")
            invoice = self._invoice(customers[-1], 100, "2026-04-01", "2026-05-01")
            Queue._enqueue(invoice.line_ids)
        Params = self.env["ir.config_parameter"]
        Params.set_param("account_dunning_advanced.rescore_batch_size", "2")
        Params.set_param("account_dunning_advanced.cron_time_budget", "0")
        rescore = self._cron("ir_cron_dunning_rescore")
        progress = []
        for __ in range(3):
            rescore.method_direct_trigger()
            last = self.env["ir.cron.progress"].search(
                [("cron_id", "=", rescore.id)], order="id desc", limit=1
            )
            progress.append((last.done, last.remaining))
        self.assertEqual(progress, [(2, 3), (2, 1), (1, 0)])
        self.assertEqual(
            self.env["dunning.partner.score"]
            .search([("partner_id", "in", customers.ids)])
            .mapped("overdue_amount"),
            [100.0] * 5,
        )
        self.assertFalse(Queue.search([]))
