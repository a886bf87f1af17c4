# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date, datetime, timedelta

from odoo.tests import tagged

from .dunning_engine_common import DUE, DunningEngineCommon


@tagged("post_install", "-at_install")
class TestDunningSafeguards(DunningEngineCommon):
    def test_minimum_interval_between_two_reminders(self):
        self.standard.write({"business_days_only": False, "min_interval_days": 5})
        self._invoice(self.customer, DUE - timedelta(days=6))
        self.assertTrue(self._run(DUE).communication_ids)
        # another invoice reaches its friendly level two days later: too soon
        second = self._invoice(self.customer, DUE - timedelta(days=3))
        run = self._run(DUE + timedelta(days=2))
        self.assertFalse(run.communication_ids)
        self.assertEqual(self._logs(run).mapped("reason"), ["interval"])
        # not lost: it goes out once the interval has passed
        late = self._run(DUE + timedelta(days=5)).communication_ids
        self.assertEqual(late.line_ids.move_id, second)
        self.assertEqual(late.line_ids.level_id, self.level["friendly"])

    def test_at_most_n_reminders_per_30_days(self):
        self.standard.write(
            {"business_days_only": False, "min_interval_days": 0, "max_per_30_days": 2}
        )
        self._invoice(self.customer, DUE - timedelta(days=6))
        self._invoice(self.customer, DUE - timedelta(days=16), 500.0)
        self.assertTrue(self._run(DUE).communication_ids)  # friendly for both
        self.assertTrue(self._run(DUE + timedelta(days=1)).communication_ids)
        run = self._run(DUE + timedelta(days=9))
        self.assertFalse(run.communication_ids)
        self.assertEqual(set(self._logs(run).mapped("reason")), {"max_per_30_days"})
        # 30 days after the first reminder one slot is free again
        self.assertTrue(self._run(DUE + timedelta(days=30)).communication_ids)

    def test_nothing_on_weekends_or_company_holidays(self):
        self.assertTrue(self.standard.business_days_only)
        calendar = self.company.resource_calendar_id
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Easter Monday",
                "calendar_id": calendar.id,
                "company_id": self.company.id,
                "date_from": datetime(2026, 4, 6, 0, 0),
                "date_to": datetime(2026, 4, 6, 23, 59),
            }
        )
        # friendly level due on Saturday 4 April 2026
        self._invoice(self.customer, date(2026, 3, 30))
        for day in (date(2026, 4, 4), date(2026, 4, 5), date(2026, 4, 6)):
            run = self._run(day)
            self.assertFalse(run.communication_ids, day)
            self.assertEqual(self._logs(run).mapped("reason"), ["non_business_day"])
        comm = self._run(date(2026, 4, 7)).communication_ids
        self.assertEqual(comm.level_id, self.level["friendly"], "sent on Tuesday")

    def test_minimum_amount(self):
        self.standard.write({"business_days_only": False, "min_amount": 150.0})
        self._invoice(self.customer, DUE - timedelta(days=6), 100.0)
        run = self._run(DUE)
        self.assertFalse(run.communication_ids)
        self.assertEqual(self._logs(run).mapped("reason"), ["below_threshold"])
        self._invoice(self.customer, DUE - timedelta(days=7), 60.0)
        comm = self._run(DUE).communication_ids
        self.assertEqual(comm.amount_due, 160.0)

    def test_two_companies_kept_apart(self):
        self.standard.business_days_only = False
        other_company = self.setup_other_company()["company"]
        other_company.dunning_scenario_id = self.standard
        own = self._invoice(self.customer, DUE - timedelta(days=6))
        foreign = self._invoice(
            self.customer, DUE - timedelta(days=20), company=other_company
        )
        self.customer.with_company(other_company).dunning_excluded = True
        run = self._run(DUE)
        self.assertEqual(run.communication_ids.line_ids.move_id, own)
        self.assertEqual(run.communication_ids.company_id, self.company)
        other_run = self._run(DUE, company=other_company)
        self.assertFalse(other_run.communication_ids, "excluded in that company only")
        self.assertEqual(self._logs(other_run).move_id, foreign)
        self.customer.with_company(other_company).dunning_excluded = False
        # the interval is per company: the other company reminds the same day
        comm = self._run(DUE, company=other_company).communication_ids
        self.assertRecordValues(
            comm,
            [{"company_id": other_company.id, "level_id": self.level["friendly"].id}],
        )
        self.assertEqual(comm.line_ids.move_id, foreign)

    def test_idempotent_rerun(self):
        self.standard.business_days_only = False
        self._invoice(self.customer, DUE - timedelta(days=6))
        self._invoice(self.other_customer, DUE - timedelta(days=20))
        first = self._run(DUE)
        self.assertEqual(len(first.communication_ids), 2)
        mails = self.env["mail.mail"].search_count([])
        second = self._run(DUE)
        self.assertFalse(second.communication_ids)
        self.assertEqual(self.env["mail.mail"].search_count([]), mails)
        self.assertRecordValues(
            second, [{"state": "done", "communication_count": 0, "error_count": 0}]
        )
