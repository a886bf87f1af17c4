# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .dunning_engine_common import DUE, DunningEngineCommon

NEVER_REMINDED = {
    "dunning_level_id": False,
    "dunning_last_date": False,
    "dunning_count": 0,
}


@tagged("post_install", "-at_install")
class TestDunningInvoiceHistory(DunningEngineCommon):
    """An invoice shows its last level, last reminder date and reminder count,
    derived from the reminders that were not cancelled."""

    def setUp(self):
        super().setUp()
        self.standard.write({"business_days_only": False, "min_interval_days": 0})
        # the final notice would wait for approval: not what this checks
        self.level["final"].needs_approval = False

    def test_run_and_cancel(self):
        invoice = self._invoice(self.customer, DUE - timedelta(days=10))
        other = self._invoice(self.other_customer, DUE + timedelta(days=30))
        first_day, second_day = DUE, DUE + timedelta(days=6)
        with freeze_time(first_day):
            first = self._run(first_day).communication_ids
        self.assertRecordValues(
            invoice,
            [
                {
                    "dunning_level_id": self.level["friendly"].id,
                    "dunning_last_date": first_day,
                    "dunning_count": 1,
                }
            ],
        )
        with freeze_time(second_day):
            second = self._run(second_day).communication_ids
        self.assertEqual(second.level_id, self.level["formal"])
        self.assertRecordValues(
            invoice,
            [
                {
                    "dunning_level_id": self.level["formal"].id,
                    "dunning_last_date": second_day,
                    "dunning_count": 2,
                }
            ],
        )
        # the manager cancels the formal reminder: the invoice goes back to
        # what its customer actually received
        second.write({"state": "cancelled"})
        self.assertRecordValues(
            invoice,
            [
                {
                    "dunning_level_id": self.level["friendly"].id,
                    "dunning_last_date": first_day,
                    "dunning_count": 1,
                }
            ],
        )
        first.write({"state": "cancelled"})
        self.assertRecordValues(
            invoice,
            [NEVER_REMINDED],
        )
        self.assertRecordValues(
            other,
            [NEVER_REMINDED],
        )

    def test_stored_for_searching(self):
        invoice = self._invoice(self.customer, DUE - timedelta(days=10))
        with freeze_time(DUE):
            self._run(DUE)
        found = self.env["account.move"].search(
            [("dunning_level_id", "=", self.level["friendly"].id)]
        )
        self.assertEqual(found, invoice)
        self.assertEqual(
            self.env["account.move"].search(
                [("id", "=", invoice.id), ("dunning_count", "=", 1)]
            ),
            invoice,
        )

    def test_searching_never_reminded_and_by_name(self):
        """The history is read from the reminder lines, not stored on the
        invoice: searching it still finds the invoices never reminded, and
        levels by name, as a filter of the invoice list would."""
        invoice = self._invoice(self.customer, DUE - timedelta(days=10))
        other = self._invoice(self.other_customer, DUE + timedelta(days=30))
        with freeze_time(DUE):
            self._run(DUE)
        both = invoice | other

        def found(domain):
            return self.env["account.move"].search([("id", "in", both.ids), *domain])

        friendly = self.level["friendly"]
        self.assertEqual(found([("dunning_count", "=", 0)]), other)
        self.assertEqual(found([("dunning_count", ">", 0)]), invoice)
        self.assertEqual(found([("dunning_count", "in", [0, 2])]), other)
        self.assertEqual(found([("dunning_level_id", "=", False)]), other)
        self.assertEqual(found([("dunning_level_id", "!=", False)]), invoice)
        self.assertEqual(found([("dunning_level_id", "in", friendly.ids)]), invoice)
        self.assertEqual(found([("dunning_level_id", "not in", friendly.ids)]), other)
        self.assertEqual(found([("dunning_level_id", "ilike", friendly.name)]), invoice)
        self.assertEqual(found([("dunning_last_date", "=", DUE)]), invoice)
        self.assertEqual(
            found([("dunning_last_date", "<", DUE)]), self.env["account.move"]
        )
        self.assertEqual(found([("dunning_last_date", "=", False)]), other)
