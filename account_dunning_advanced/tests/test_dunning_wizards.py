# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import Form, tagged

from .common import as_job
from .dunning_engine_common import DUE, DunningEngineCommon

REQUESTED_CRON = "account_dunning_advanced.ir_cron_dunning_requested_runs"


@tagged("post_install", "-at_install")
class TestDunningWizards(DunningEngineCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.standard.business_days_only = False
        cls.invoice = cls._invoice(cls.customer, DUE - timedelta(days=6), 700.0)
        cls.other_invoice = cls._invoice(cls.other_customer, DUE - timedelta(days=6))

    def _counts(self):
        return (
            self.env["dunning.communication"].search_count([]),
            self.env["dunning.run"].search_count([]),
            self.env["mail.mail"].search_count([]),
        )

    @freeze_time(DUE)
    def test_preview_from_invoices_creates_nothing(self):
        before = self._counts()
        action = self.env["dunning.send.wizard"].action_open(self.invoice, "preview")
        wizard = self.env["dunning.send.wizard"].browse(action["res_id"])
        self.assertEqual(wizard.partner_ids, self.customer)
        wizard.date = DUE + timedelta(days=10)
        wizard.action_preview()
        self.assertEqual(self._counts(), before, "no reminder, no run, no email")
        self.assertRecordValues(
            wizard.line_ids,
            [
                {
                    "partner_id": self.customer.id,
                    "level_id": self.level["friendly"].id,
                    "channels": "Email",
                    "amount_due": 700.0,
                    "skip_reason": False,
                }
            ],
        )
        self.assertIn(self.invoice.name, wizard.line_ids.items)

    def _send(self, wizard):
        """Send reminder now: the request records the run, the scheduled job
        does it."""
        wizard.action_send()
        self.assertFalse(wizard.run_id.communication_ids)
        self.env.ref(
            "account_dunning_advanced.ir_cron_dunning_requested_runs"
        ).method_direct_trigger()

    @freeze_time(DUE)
    def test_send_now_from_customer_with_interval_bypass(self):
        self.env["dunning.send.wizard"].action_open(self.customer, "send")
        wizard = self.env["dunning.send.wizard"].search([], order="id desc", limit=1)
        self._send(wizard)
        self.assertEqual(wizard.run_id.communication_ids.partner_id, self.customer)
        self.assertFalse(self._comms(self.other_customer), "only the chosen customer")
        # a new invoice reaching its courtesy level: too soon without the option
        self._invoice(self.customer, DUE + timedelta(days=2), 50.0)
        again = self.env["dunning.send.wizard"].create(
            {"partner_ids": [(6, 0, self.customer.ids)], "mode": "send"}
        )
        self._send(again)
        self.assertFalse(again.run_id.communication_ids)
        self.assertEqual(again.run_id.log_ids.reason, "interval")
        forced = self.env["dunning.send.wizard"].create(
            {
                "partner_ids": [(6, 0, self.customer.ids)],
                "mode": "send",
                "bypass_interval": True,
            }
        )
        self._send(forced)
        self.assertEqual(
            forced.run_id.communication_ids.level_id, self.level["courtesy"]
        )

    @freeze_time(DUE)
    def test_run_wizard_dry_then_real(self):
        before = self._counts()
        form = Form(self.env["dunning.run.wizard"])
        form.dry_run = True
        wizard = form.save()
        wizard.action_run()
        self.assertEqual(self._counts(), before)
        self.assertEqual(
            wizard.line_ids.partner_id, self.customer | self.other_customer
        )
        wizard.dry_run = False
        action = wizard.action_run()
        run = self.env["dunning.run"].browse(action["res_id"])
        # the request records the run; the scheduled job does it
        self.assertRecordValues(run, [{"state": "running", "trigger": "manual"}])
        self.assertFalse(run.communication_ids)
        self.env.ref(REQUESTED_CRON).method_direct_trigger()
        self.assertRecordValues(
            run,
            [{"state": "done", "trigger": "manual", "communication_count": 2}],
        )
        self.assertEqual(run.communication_ids.partner_id, wizard.line_ids.partner_id)

    @freeze_time(DUE)
    def test_cron_and_partner_status(self):
        cron = self.env.ref("account_dunning_advanced.ir_cron_dunning_run")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "days"))
        self.env["dunning.run"].search([]).unlink()
        cron.method_direct_trigger()
        run = self.env["dunning.run"].search([("company_id", "=", self.company.id)])
        self.assertEqual(run.trigger, "scheduled")
        self.assertEqual(
            run.communication_ids.partner_id, self.customer | self.other_customer
        )
        customer = self.customer.with_company(self.company)
        customer.invalidate_recordset()
        self.assertRecordValues(
            customer,
            [
                {
                    "dunning_overdue_amount": 700.0,
                    "dunning_days_late": 6,
                    "dunning_level_id": self.level["friendly"].id,
                    "dunning_last_date": DUE,
                    # the formal level is due at +15 days: 9 days from now
                    "dunning_next_date": DUE + timedelta(days=9),
                }
            ],
        )

    @freeze_time(DUE)
    def test_cli_summary(self):
        summary = as_job(self.env["dunning.run"])._cli_demo_summary()
        self.assertIn(self.company.name, summary)
        self.assertIn("Friendly reminder", summary)
        self.assertIn("email", summary)
