# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .workspace_common import TODAY, DunningWorkspaceCommon


@tagged("post_install", "-at_install")
class TestDunningApproval(DunningWorkspaceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.level_formal.needs_approval = True
        cls.other = cls.env["res.partner"].create(
            {"name": "Martin SARL", "is_company": True, "email": "ap@martin.example"}
        )
        cls.other.with_company(cls.company).dunning_collector_id = cls.collector
        cls._overdue_invoice("2026-02-20", 800.0, partner=cls.other)

    def _waiting(self):
        """Walk both customers to the formal level, which waits for approval."""
        self._run(TODAY)
        self._run(TODAY)
        return self.env["dunning.communication"].search([("state", "=", "to_approve")])

    @freeze_time(TODAY)
    def test_batch_approve_goes_out_at_once(self):
        waiting = self._waiting()
        self.assertEqual(waiting.partner_id, self.customer | self.other)
        waiting.with_user(self.manager).action_approve()
        self.assertRecordValues(
            waiting,
            [{"approved_by_id": self.manager.id}, {"approved_by_id": self.manager.id}],
        )
        self.assertNotIn("to_approve", waiting.mapped("state"))
        self.assertTrue(all(waiting.mapped("mail_id")), "emails queued at once")

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
        self.assertEqual(set(waiting.mapped("state")), {"cancelled"})
        self._run(TODAY)
        again = self.env["dunning.communication"].search([("state", "=", "to_approve")])
        self.assertEqual(again.partner_id, self.customer | self.other)
        self.assertEqual(again.level_id, self.level_formal)

    @freeze_time(TODAY)
    def test_collector_cannot_approve(self):
        waiting = self._waiting()
        with self.assertRaises(AccessError):
            waiting.with_user(self.collector).action_approve()
        with self.assertRaises(AccessError):
            waiting.with_user(self.collector).action_reject()
        self.assertEqual(set(waiting.mapped("state")), {"to_approve"})
