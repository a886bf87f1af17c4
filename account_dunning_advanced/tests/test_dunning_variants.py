# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import Counter
from datetime import timedelta

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .workspace_common import TODAY, DunningWorkspaceCommon


@tagged("post_install", "-at_install")
class TestDunningVariants(DunningWorkspaceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        friendly = cls.env.ref(
            "account_dunning_advanced.mail_template_dunning_friendly"
        )
        cls.template_a = friendly.copy({"name": "Friendly A"})
        cls.template_b = friendly.copy(
            {
                "name": "Friendly B",
                "subject": "Short and direct: {{ object.name }}",
                "body_html": "<p>Variant B for "
                '<t t-out="object.partner_id.name"/>: please pay.</p>',
            }
        )
        cls.variant_a, cls.variant_b = cls.env["dunning.level.variant"].create(
            [
                {
                    "level_id": cls.level_friendly.id,
                    "name": "A: the usual letter",
                    "mail_template_id": cls.template_a.id,
                },
                {
                    "level_id": cls.level_friendly.id,
                    "name": "B: short",
                    "mail_template_id": cls.template_b.id,
                },
            ]
        )
        cls.customers = cls.env["res.partner"].create(
            [{"name": f"Customer {i}", "is_company": True} for i in range(400)]
        )

    def _assign(self, partners, level=None):
        level = level or self.level_friendly
        assigned = self.env["dunning.level.variant"]._dunning_assign(
            [(partner.id, level.id) for partner in partners]
        )
        return {
            partner: assigned[partner.id, level.id]
            for partner in partners
            if (partner.id, level.id) in assigned
        }

    def test_assignment_stable_and_balanced(self):
        first = self._assign(self.customers)
        self.assertEqual(first, self._assign(self.customers), "same on every run")
        shares = Counter(first.values())
        self.assertEqual(set(shares), {self.variant_a, self.variant_b})
        for variant in (self.variant_a, self.variant_b):
            self.assertGreaterEqual(shares[variant], 160, shares)
            self.assertLessEqual(shares[variant], 240, shares)
        # a third variant takes customers from both, never swaps A and B
        variant_c = self.variant_a.copy({"name": "C"})
        third = self._assign(self.customers)
        moved = [p for p in self.customers if third[p] != first[p]]
        self.assertTrue(moved)
        self.assertTrue(all(third[p] == variant_c for p in moved))
        self.assertGreaterEqual(len(moved), 400 * 0.25, "about a third moves")
        self.assertLessEqual(len(moved), 400 * 0.42)
        # archiving it gives every customer its first variant back
        variant_c.active = False
        self.assertEqual(self._assign(self.customers), first)
        # weights: 3 to 1
        self.variant_a.weight = 3
        shares = Counter(self._assign(self.customers).values())
        self.assertGreaterEqual(shares[self.variant_a], 270, shares)
        self.assertLessEqual(shares[self.variant_a], 330, shares)

    def test_same_variant_on_the_next_run(self):
        invoices = self.invoice_a | self.invoice_b
        for customer in self.customers[:6]:
            customer.with_company(self.company).dunning_scenario_id = self.scenario
            customer.email = f"ap{customer.id}@example.com"
            invoices |= self._overdue_invoice("2026-02-20", 100.0, partner=customer)
        partners = self.customer | self.customers[:6]
        Communication = self.env["dunning.communication"]
        with freeze_time(TODAY):
            self._run(TODAY)
        first = Communication.search([("partner_id", "in", partners.ids)])
        # all paid; a month later, new invoices overdue: reminded again
        for invoice in invoices:
            self._pay(invoice, invoice.amount_residual, TODAY)
        for customer in partners:
            self._overdue_invoice("2026-04-10", 200.0, partner=customer)
        day = TODAY + timedelta(days=30)
        with freeze_time(day):
            self._run(day)
        second = Communication.search(
            [("partner_id", "in", partners.ids), ("id", "not in", first.ids)]
        )
        self.assertEqual(len(second), len(first))
        self.assertEqual(second.level_id, first.level_id)
        variant_of = {comm.partner_id: comm.variant_id for comm in first}
        self.assertEqual(len(set(variant_of.values())), 2)
        self.assertEqual(
            {comm.partner_id: comm.variant_id for comm in second}, variant_of
        )

    def test_level_without_variants_uses_its_template(self):
        self.assertEqual(self._assign(self.customers[:5], self.level_formal), {})
        self.env["dunning.level.variant"].search([]).active = False
        self.assertEqual(self._assign(self.customers[:5]), {})

    @freeze_time(TODAY)
    def test_reminder_sent_with_the_variant_template(self):
        for customer in self.customers[:6]:
            customer.with_company(self.company).dunning_scenario_id = self.scenario
            customer.email = f"ap{customer.id}@example.com"
            self._overdue_invoice("2026-02-20", 100.0, partner=customer)
        partners = self.customer | self.customers[:6]
        expected = self._assign(partners)
        self.assertEqual(
            set(expected.values()),
            {self.variant_a, self.variant_b},
            "both variants among these customers",
        )
        self._run(TODAY)
        comms = self.env["dunning.communication"].search(
            [("partner_id", "in", partners.ids)]
        )
        self.assertEqual(len(comms), 7)
        for comm in comms:
            variant = expected[comm.partner_id]
            self.assertEqual(comm.level_id, self.level_friendly)
            self.assertEqual(comm.variant_id, variant)
            body = str(comm.mail_id.body_html)
            if variant == self.variant_b:
                self.assertEqual(comm.mail_id.subject, f"Short and direct: {comm.name}")
                self.assertIn(
                    f"Variant B for {comm.partner_id.name}: please pay.", body
                )
            else:
                self.assertIn("reminder", comm.mail_id.subject)
                self.assertNotIn("Short and direct", comm.mail_id.subject)
                self.assertNotIn("Variant B", body)

    @freeze_time(TODAY)
    def test_variants_are_managed_by_managers(self):
        with self.assertRaises(AccessError):
            self.env["dunning.level.variant"].with_user(self.collector).create(
                {
                    "level_id": self.level_friendly.id,
                    "name": "C",
                    "mail_template_id": self.template_a.id,
                }
            )
        with self.assertRaises(AccessError):
            self.variant_a.with_user(self.collector).weight = 5
        self.variant_a.with_user(self.manager).weight = 2
        self.assertEqual(self.variant_a.weight, 2)
        # the variant a reminder was sent with is part of what it said
        self._run(TODAY)
        comm = self._communications()
        self.assertEqual(comm.variant_id, self._assign(self.customer)[self.customer])
        with self.assertRaises(AccessError):
            comm.with_user(self.manager).variant_id = (
                self.variant_a | self.variant_b
            ) - comm.variant_id
        # a variant that was sent is archived, not deleted
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            with self.env.cr.savepoint():
                comm.variant_id.unlink()
        comm.variant_id.active = False
        self.assertTrue(comm.variant_id.exists())
