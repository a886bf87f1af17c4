# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged

from .common import create_dunning_users

ACCESS_ERROR = "odoo.exceptions.AccessError"


@tagged("post_install", "-at_install")
class TestDunningRpcSecurity(HttpCase):
    """What users can do to reminders over JSON-RPC, whatever the views show."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.other_company = cls.env["res.company"].create({"name": "Other Company"})
        cls.collector, cls.manager = create_dunning_users(cls.env, cls.company)
        cls.other_collector, _other_manager = create_dunning_users(
            cls.env, cls.other_company
        )
        cls.internal = new_test_user(
            cls.env, login="plain_user", groups="base.group_user"
        )
        cls.portal = new_test_user(
            cls.env, login="portal_user", groups="base.group_portal"
        )
        # shared by both companies, as customers often are
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Shared Customer",
                "is_company": True,
                "email": "ap@shared.example",
            }
        )
        scenario = cls.env["dunning.scenario"].create(
            {
                "name": "Checked",
                "company_id": cls.company.id,
                "level_ids": [
                    (0, 0, {"name": "Friendly", "offset_days": 5}),
                    (0, 0, {"name": "Final", "offset_days": 30, "tone": "final"}),
                ],
            }
        )
        cls.friendly, cls.final = scenario.level_ids.sorted("offset_days")
        Communication = cls.env["dunning.communication"]
        common = {
            "date": "2026-03-20",
            "company_id": cls.company.id,
            "partner_id": cls.customer.id,
            "channel_email": True,
            "amount_due": 1200.0,
        }
        cls.final_notice = Communication.create(
            dict(common, name="REM/1", level_id=cls.final.id, state="to_approve")
        )
        cls.queued = Communication.create(
            dict(common, name="REM/2", level_id=cls.friendly.id, state="queued")
        )
        cls.mail = cls.env["mail.mail"].create(
            {
                "subject": "Payment reminder",
                "email_to": "ap@shared.example",
                "body_html": "<p>Please pay</p>",
                "dunning_communication_id": cls.queued.id,
            }
        )
        cls.queued.mail_id = cls.mail

    def _call(self, user, record, method, *args):
        self.authenticate(user.login, user.login)
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": record._name,
                "method": method,
                "args": [record.ids, *args],
                "kwargs": {},
            },
        )

    def _refused(self, user, record, method, *args):
        with self.assertRaises(JsonRpcException) as caught:
            self._call(user, record, method, *args)
        self.assertEqual(caught.exception.code, 200)
        self.assertIn(ACCESS_ERROR, str(caught.exception.args))

    def test_collector_cannot_approve_by_writing(self):
        self._refused(
            self.collector,
            self.final_notice,
            "write",
            {"state": "queued", "approved_by_id": self.manager.id},
        )
        self._refused(self.collector, self.final_notice, "action_approve")
        self.assertRecordValues(
            self.final_notice, [{"state": "to_approve", "approved_by_id": False}]
        )

    def test_state_amounts_and_items_only_through_actions(self):
        for user in (self.collector, self.manager):
            self._refused(user, self.queued, "write", {"state": "cancelled"})
            self._refused(user, self.queued, "write", {"amount_due": 1.0})
            self._refused(user, self.queued, "write", {"channel_letter": True})
        self.authenticate(self.collector.login, self.collector.login)
        with self.assertRaises(JsonRpcException):
            self.make_jsonrpc_request(
                "/web/dataset/call_kw",
                {
                    "model": "dunning.communication",
                    "method": "create",
                    "args": [
                        {
                            "name": "FAKE",
                            "date": "2026-03-20",
                            "company_id": self.company.id,
                            "partner_id": self.customer.id,
                            "level_id": self.final.id,
                            "state": "queued",
                        }
                    ],
                    "kwargs": {},
                },
            )
        self.assertEqual(self.queued.state, "queued")
        self.assertEqual(self.queued.amount_due, 1200.0)

    def test_manager_approves_and_cancels_through_actions(self):
        self._call(self.manager, self.final_notice, "action_approve")
        self.assertRecordValues(
            self.final_notice, [{"state": "queued", "approved_by_id": self.manager.id}]
        )
        self._refused(self.collector, self.queued, "action_cancel")
        self._call(self.manager, self.queued, "action_cancel")
        self.assertEqual(self.queued.state, "cancelled")
        # the email it had queued does not leave any more
        self.assertEqual(self.mail.state, "cancel")

    def test_no_access_outside_dunning_rights_or_company(self):
        for user in (self.other_collector, self.internal, self.portal):
            self._refused(user, self.queued, "read", ["amount_due", "partner_id"])
        self.assertEqual(
            self._call(self.collector, self.queued, "read", ["amount_due"])[0][
                "amount_due"
            ],
            1200.0,
        )
