# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import tagged

from .dunning_dispatch_common import DunningDispatchCommon


@tagged("post_install", "-at_install")
class TestDunningActivityAssignment(DunningDispatchCommon):
    """Dunning activities always reach a person who can act on them."""

    def _fail_letter(self, customer):
        """A reminder whose only channel cannot reach the customer: the collector
        gets a to-do to complete the address."""
        customer.write({"email": False, "street": False})
        comm = self._communication(customer, "friendly")
        self.env["dunning.dispatch"]._apply_channel_fallbacks(comm)
        return customer.activity_ids

    def test_chain_when_the_customer_has_no_collector(self):
        partner = self.customer_en.with_company(self.company)
        partner.dunning_collector_id = False
        odoobot = self.env.ref("base.user_root")
        salesperson = self.manager.copy({"login": "sales@lumiere.example"})
        partner.user_id = salesperson
        self.assertEqual(partner._dunning_collector(), salesperson)
        salesperson.active = False
        dunning_manager = self.manager.copy({"login": "dm@lumiere.example"})
        self.company.dunning_manager_id = dunning_manager
        activity = self._fail_letter(self.customer_en)
        self.assertEqual(activity.user_id, dunning_manager)
        self.assertNotEqual(activity.user_id, odoobot)

    def test_typology_collector_before_salesperson(self):
        partner = self.customer_en.with_company(self.company)
        partner.dunning_collector_id = False
        typology = self.env["dunning.typology"].create(
            {"name": "Export", "code": "EXP", "collector_id": self.manager.id}
        )
        partner.write(
            {"dunning_typology_id": typology.id, "user_id": self.collector.id}
        )
        self.assertEqual(self._fail_letter(self.customer_en).user_id, self.manager)

    def test_archived_collector_is_skipped(self):
        self.collector.active = False
        self.company.dunning_manager_id = self.manager
        activity = self._fail_letter(self.customer_en)
        self.assertEqual(activity.user_id, self.manager)

    def test_reassigning_the_collector_moves_open_activities(self):
        activity = self._fail_letter(self.customer_en)
        self.assertEqual(activity.user_id, self.collector)
        other_activity = self.customer_en.activity_schedule(
            "mail.mail_activity_data_todo", user_id=self.collector.id, summary="Mine"
        )
        self.customer_en.with_company(self.company).dunning_collector_id = self.manager
        self.assertEqual(activity.user_id, self.manager)
        # an activity that is not a dunning one stays with its owner
        self.assertEqual(other_activity.user_id, self.collector)

    def test_one_todo_per_customer_and_day(self):
        self.customer_en.write({"email": False, "street": False})
        first = self._communication(self.customer_en, "friendly")
        second = self._communication(self.customer_en, "formal")
        self.env["dunning.dispatch"]._apply_channel_fallbacks(first | second)
        third = self._communication(self.customer_en, "final")
        self.env["dunning.dispatch"]._apply_channel_fallbacks(third)
        activity = self.customer_en.activity_ids
        self.assertEqual(len(activity), 1)
        for comm in first | second | third:
            self.assertIn(comm.name, str(activity.note))
