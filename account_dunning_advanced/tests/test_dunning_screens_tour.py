# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common import as_job, create_dunning_users


@tagged("post_install", "-at_install")
class TestDunningScreensTour(HttpCase):
    """The manager's approval and the accountant's level preview, as seen in
    the browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.collector, cls.manager = create_dunning_users(cls.env, cls.company)
        cls.manager.email = "marc@example.com"
        cls.today = fields.Date.context_today(cls.manager)
        cls.scenario = cls.env["dunning.scenario"].create(
            {
                "name": "Tour Scenario",
                "company_id": cls.company.id,
                "min_interval_days": 0,
                "business_days_only": False,
                "level_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Tour Friendly",
                            "offset_days": 5,
                            "tone": "friendly",
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "name": "Tour Formal",
                            "offset_days": 30,
                            "tone": "formal",
                            "channel_letter": True,
                            "needs_approval": True,
                        },
                    ),
                ],
            }
        )

    def _customer_with_overdue_invoice(self, name, days_late):
        customer = self.env["res.partner"].create(
            {"name": name, "is_company": True, "email": "ap@customer.example"}
        )
        customer.with_company(self.company).dunning_scenario_id = self.scenario
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "invoice_date": self.today - timedelta(days=days_late + 30),
                "invoice_date_due": self.today - timedelta(days=days_late),
                "invoice_line_ids": [
                    (0, 0, {"name": "Audit", "price_unit": 900.0, "tax_ids": []})
                ],
            }
        )
        invoice.action_post()
        return customer

    def test_manager_previews_the_letter_then_approves(self):
        customer = self._customer_with_overdue_invoice("Approval Customer SA", 40)
        # the friendly level went out already: the formal one is next
        as_job(self.env["dunning.run"])._run_company(
            self.company, self.today - timedelta(days=30), "manual", dry_run=False
        )
        as_job(self.env["dunning.run"])._run_company(
            self.company, self.today, "manual", dry_run=False
        )
        reminder = self.env["dunning.communication"].search(
            [("partner_id", "=", customer.id), ("state", "=", "to_approve")]
        )
        self.assertEqual(len(reminder), 1)
        self.assertFalse(reminder.letter_attachment_id)
        self.start_tour(
            "/odoo/action-account_dunning_advanced.dunning_communication_action_to_approve",
            "account_dunning_advanced_approval",
            login=self.manager.login,
        )
        self.assertEqual(reminder.approved_by_id, self.manager)
        self.assertNotEqual(reminder.state, "to_approve")
        self.assertFalse(
            self.env["ir.attachment"].search(
                [
                    ("res_model", "=", "dunning.communication"),
                    ("res_id", "=", reminder.id),
                    ("create_date", "<", reminder.approved_datetime),
                ]
            ),
            "the letter previewed before approval is not stored",
        )

    def test_accountant_edits_a_level_and_previews_its_email(self):
        customer = self._customer_with_overdue_invoice("Level Customer SA", 10)
        mails_before = self.env["mail.mail"].search_count([])
        self.start_tour(
            "/odoo/action-account_dunning_advanced.dunning_scenario_action",
            "account_dunning_advanced_level_preview",
            login=self.manager.login,
        )
        self.assertIn("Tour Friendly Reminder", self.scenario.level_ids.mapped("name"))
        self.assertFalse(
            self.env["dunning.communication"].search(
                [("partner_id", "=", customer.id)]
            ),
            "a preview creates no reminder",
        )
        self.assertEqual(self.env["mail.mail"].search_count([]), mails_before)

    @mute_logger("odoo.http")
    def test_rpc_cannot_change_an_approved_reminder(self):
        customer = self._customer_with_overdue_invoice("Approval Customer SA", 40)
        self.company.dunning_approval_dispatch = "next_run"
        as_job(self.env["dunning.run"])._run_company(
            self.company, self.today - timedelta(days=30), "manual", dry_run=False
        )
        as_job(self.env["dunning.run"])._run_company(
            self.company, self.today, "manual", dry_run=False
        )
        reminder = self.env["dunning.communication"].search(
            [("partner_id", "=", customer.id), ("state", "=", "to_approve")]
        )
        reminder.with_user(self.manager).action_approve()
        line = reminder.line_ids
        amount = line.amount_residual
        self.authenticate(self.manager.login, self.manager.login)
        for model, record, values in (
            ("dunning.communication.line", line, {"amount_residual": 1.0}),
            ("dunning.communication", reminder, {"line_ids": [(2, line.id)]}),
            ("dunning.communication", reminder, {"channel_letter": False}),
        ):
            with self.subTest(model=model, values=values):
                with self.assertRaises(JsonRpcException):
                    self.make_jsonrpc_request(
                        f"/web/dataset/call_kw/{model}/write",
                        {
                            "model": model,
                            "method": "write",
                            "args": [record.ids, values],
                            "kwargs": {},
                        },
                    )
        line.invalidate_recordset()
        reminder.invalidate_recordset()
        self.assertEqual(line.amount_residual, amount)
        self.assertEqual(reminder.line_ids, line)
        self.assertTrue(reminder.channel_letter)
