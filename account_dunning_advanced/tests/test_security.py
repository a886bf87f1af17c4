# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import create_dunning_users


@tagged("post_install", "-at_install")
class TestDunningSecurity(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.collector, cls.manager = create_dunning_users(cls.env)

    def test_manager_implies_collector(self):
        self.assertTrue(
            self.manager.has_group("account_dunning_advanced.group_dunning_collector")
        )
        self.assertFalse(
            self.collector.has_group("account_dunning_advanced.group_dunning_manager")
        )

    def test_billing_administrator_is_dunning_manager(self):
        admin = self.env.ref("base.user_admin")
        self.assertTrue(admin.has_group("account.group_account_manager"))
        self.assertTrue(
            admin.has_group("account_dunning_advanced.group_dunning_manager")
        )

    def test_collector_cannot_configure_scenarios(self):
        scenario = self.env["dunning.scenario"].create(
            {
                "name": "Test scenario",
                "level_ids": [(0, 0, {"name": "Friendly", "offset_days": 10})],
            }
        )
        self.assertEqual(scenario.with_user(self.collector).name, "Test scenario")
        with self.assertRaises(AccessError):
            scenario.with_user(self.collector).write({"min_interval_days": 1})
        scenario.with_user(self.manager).write({"min_interval_days": 1})
        self.assertEqual(scenario.min_interval_days, 1)

    def test_dunning_menu_visible_to_collectors_only(self):
        menu = self.env.ref("account_dunning_advanced.menu_dunning_root")
        visible = self.env["ir.ui.menu"].with_user(self.collector)._visible_menu_ids()
        self.assertIn(menu.id, visible)
        plain = new_test_user(
            self.env, login="billing_only", groups="account.group_account_invoice"
        )
        self.assertNotIn(
            menu.id, self.env["ir.ui.menu"].with_user(plain)._visible_menu_ids()
        )
