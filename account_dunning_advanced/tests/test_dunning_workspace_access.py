# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .workspace_common import DunningWorkspaceCommon


@tagged("post_install", "-at_install")
class TestDunningWorkspaceAccess(DunningWorkspaceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls.setup_other_company(name="Other Company")["company"]
        cls.portal = new_test_user(
            cls.env, login="dunning_portal", groups="base.group_portal"
        )
        cls.promise = cls.env["dunning.promise"].create(
            {
                "partner_id": cls.customer.id,
                "company_id": cls.company.id,
                "date": date(2026, 4, 1),
                "amount": 100.0,
            }
        )
        cls.foreign_promise = cls.env["dunning.promise"].create(
            {
                "partner_id": cls.customer.id,
                "company_id": cls.company_2.id,
                "date": date(2026, 4, 1),
                "amount": 100.0,
            }
        )

    def test_collector_sees_own_company_only(self):
        promises = self.env["dunning.promise"].with_user(self.collector).search([])
        self.assertIn(self.promise, promises)
        self.assertNotIn(self.foreign_promise, promises)
        rows = self.env["dunning.worklist"].with_user(self.collector).search([])
        self.assertEqual(rows.company_id, self.company)
        self.assertIn(self.customer, rows.partner_id)

    def test_collector_works_but_does_not_delete(self):
        dispute = (
            self.env["dunning.dispute"]
            .with_user(self.collector)
            .create(
                {
                    "move_id": self.invoice_a.id,
                    "reason_id": self.env.ref(
                        "account_dunning_advanced.dispute_reason_other"
                    ).id,
                }
            )
        )
        self.assertTrue(self.invoice_a.dunning_dispute)
        with self.assertRaises(AccessError):
            dispute.unlink()
        dispute.with_user(self.manager).unlink()

    def test_approval_queue_menu_for_managers_only(self):
        menu = self.env.ref("account_dunning_advanced.menu_dunning_to_approve")
        menus = self.env["ir.ui.menu"]
        self.assertIn(menu.id, menus.with_user(self.manager)._visible_menu_ids())
        self.assertNotIn(menu.id, menus.with_user(self.collector)._visible_menu_ids())

    def test_portal_sees_nothing_of_dunning(self):
        for model in (
            "dunning.worklist",
            "dunning.promise",
            "dunning.dispute",
            "dunning.payment.plan",
            "dunning.communication",
        ):
            with self.assertRaises(AccessError, msg=model):
                self.env[model].with_user(self.portal).search([])
        with self.assertRaises(AccessError):
            self.promise.with_user(self.portal).read(["amount"])
