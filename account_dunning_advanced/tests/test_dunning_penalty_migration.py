# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import importlib.util
from pathlib import Path

from freezegun import freeze_time

from odoo.tests import tagged

from .dunning_dispatch_common import TODAY, DunningDispatchCommon

SCRIPT = (
    Path(__file__).parents[1]
    / "migrations"
    / "18.0.2.2.0"
    / "post-penalty_lines_backfill.py"
)
LINE_FIGURES = [
    "penalty_interest",
    "penalty_indemnity",
    "penalty_interest_currency",
    "penalty_indemnity_currency",
]


def migrate(env):
    """The undecorated ``migrate(env, version)`` of the backfill, as an
    upgrade from 18.0.2.1.0 runs it."""
    spec = importlib.util.spec_from_file_location("penalty_backfill", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.migrate.__wrapped__(env, "18.0.2.1.0")


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestDunningPenaltyMigration(DunningDispatchCommon):
    """18.0.2.1.0 -> 18.0.2.2.0: reminders made before penalties were frozen
    per item in the invoice's currency get those figures, and say of their
    penalties what a reminder made by today's run says, in the customer's
    currencies (a French formal reminder of an invoice in EUR, 39 days late,
    and one in USD, 13 days late)."""

    def _reminder_as_made_today(self):
        comm = self._communication(self.customer_fr, "formal", penalties=True)
        lines = comm.line_ids.sorted(lambda ln: (ln.date_maturity, ln.id))
        figures = lines.read(LINE_FIGURES)
        text = self._penalty_text(comm)
        return comm, lines, figures, text

    def _penalty_text(self, comm):
        values = self.env["dunning.reminder.content"]._report_values(comm)
        return values["penalties"]

    def _set_lines(self, lines, **columns):
        """Old data, as an earlier release left it in the database."""
        self.env.flush_all()
        assignments = ", ".join(f"{column} = %s" for column in columns)
        self.env.cr.execute(
            f"UPDATE dunning_communication_line SET {assignments} WHERE id = ANY(%s)",
            [*columns.values(), lines.ids],
        )
        self.env.invalidate_all()

    def test_items_in_company_currency_get_their_invoice_currency(self):
        """18.0.1.0.0 froze each item's penalties in company currency only."""
        comm, lines, figures, text = self._reminder_as_made_today()
        # what today's run writes: interest and indemnity per currency
        self.assertEqual(
            [(f["penalty_interest"], f["penalty_interest_currency"]) for f in figures],
            [(16.03, 16.03), (5.41, 10.82)],
        )
        self.assertEqual(
            [f["penalty_indemnity_currency"] for f in figures], [40.0, 80.0]
        )
        self._set_lines(
            lines, penalty_interest_currency=None, penalty_indemnity_currency=None
        )
        # the fallback is gone: without the migration no penalty is told
        self.assertFalse(self._penalty_text(comm))
        migrate(self.env)
        self.assertRecordValues(lines, figures)
        self.assertEqual(self._penalty_text(comm), text)
        mail = self.env["dunning.channel.email"]._create_mails(comm)
        body = str(mail.body_html)
        for expected in ("16,03\xa0€", "40,00\xa0€", "$\xa010,82", "$\xa080,00"):
            self.assertIn(expected, body)

    def test_penalties_of_the_reminder_shared_out_on_its_late_items(self):
        """Reminders made before penalties were frozen per item carried them
        on the reminder alone."""
        comm, lines, figures, text = self._reminder_as_made_today()
        totals = comm.read(["penalty_interest", "penalty_indemnity"])[0]
        self.assertEqual(
            (totals["penalty_interest"], totals["penalty_indemnity"]), (21.44, 80.0)
        )
        self._set_lines(
            lines,
            penalty_interest=0,
            penalty_indemnity=0,
            penalty_interest_currency=None,
            penalty_indemnity_currency=None,
        )
        self.assertFalse(self._penalty_text(comm))
        migrate(self.env)
        self.assertRecordValues(lines, figures)
        self.assertRecordValues(
            comm, [{"penalty_interest": 21.44, "penalty_indemnity": 80.0}]
        )
        self.assertEqual(self._penalty_text(comm), text)

    def test_reminders_of_today_untouched(self):
        comm, lines, figures, text = self._reminder_as_made_today()
        without = self._communication(self.customer_en, "friendly")
        migrate(self.env)
        migrate(self.env)
        self.assertRecordValues(lines, figures)
        self.assertEqual(self._penalty_text(comm), text)
        self.assertRecordValues(
            without.line_ids, [dict.fromkeys(LINE_FIGURES, 0.0)] * 2
        )
