# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The KPIs' stored rows are what their live query gives after every kind of
change they count, in the transaction that made it, and the pivot shows the
change at once."""

from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .common import as_job
from .reporting_common import DunningReportingCommon

MAR, APR = date(2026, 3, 1), date(2026, 4, 1)


@tagged("post_install", "-at_install")
@freeze_time("2026-04-20")
class TestDunningKpiStore(DunningReportingCommon):
    """A customer invoiced in February (1,000, due March 12) and March (400,
    due April 10)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._customer("Lefebvre SA")
        cls.feb = cls._invoice(cls.customer, 1000, "2026-02-10", "2026-03-12")
        cls.mar = cls._invoice(cls.customer, 400, "2026-03-15", "2026-04-10")

    def _month(self, month, *measures):
        """{measure: value} of the company's ``month``, as the pivot reads
        it (one read_group, ratios from the month's sums)."""
        [group] = self.env["dunning.kpi.report"].read_group(
            [("company_id", "=", self.company.id), ("month", "=", month)],
            list(measures),
            [],
        )
        return {measure: group[measure] for measure in measures}

    def assertInSync(self):
        self.assertEqual(self.env["dunning.kpi.report"]._store_diff(), [])

    def test_payment_and_unreconciliation(self):
        self.assertEqual(
            self._month(MAR, "due_amount", "collected_amount", "recovery_rate"),
            {"due_amount": 1000.0, "collected_amount": 0.0, "recovery_rate": 0.0},
        )
        self._remind(self.feb, "2026-03-15")
        # paid 13 days late, after one reminder
        self._pay(self.feb, 1000, "2026-03-25")
        self.assertEqual(
            self._month(
                MAR,
                "paid_count",
                "avg_payment_delay",
                "reminders_per_paid",
                "recovery_rate",
                "receivable_balance",
            ),
            {
                "paid_count": 1,
                "avg_payment_delay": 13.0,
                "reminders_per_paid": 1.0,
                "recovery_rate": 100.0,
                "receivable_balance": 400.0,
            },
        )
        self.assertInSync()
        self.feb.line_ids.remove_move_reconcile()
        # the payment stays, as a credit of the customer: the balance is the
        # same, the invoice is no longer paid
        self.assertEqual(
            self._month(MAR, "paid_count", "recovery_rate", "receivable_balance"),
            {"paid_count": 0, "recovery_rate": 0.0, "receivable_balance": 400.0},
        )
        self.assertInSync()

    def test_partial_payment_collects_part_of_the_month(self):
        self._pay(self.feb, 250, "2026-04-02")
        self.assertEqual(
            self._month(MAR, "collected_amount", "recovery_rate"),
            {"collected_amount": 250.0, "recovery_rate": 25.0},
        )
        # not fully paid: no payment delay yet
        self.assertEqual(
            self._month(APR, "paid_count", "receivable_balance"),
            {"paid_count": 0, "receivable_balance": 1150.0},
        )
        self.assertInSync()

    def test_posting_reset_to_draft_cancel_and_credit_note(self):
        april = self._invoice(self.customer, 300, "2026-04-05", "2026-05-05")
        self.assertEqual(
            self._month(APR, "invoiced_amount", "receivable_balance"),
            {"invoiced_amount": 300.0, "receivable_balance": 1700.0},
        )
        self.assertInSync()
        april.button_draft()
        self.assertEqual(self._month(APR, "invoiced_amount"), {"invoiced_amount": 0.0})
        self.assertInSync()
        # its date changed while in draft, posted in March
        april.invoice_date = date(2026, 3, 28)
        april.action_post()
        self.assertEqual(
            self._month(MAR, "invoiced_amount", "credit_sales"),
            {"invoiced_amount": 700.0, "credit_sales": 700.0},
        )
        self.assertInSync()
        april.button_draft()
        april.button_cancel()
        self._invoice(self.customer, 100, "2026-04-06", "2026-04-06", "out_refund")
        self.assertEqual(
            self._month(APR, "invoiced_amount", "refunded_amount", "credit_sales"),
            {"invoiced_amount": 0.0, "refunded_amount": 100.0, "credit_sales": -100.0},
        )
        self.assertEqual(
            self._month(MAR, "invoiced_amount"), {"invoiced_amount": 400.0}
        )
        self.assertInSync()

    def test_reminder_sent_then_bounced(self):
        reminder = self._remind(self.feb, "2026-03-15")
        # sent after the payment: not one of the reminders it took
        self._remind(self.feb, "2026-03-30", level=self.level_2)
        self._pay(self.feb, 1000, "2026-03-25")
        self.assertEqual(
            self._month(MAR, "reminder_count", "reminders_per_paid"),
            {"reminder_count": 1, "reminders_per_paid": 1.0},
        )
        self.assertInSync()
        # the email bounced: the reminder failed (no postal address)
        as_job(self.env["dunning.channel.email"])._feedback_failed(
            reminder, "mailbox unknown", bounced=True
        )
        self.assertEqual(reminder.state, "failed")
        self.assertEqual(
            self._month(MAR, "reminder_count", "reminders_per_paid"),
            {"reminder_count": 0, "reminders_per_paid": 0.0},
        )
        self.assertInSync()

    def _promise(self, day):
        return self.env["dunning.promise"].create(
            {
                "partner_id": self.customer.id,
                "company_id": self.company.id,
                "date": day,
                "amount": 1000.0,
            }
        )

    def test_promises_kept_and_cancelled(self):
        promise = self._promise(date(2026, 4, 15))
        self.assertEqual(
            self._month(APR, "promise_count", "promise_kept", "promise_kept_rate"),
            {"promise_count": 1, "promise_kept": 0, "promise_kept_rate": 0.0},
        )
        self.assertInSync()
        promise.action_mark_kept()
        self.assertEqual(
            self._month(APR, "promise_kept", "promise_kept_rate"),
            {"promise_kept": 1, "promise_kept_rate": 100.0},
        )
        self.assertInSync()
        second = self._promise(date(2026, 4, 30))
        self.assertEqual(
            self._month(APR, "promise_count", "promise_kept_rate"),
            {"promise_count": 2, "promise_kept_rate": 50.0},
        )
        second.action_cancel()
        self.assertEqual(
            self._month(APR, "promise_count", "promise_kept_rate"),
            {"promise_count": 1, "promise_kept_rate": 100.0},
        )
        self.assertInSync()

    def test_dispute_opened_resolved_reopened(self):
        with freeze_time("2026-03-18"):
            dispute = self.env["dunning.dispute"].create(
                {
                    "move_id": self.feb.id,
                    "reason_id": self.env["dunning.dispute.reason"]
                    .search([], limit=1)
                    .id,
                }
            )
        self.assertEqual(
            self._month(MAR, "dispute_opened", "dispute_resolved"),
            {"dispute_opened": 1, "dispute_resolved": 0},
        )
        self.assertInSync()
        dispute.action_resolve()
        self.assertEqual(
            self._month(APR, "dispute_opened", "dispute_resolved"),
            {"dispute_opened": 0, "dispute_resolved": 1},
        )
        self.assertInSync()
        dispute.action_reopen()
        self.assertEqual(self._month(APR, "dispute_resolved"), {"dispute_resolved": 0})
        self.assertInSync()

    def test_customer_becomes_a_contact_of_another(self):
        group = self._customer("Groupe Lefebvre")
        self.customer.parent_id = group
        self.customer.is_company = False
        # the figures stay the company's; the rows are the group's now
        self.assertEqual(
            self._month(MAR, "invoiced_amount", "due_amount"),
            {"invoiced_amount": 400.0, "due_amount": 1000.0},
        )
        self.assertInSync()
        self.env.cr.execute(
            "SELECT DISTINCT partner_id FROM dunning_kpi_row WHERE company_id = %s",
            [self.company.id],
        )
        self.assertEqual(self.env.cr.fetchall(), [(group.id,)])

    def test_receivable_entry_without_customer(self):
        """A receivable line entered by hand without customer marks no one:
        read live, it counts in the month-end balance at once."""
        receivable = self.company_data["default_account_receivable"]
        entry = self.env["account.move"].create(
            {
                "move_type": "entry",
                "date": "2026-04-03",
                "line_ids": [
                    Command.create(
                        {"account_id": receivable.id, "debit": 80.0, "credit": 0.0}
                    ),
                    Command.create(
                        {
                            "account_id": self.company_data[
                                "default_account_revenue"
                            ].id,
                            "debit": 0.0,
                            "credit": 80.0,
                        }
                    ),
                ],
            }
        )
        entry.action_post()
        self.assertEqual(
            self._month(APR, "receivable_balance"), {"receivable_balance": 1480.0}
        )
        self.assertInSync()
        entry.button_draft()
        self.assertEqual(
            self._month(APR, "receivable_balance"), {"receivable_balance": 1400.0}
        )

    def test_next_month_same_rows(self):
        """Nothing stored depends on the day: next month, the same rows, and
        May's month-end balance carried over."""
        with freeze_time("2026-05-02"):
            self.assertEqual(
                self._month(date(2026, 5, 1), "receivable_balance", "period_days"),
                {"receivable_balance": 1400.0, "period_days": 2},
            )
            self.assertInSync()
