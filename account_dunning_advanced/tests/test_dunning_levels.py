# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common import as_job
from .dunning_engine_common import DUE, DunningEngineCommon


@tagged("post_install", "-at_install")
class TestDunningLevels(DunningEngineCommon):
    def test_day_by_day_walk_through_standard(self):
        """One invoice, one run a day: each level of Standard once, on its day."""
        self.standard.business_days_only = False
        invoice = self._invoice(self.customer, DUE)
        sent = []
        for offset in range(-10, 41):
            day = DUE + timedelta(days=offset)
            with freeze_time(day):
                comms = self._run(day).communication_ids
                sent += [(offset, comm.level_id) for comm in comms]
                # the final notice waits for a manager: approve it as one would
                comms.filtered(lambda c: c.state == "to_approve").write(
                    {"state": "queued"}
                )
        self.assertEqual(
            sent,
            [
                (-3, self.level["courtesy"]),
                (5, self.level["friendly"]),
                (15, self.level["formal"]),
                (30, self.level["final"]),
            ],
        )
        self.assertRecordValues(
            invoice,
            [
                {
                    "dunning_level_id": self.level["final"].id,
                    "dunning_last_date": DUE + timedelta(days=30),
                    "dunning_count": 4,
                }
            ],
        )
        comms = self._comms()
        self.assertEqual(
            comms.mapped("tone"), ["courtesy", "friendly", "formal", "final"]
        )
        self.assertTrue(comms[0].mail_id, "the courtesy email is in the mail queue")
        self.assertEqual(comms[0].mail_id.state, "outgoing")
        self.assertTrue(comms[2].letter_attachment_id, "the formal letter is stored")

    def test_final_level_waits_for_approval(self):
        self.standard.business_days_only = False
        self._invoice(self.customer, DUE - timedelta(days=100))
        day = DUE
        levels = []
        for _step in range(3):
            comm = self._run(day).communication_ids
            levels.append((comm.level_id, comm.state))
            day += timedelta(days=self.standard.min_interval_days)
        self.assertEqual(
            levels,
            [
                (self.level["friendly"], "queued"),
                (self.level["formal"], "queued"),
                (self.level["final"], "to_approve"),
            ],
        )
        final = self._comms()[-1]
        self.assertFalse(
            final.mail_id or final.letter_attachment_id or final.activity_id
        )

    def test_one_step_at_a_time_after_due_date(self):
        """A 40-days-late invoice never reminded gets the friendly level
        first, the formal one at the next run the interval allows."""
        self.standard.business_days_only = False
        self._invoice(self.customer, DUE - timedelta(days=40))
        first = self._run(DUE).communication_ids
        self.assertEqual(first.level_id, self.level["friendly"])
        for offset in range(1, 5):
            day = DUE + timedelta(days=offset)
            self.assertFalse(self._run(day).communication_ids, "interval of 5 days")
        second = self._run(DUE + timedelta(days=5)).communication_ids
        self.assertEqual(second.level_id, self.level["formal"])

    def test_same_level_never_twice(self):
        self.standard.write({"business_days_only": False, "min_interval_days": 0})
        self._invoice(self.customer, DUE - timedelta(days=6))
        self.assertEqual(
            self._run(DUE).communication_ids.level_id, self.level["friendly"]
        )
        self.assertFalse(self._run(DUE).communication_ids)
        self.assertFalse(self._run(DUE + timedelta(days=3)).communication_ids)
        self.assertEqual(len(self._comms()), 1)

    def test_courtesy_level_only_before_due_date(self):
        self.standard.business_days_only = False
        self._invoice(self.customer, DUE - timedelta(days=1))
        for offset in range(0, 4):
            self.assertFalse(self._run(DUE + timedelta(days=offset)).communication_ids)
        comm = self._run(DUE + timedelta(days=4)).communication_ids
        self.assertEqual(comm.level_id, self.level["friendly"])

    def test_grace_days_delay_post_due_levels(self):
        self.standard.write({"business_days_only": False, "grace_days": 3})
        self._invoice(self.customer, DUE)
        self.assertFalse(self._run(DUE + timedelta(days=5)).communication_ids)
        self.assertFalse(self._run(DUE + timedelta(days=7)).communication_ids)
        comm = self._run(DUE + timedelta(days=8)).communication_ids
        self.assertEqual(comm.level_id, self.level["friendly"])

    def test_typology_and_override_choose_the_scenario(self):
        self.standard.business_days_only = False
        chronic = self.env.ref("account_dunning_advanced.dunning_typology_chronic")
        chronic_scenario = chronic.scenario_id
        chronic_scenario.business_days_only = False
        self.customer.with_company(self.company).dunning_typology_id = chronic
        self._invoice(self.customer, DUE + timedelta(days=7))
        self._invoice(self.other_customer, DUE + timedelta(days=7))
        run = self._run(DUE)
        self.assertEqual(run.communication_ids.partner_id, self.customer)
        self.assertEqual(run.communication_ids.level_id.scenario_id, chronic_scenario)
        self.assertEqual(run.communication_ids.level_id.offset_days, -7)
        key = self.env.ref("account_dunning_advanced.dunning_scenario_key_account")
        self.customer.with_company(self.company).dunning_scenario_id = key
        plan = self.env["dunning.run"]._run_company(
            self.company,
            DUE + timedelta(days=2),
            "preview",
            dry_run=True,
            bypass_interval=True,
        )
        self.assertEqual(plan["communications"][0]["scenario"], key)

    def test_last_level_actions_after_sending(self):
        self.standard.business_days_only = False
        manager = self.env["res.users"].create(
            {"name": "Marc Manager", "login": "dunning_levels_manager"}
        )
        self.level["final"].write(
            {
                "set_litigation": True,
                "stop_reminders": True,
                "manager_activity": True,
                "manager_user_id": manager.id,
            }
        )
        self._invoice(self.customer, DUE - timedelta(days=100))
        # a customer without a phone number gets no call (test_dunning_call_queue)
        self.customer.phone = "+33 1 00 00 00 00"
        for offset in (0, 5):
            self._run(DUE + timedelta(days=offset))
        final = self._run(DUE + timedelta(days=10)).communication_ids
        customer = self.customer.with_company(self.company)
        self.assertEqual(final.state, "to_approve")
        self.assertFalse(customer.dunning_litigation, "nothing before it is sent")
        final.write({"state": "queued"})  # approved by the manager
        as_job(final)._dispatch()
        self.assertTrue(final.letter_attachment_id)
        self.assertTrue(final.activity_id, "the collector's call")
        self.assertRecordValues(
            customer, [{"dunning_litigation": True, "dunning_excluded": True}]
        )
        activity = customer.activity_ids.filtered(lambda a: a.user_id == manager)
        self.assertEqual(len(activity), 1)
        self.assertIn(final.name, activity.summary)
