# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import as_job, create_dunning_users
from .dunning_dispatch_common import DunningDispatchCommon


@tagged("post_install", "-at_install")
class TestDunningCompanyWalls(DunningDispatchCommon):
    """A customer shared by two companies: what one company's dunning writes
    stays with that company's dunning users."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create({"name": "Other Company"})
        cls.other_collector, _manager = create_dunning_users(cls.env, cls.other_company)
        cls.plain_user = new_test_user(
            cls.env,
            login="plain_billing",
            groups="base.group_user,account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )
        cls.customer_en.company_id = False  # shared

    def _visible_bodies(self, user):
        """What the customer's chatter shows ``user`` (it searches messages)."""
        messages = (
            self.env["mail.message"]
            .with_user(user)
            .search(
                [("model", "=", "res.partner"), ("res_id", "=", self.customer_en.id)]
            )
        )
        return " ".join(str(body) for body in messages.mapped("body"))

    def test_reminder_email_only_for_the_companys_dunning_users(self):
        comm = self._communication(self.customer_en, "friendly")
        as_job(self.env["dunning.channel.email"])._create_mails(comm)
        message = comm.mail_id.mail_message_id
        self.assertEqual(
            message.with_user(self.collector).read(["body"])[0]["id"], message.id
        )
        for user in (self.other_collector, self.plain_user):
            with self.assertRaises(AccessError):
                message.with_user(user).read(["body"])
            self.assertNotIn(comm.name, self._visible_bodies(user))

    def test_dunning_notes_on_the_customer(self):
        self.customer_en.with_user(self.collector)._dunning_post(
            "Promise to pay 1,200.00 by 2026-04-01"
        )
        self.assertIn("Promise to pay", self._visible_bodies(self.collector))
        for user in (self.other_collector, self.plain_user):
            self.assertNotIn("Promise to pay", self._visible_bodies(user))
