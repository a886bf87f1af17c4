# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date, timedelta

from odoo.tests import tagged

from .dunning_engine_common import DUE, DunningEngineCommon


@tagged("post_install", "-at_install")
class TestDunningConsolidation(DunningEngineCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.standard.write({"business_days_only": False, "min_interval_days": 0})
        cls.eur = cls.setup_other_currency("EUR", rates=[("2026-01-01", 2.0)])

    def _seed_history(self, invoice, level, day):
        """The invoice already reached ``level`` in an earlier run."""
        run = self._run(day)
        self.assertEqual(run.communication_ids.line_ids.move_id, invoice)
        self.assertEqual(run.communication_ids.level_id, level)

    def test_one_reminder_listing_items_at_their_own_stage(self):
        courtesy = self._invoice(self.customer, DUE + timedelta(days=2), 100.0)
        friendly = self._invoice(self.customer, DUE - timedelta(days=6), 200.0)
        late = self._invoice(self.customer, DUE - timedelta(days=20), 300.0)
        # the oldest invoice already had its friendly reminder
        self._seed_history(late, self.level["friendly"], DUE - timedelta(days=10))
        comm = self._run(DUE).communication_ids
        self.assertEqual(len(comm), 1, "one reminder for the customer")
        self.assertRecordValues(
            comm,
            [
                {
                    "partner_id": self.customer.id,
                    "level_id": self.level["formal"].id,
                    "tone": "formal",
                    "channel_email": True,
                    "channel_letter": True,
                    "amount_due": 600.0,
                }
            ],
        )
        stages = {line.move_id: line.level_id for line in comm.line_ids}
        self.assertEqual(
            stages,
            {
                courtesy: self.level["courtesy"],
                friendly: self.level["friendly"],
                late: self.level["formal"],
            },
        )
        self.assertEqual(
            {line.move_id: line.days_late for line in comm.line_ids},
            {courtesy: -2, friendly: 6, late: 20},
        )

    def test_one_reminder_per_invoice_when_configured(self):
        self.standard.consolidation = "invoice"
        first = self._invoice(self.customer, DUE - timedelta(days=6), 100.0)
        second = self._invoice(self.customer, DUE - timedelta(days=7), 200.0)
        comms = self._run(DUE).communication_ids
        self.assertEqual(len(comms), 2)
        self.assertEqual({comm.line_ids.move_id for comm in comms}, {first, second})

    def test_instalments_are_reminded_on_their_own_due_dates(self):
        terms = self.env["account.payment.term"].create(
            {
                "name": "Half now, half in 30 days",
                "line_ids": [
                    (0, 0, {"value": "percent", "value_amount": 50.0, "nb_days": 0}),
                    (0, 0, {"value": "percent", "value_amount": 50.0, "nb_days": 30}),
                ],
            }
        )
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": date(2026, 3, 1),
                "invoice_payment_term_id": terms.id,
                "invoice_line_ids": [
                    (0, 0, {"name": "Work", "price_unit": 1000.0, "tax_ids": []})
                ],
            }
        )
        invoice.action_post()
        comm = self._run(date(2026, 3, 6)).communication_ids
        self.assertRecordValues(
            comm.line_ids,
            [
                {
                    "date_maturity": date(2026, 3, 1),
                    "level_id": self.level["friendly"].id,
                    "amount_residual": 500.0,
                }
            ],
        )
        comm = self._run(date(2026, 3, 28)).communication_ids
        self.assertRecordValues(
            comm.line_ids.sorted("date_maturity"),
            [
                {
                    "date_maturity": date(2026, 3, 1),
                    "level_id": self.level["formal"].id,
                    "amount_residual": 500.0,
                },
                {
                    "date_maturity": date(2026, 3, 31),
                    "level_id": self.level["courtesy"].id,
                    "amount_residual": 500.0,
                },
            ],
        )

    def test_two_currencies(self):
        self._invoice(self.customer, DUE - timedelta(days=6), 100.0)
        self._invoice(self.customer, DUE - timedelta(days=6), 300.0, currency=self.eur)
        comm = self._run(DUE).communication_ids
        self.assertEqual(len(comm), 1)
        lines = {line.currency_id: line for line in comm.line_ids}
        self.assertEqual(lines[self.eur].amount_residual_currency, 300.0)
        self.assertEqual(lines[self.eur].amount_residual, 150.0, "company currency")
        self.assertEqual(comm.amount_due, 250.0)
        self.assertEqual(
            [(cur, amount) for cur, amount in comm._amounts_by_currency()],
            sorted(
                [(self.company.currency_id, 100.0), (self.eur, 300.0)],
                key=lambda kv: kv[0].name,
            ),
        )

    def test_invoice_contact_receives_the_reminder(self):
        contact = self.env["res.partner"].create(
            {
                "name": "Accounts payable",
                "type": "invoice",
                "parent_id": self.customer.id,
                "email": "ap@durand.example",
            }
        )
        self._invoice(self.customer, DUE - timedelta(days=6))
        comm = self._run(DUE).communication_ids
        self.assertEqual(comm.contact_id, contact)
        self.assertEqual(comm.mail_id.recipient_ids, contact)
