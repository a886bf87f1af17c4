# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import tagged

from .common import as_job
from .dunning_dispatch_common import DunningDispatchCommon


@tagged("post_install", "-at_install")
class TestDunningRecheck(DunningDispatchCommon):
    """What changed since a reminder was made is checked again before anything
    reaches the customer."""

    def _pay(self, invoice):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()

    def test_paid_invoice_dropped_before_the_email(self):
        eur_invoice, usd_invoice = self.invoices[self.customer_en]
        comm = self._communication(self.customer_en, "friendly")
        self._pay(eur_invoice)
        as_job(comm)._dispatch()
        self.assertEqual(comm.line_ids.move_id, usd_invoice)
        self.assertEqual(comm.amount_due, usd_invoice.amount_residual_signed)
        body = str(comm.mail_id.body_html)
        self.assertIn(usd_invoice.name, body)
        self.assertNotIn(eur_invoice.name, body)
        self.assertIn(eur_invoice.name, comm.message_ids[:1].body)

    def test_disputed_invoice_dropped(self):
        eur_invoice, usd_invoice = self.invoices[self.customer_en]
        comm = self._communication(self.customer_en, "friendly")
        self.env["dunning.dispute"].create(
            {
                "move_id": usd_invoice.id,
                "reason_id": self.env.ref(
                    "account_dunning_advanced.dispute_reason_quality"
                ).id,
            }
        )
        as_job(comm)._dispatch()
        self.assertEqual(comm.line_ids.move_id, eur_invoice)
        self.assertNotIn(usd_invoice.name, str(comm.mail_id.body_html))

    def test_final_notice_approved_after_payment_goes_nowhere(self):
        comm = self._communication(
            self.customer_en, "final", state="to_approve", channel_letter=True
        )
        for invoice in self.invoices[self.customer_en]:
            self._pay(invoice)
        comm.with_user(self.manager).action_approve()
        self.assertEqual(comm.state, "cancelled")
        self.assertFalse(comm.mail_id)
        self.assertFalse(comm.letter_attachment_id)
        self.assertFalse(comm.line_ids)
        self.assertIn("changed since the reminder was made", comm.message_ids[0].body)
