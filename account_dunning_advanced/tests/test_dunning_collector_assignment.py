# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged

from .workspace_common import DunningWorkspaceCommon


@tagged("post_install", "-at_install")
class TestDunningCollectorAssignment(DunningWorkspaceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.seller = new_test_user(
            cls.env,
            login="dunning_seller",
            groups="base.group_user,account_dunning_advanced.group_dunning_collector",
        )
        cls.typology_collector = new_test_user(
            cls.env,
            login="dunning_typology_collector",
            groups="base.group_user,account_dunning_advanced.group_dunning_collector",
        )
        cls.typology = cls.env["dunning.typology"].create(
            {"name": "Key", "code": "KEYWS", "collector_id": cls.typology_collector.id}
        )
        cls.by_typology = cls.env["res.partner"].create(
            {"name": "Typed SA", "is_company": True, "user_id": cls.seller.id}
        )
        cls.by_typology.with_company(cls.company).dunning_typology_id = cls.typology
        cls.by_seller = cls.env["res.partner"].create(
            {"name": "Sold SA", "is_company": True, "user_id": cls.seller.id}
        )
        for partner in cls.by_typology | cls.by_seller:
            cls._overdue_invoice("2026-02-01", 100.0, partner=partner)

    def test_cron_fills_default_collectors(self):
        self.env["dunning.worklist"]._cron_assign_collectors()
        company = self.company
        self.assertEqual(
            self.by_typology.with_company(company).dunning_collector_id,
            self.typology_collector,
        )
        self.assertEqual(
            self.by_seller.with_company(company).dunning_collector_id, self.seller
        )
        self.assertEqual(
            self.customer.with_company(company).dunning_collector_id, self.collector
        )

    def test_mass_reassignment_by_a_manager(self):
        rows = self.env["dunning.worklist"].search(
            [("partner_id", "in", (self.customer | self.by_seller).ids)]
        )
        self.assertEqual(len(rows), 2)
        context = {"active_model": "dunning.worklist", "active_ids": rows.ids}
        wizard_form = Form(
            self.env["dunning.assign.collector.wizard"]
            .with_user(self.manager)
            .with_context(**context)
        )
        wizard_form.collector_id = self.manager
        wizard = wizard_form.save()
        self.assertEqual(wizard.partner_ids, self.customer | self.by_seller)
        with self.assertRaises(AccessError):
            wizard.with_user(self.collector).action_confirm()
        wizard.action_confirm()
        rows.invalidate_model()
        self.assertEqual(
            rows.mapped("collector_id"), self.manager, "the worklist shows it"
        )
