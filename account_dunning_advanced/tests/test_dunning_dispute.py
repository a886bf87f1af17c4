# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .workspace_common import TODAY, DunningWorkspaceCommon


@tagged("post_install", "-at_install")
class TestDunningDispute(DunningWorkspaceCommon):
    def _open_dispute_from_invoice(self, invoice):
        action = invoice.with_user(self.collector).action_dunning_open_dispute()
        dispute_form = Form(
            self.env["dunning.dispute"]
            .with_user(self.collector)
            .with_context(**action["context"]),
            view=action["views"][0][0],
        )
        dispute_form.reason_id = self.env.ref(
            "account_dunning_advanced.dispute_reason_quality"
        )
        dispute_form.note = "Scratched panels"
        return dispute_form.save()

    @freeze_time(TODAY)
    def test_dispute_blocks_invoice_and_resolution_unblocks(self):
        dispute = self._open_dispute_from_invoice(self.invoice_a)
        self.assertRecordValues(
            self.invoice_a,
            [{"dunning_dispute": True, "dunning_dispute_note": "Scratched panels"}],
        )
        self.assertEqual(self.invoice_a.dunning_dispute_count, 1)
        self._run(TODAY)
        reminded = self._communications().line_ids.move_id
        self.assertEqual(reminded, self.invoice_b)
        log = self.env["dunning.run.log"].search([("move_id", "=", self.invoice_a.id)])
        self.assertIn("disputed", log.mapped("reason"))

        dispute.with_user(self.collector).action_resolve()
        self.assertRecordValues(
            dispute, [{"state": "resolved", "resolution_date": TODAY}]
        )
        self.assertFalse(self.invoice_a.dunning_dispute)
        self._run(TODAY)
        self.assertIn(self.invoice_a, self._communications().line_ids.move_id)

    @freeze_time(TODAY)
    def test_one_open_dispute_per_invoice(self):
        first = self._open_dispute_from_invoice(self.invoice_a)
        with self.assertRaisesRegex(UserError, "already has an open dispute"):
            self._open_dispute_from_invoice(self.invoice_a)
        first.action_reject()
        self.assertFalse(self.invoice_a.dunning_dispute)
        # disputed again once the first is closed
        second = self._open_dispute_from_invoice(self.invoice_a)
        self.assertTrue(self.invoice_a.dunning_dispute)
        with self.assertRaisesRegex(UserError, "already has an open dispute"):
            first.action_reopen()
        second.action_resolve()
        self.assertFalse(self.invoice_a.dunning_dispute)

    @freeze_time(TODAY)
    def test_disputes_from_a_call(self):
        wizard_form = Form(
            self.env["dunning.call.outcome.wizard"]
            .with_user(self.collector)
            .with_context(default_partner_id=self.customer.id)
        )
        wizard_form.outcome = "reached_dispute"
        wizard_form.dispute_move_ids.add(self.invoice_b)
        wizard_form.dispute_reason_id = self.env.ref(
            "account_dunning_advanced.dispute_reason_price"
        )
        wizard_form.save().action_confirm()
        self.assertRecordValues(
            self.customer.dunning_dispute_ids,
            [{"move_id": self.invoice_b.id, "state": "open"}],
        )
        self.assertTrue(self.invoice_b.dunning_dispute)
        self.assertIn("Call outcome", self.customer.message_ids[0].body)
        row = self.env["dunning.worklist"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(row.dispute_count, 1)
