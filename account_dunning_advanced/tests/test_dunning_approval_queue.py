# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from ast import literal_eval
from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools.misc import format_date

from .common import as_job
from .workspace_common import TODAY, DunningApprovalCommon

FINAL_NOTICE_DAYS = 8


@tagged("post_install", "-at_install")
class TestDunningApprovalQueue(DunningApprovalCommon):
    """Reminders held for approval that became moot leave the queue with
    their reason; approving one says why on screen; a held reminder is
    previewed and sent as of the day it leaves."""

    def _held(self):
        """Walk both customers to the formal level, held for approval."""
        held = self._waiting()
        self.assertEqual(held.partner_id, self.customer | self.other)
        return held.filtered(lambda c: c.partner_id == self.customer), held.filtered(
            lambda c: c.partner_id == self.other
        )

    def _queue(self):
        action = self.env.ref(
            "account_dunning_advanced.dunning_communication_action_to_approve"
        )
        return (
            self.env["dunning.communication"]
            .with_user(self.manager)
            .search(literal_eval(action.domain))
        )

    @freeze_time(TODAY)
    def test_paid_reminder_leaves_the_queue_at_the_next_run(self):
        paid, waiting = self._held()
        self._pay(self.invoice_a, 1000.0, TODAY)
        self._pay(self.invoice_b, 500.0, TODAY)
        as_job(self.env["dunning.run"])._cron_run()
        self.assertEqual(self._queue(), waiting)
        self.assertEqual(paid.state, "cancelled")
        for expected in (
            self.invoice_a.name,
            self.invoice_b.name,
            "Invoice in payment",
        ):
            self.assertIn(expected, paid.cancel_reason)
        self.assertFalse(waiting.cancel_reason)

    @freeze_time(TODAY)
    def test_partly_paid_reminder_stays_with_what_is_left(self):
        held, _waiting = self._held()
        self._pay(self.invoice_a, 1000.0, TODAY)
        as_job(self.env["dunning.run"])._cron_run()
        self.assertIn(held, self._queue())
        self.assertEqual(held.line_ids.move_id, self.invoice_b)
        self.assertEqual(held.amount_due, 500.0)

    @freeze_time(TODAY)
    def test_approving_a_moot_reminder_says_why(self):
        paid, waiting = self._held()
        self._pay(self.invoice_a, 1000.0, TODAY)
        self._pay(self.invoice_b, 500.0, TODAY)
        action = (paid | waiting).with_user(self.manager).action_approve()
        self.assertEqual(action["tag"], "display_notification")
        message = action["params"]["message"]
        self.assertIn(paid.name, message)
        self.assertIn(self.invoice_a.name, message)
        self.assertIn("Invoice in payment", message)
        self.assertNotIn(waiting.name, message)
        self.assertEqual(paid.state, "cancelled")
        self.assertIn(self.invoice_a.name, paid.cancel_reason)
        self.assertEqual(waiting.approved_by_id, self.manager)

    def test_held_reminder_is_previewed_and_sent_as_of_the_day_it_leaves(self):
        with freeze_time(TODAY):
            held, _waiting = self._held()
        later = TODAY + timedelta(days=20)
        with freeze_time(later):
            values = self.env["dunning.reminder.content"]._report_values(held)
            lang = values["lang"]
            self.assertEqual(
                values["date"], format_date(self.env, later, lang_code=lang)
            )
            self.assertEqual(
                values["next_date"],
                format_date(
                    self.env, later + timedelta(days=FINAL_NOTICE_DAYS), lang_code=lang
                ),
                "the deadline counts from today, not from the day it was held",
            )
            held.with_user(self.manager).action_approve()
            self.assertEqual(held.date, later)
