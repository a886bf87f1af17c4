# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .workspace_common import TODAY, DunningApprovalCommon


@tagged("post_install", "-at_install")
class TestDunningApproval(DunningApprovalCommon):
    @freeze_time(TODAY)
    def test_batch_approve_goes_out_at_once_through_the_job(self):
        waiting = self._waiting()
        self.assertEqual(waiting.partner_id, self.customer | self.other)
        cron = self.env.ref("account_dunning_advanced.ir_cron_dunning_documents")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        waiting.with_user(self.manager).action_approve()
        self.assertRecordValues(
            waiting,
            [{"approved_by_id": self.manager.id}, {"approved_by_id": self.manager.id}],
        )
        self.assertNotIn("to_approve", waiting.mapped("state"))
        self.assertFalse(any(waiting.mapped("mail_id")), "nothing sent by the request")
        self.assertTrue(
            self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]) - triggers,
            "the scheduled job is called at once",
        )
        cron.method_direct_trigger()
        self.assertTrue(all(waiting.mapped("mail_id")), "emails queued by the job")

    @freeze_time(TODAY)
    def test_approved_wait_for_next_run_when_configured(self):
        self.company.dunning_approval_dispatch = "next_run"
        waiting = self._waiting()
        waiting.with_user(self.manager).action_approve()
        self.assertEqual(set(waiting.mapped("state")), {"queued"})
        self.assertFalse(any(waiting.mapped("mail_id")))
        self._run(TODAY)
        self.assertTrue(all(waiting.mapped("mail_id")))

    @freeze_time(TODAY)
    def test_batch_reject_allows_the_level_again(self):
        waiting = self._waiting()
        waiting.with_user(self.manager).action_reject()
        self.assertEqual(set(waiting.mapped("state")), {"rejected"})
        self._run(TODAY)
        again = self.env["dunning.communication"].search([("state", "=", "to_approve")])
        self.assertEqual(again.partner_id, self.customer | self.other)
        self.assertEqual(again.level_id, self.level_formal)

    @freeze_time(TODAY)
    def test_cancelled_reminder_is_not_sent_again_at_its_level(self):
        self.company.dunning_approval_dispatch = "next_run"
        waiting = self._waiting()
        waiting.with_user(self.manager).action_approve()
        waiting.with_user(self.manager).action_cancel()
        self.assertEqual(set(waiting.mapped("state")), {"cancelled"})
        self._run(TODAY)
        self.assertFalse(waiting.mail_id, "nothing queued by the cancelled reminders")
        again = self.env["dunning.communication"].search(
            [("level_id", "=", self.level_formal.id), ("id", "not in", waiting.ids)]
        )
        self.assertFalse(again, "their items stay reminded at the formal level")

    @freeze_time(TODAY)
    def test_collector_cannot_approve(self):
        waiting = self._waiting()
        with self.assertRaises(AccessError):
            waiting.with_user(self.collector).action_approve()
        with self.assertRaises(AccessError):
            waiting.with_user(self.collector).action_reject()
        self.assertEqual(set(waiting.mapped("state")), {"to_approve"})
