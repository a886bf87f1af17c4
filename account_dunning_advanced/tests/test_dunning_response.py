# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .workspace_common import TODAY, DunningWorkspaceCommon


@tagged("post_install", "-at_install")
class TestDunningResponse(DunningWorkspaceCommon):
    @freeze_time(TODAY)
    def test_response_credited_to_latest_reminder_sent_before_it(self):
        self._run(TODAY)
        reminder = self._communications()
        self.assertEqual(len(reminder), 1)
        contact = self.env["res.partner"].create(
            {"name": "Jean Compta", "parent_id": self.customer.id}
        )
        Response = self.env["dunning.response"]
        before, after = Response._dunning_register(
            [
                {
                    "partner_id": contact.id,
                    "company_id": self.company.id,
                    "kind": "reply",
                    "source": "email",
                    "date": datetime(2026, 3, 1),
                },
                {
                    "partner_id": contact.id,
                    "company_id": self.company.id,
                    "kind": "promise",
                    "source": "portal",
                },
            ]
        )
        # stored on the customer, not the contact
        self.assertEqual((before | after).partner_id, self.customer)
        self.assertFalse(before.communication_id, "no reminder was sent before")
        self.assertEqual(after.communication_id, reminder)
        self.assertEqual(after.level_id, reminder.level_id)

    def test_collectors_read_but_cannot_write_responses(self):
        response = self.env["dunning.response"]._dunning_register(
            [
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "kind": "dispute",
                    "source": "collector",
                }
            ]
        )
        self.assertEqual(response.with_user(self.collector).kind, "dispute")
        with self.assertRaises(AccessError):
            response.with_user(self.collector).write({"kind": "reply"})
        with self.assertRaises(AccessError):
            self.env["dunning.response"].with_user(self.manager).create(
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "kind": "reply",
                    "source": "email",
                    "date": datetime(2026, 3, 1),
                }
            )
