# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import as_job, create_dunning_users


@tagged("post_install", "-at_install")
class TestDunningWorklistTour(HttpCase):
    def test_collector_logs_a_promise_from_the_worklist(self):
        company = self.env.company
        collector, _manager = create_dunning_users(self.env, company)
        customer = self.env["res.partner"].create(
            {"name": "Tour Customer SA", "is_company": True, "phone": "+33 1 23"}
        )
        # no collector: the worklist opens on every overdue customer
        today = fields.Date.context_today(customer)
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "invoice_date": today - timedelta(days=50),
                "invoice_date_due": today - timedelta(days=20),
                "invoice_line_ids": [
                    (0, 0, {"name": "Audit", "price_unit": 700.0, "tax_ids": []})
                ],
            }
        )
        invoice.action_post()
        self.start_tour(
            "/odoo/action-account_dunning_advanced.dunning_worklist_action",
            "account_dunning_advanced_worklist",
            login=collector.login,
        )
        promise = customer.dunning_promise_ids
        self.assertRecordValues(
            promise,
            [{"state": "open", "amount": 700.0, "user_id": collector.id}],
        )
        self.assertFalse(
            customer.with_company(company).dunning_paused_until,
            "a promise leaves the collector's own pause alone",
        )
        run = as_job(self.env["dunning.run"])._run_company(
            company, today, "manual", dry_run=False
        )
        self.assertFalse(
            self.env["dunning.communication"].search([("partner_id", "=", customer.id)])
        )
        self.assertEqual(
            set(
                run.log_ids.filtered(lambda log: log.partner_id == customer).mapped(
                    "reason"
                )
            ),
            {"promise"},
        )
