# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from freezegun import freeze_time
from lxml import html

from odoo.tests import Form, tagged
from odoo.tools.misc import formatLang

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
        # the invoices column of the list
        self.assertEqual(wizard.line_ids.move_ids, self.invoice)

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
    def test_run_preview_lists_the_largest_customers_and_counts_all(self):
        """The dry run lists the lines of its first customers only (a system
        parameter; 200 by default): the dialog says how many customers it
        does not show, and its totals and levels count every customer."""
        paused = self._customer("Petit SAS")
        self._invoice(paused, DUE - timedelta(days=6), 300.0)
        paused.with_company(self.company)._dunning_set_pause(DUE + timedelta(days=30))
        self.env["ir.config_parameter"].sudo().set_param(
            "account_dunning_advanced.preview_customer_limit", 1
        )
        wizard = self.env["dunning.run.wizard"].create(
            {"date": DUE, "company_id": self.company.id}
        )
        wizard.action_run()
        # the largest amount to remind: 1,000 of Martin SARL before 700
        self.assertEqual(wizard.line_ids.partner_id, self.other_customer)
        self.assertRecordValues(
            wizard,
            [
                {
                    "reminder_count": 2,
                    "amount_to_send": 1700.0,
                    "amount_skipped": 300.0,
                    "preview_hidden_count": 2,
                    "preview_summary": "2 reminder(s) to send; "
                    "1 customer(s) skipped.",
                    "preview_hidden_message": "2 more customers not shown: the "
                    "list shows the 1 customers with the largest amounts, "
                    "reminded ones first; the totals count every customer.",
                }
            ],
        )
        rows = [
            [cell.text_content() for cell in row]
            for row in html.fromstring(wizard.preview_levels).xpath("//tbody/tr")
        ]
        self.assertEqual(
            rows,
            [
                [
                    self.level["friendly"]
                    .with_context(dunning_level_with_scenario=True)
                    .display_name,
                    "Email",
                    "2",
                    "2",
                    formatLang(self.env, 1700.0, currency_obj=self.company.currency_id),
                ]
            ],
        )

        self.env["ir.config_parameter"].sudo().set_param(
            "account_dunning_advanced.preview_customer_limit", 200
        )
        wizard.action_run()
        self.assertEqual(
            wizard.line_ids.partner_id, self.customer | self.other_customer | paused
        )
        self.assertRecordValues(
            wizard,
            [
                {
                    "reminder_count": 2,
                    "amount_to_send": 1700.0,
                    "amount_skipped": 300.0,
                    "preview_hidden_count": 0,
                    "preview_hidden_message": False,
                }
            ],
        )

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
