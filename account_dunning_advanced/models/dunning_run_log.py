# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models

SKIP_REASONS = [
    ("in_payment", "Invoice in payment"),
    ("disputed", "Invoice disputed"),
    ("invoice_excluded", "Invoice excluded"),
    ("partner_excluded", "Customer excluded"),
    ("partner_paused", "Customer paused"),
    ("promise", "Promise to pay"),
    ("litigation", "Customer in litigation"),
    ("unreconciled_payment", "Unreconciled payment or credit note"),
    ("below_threshold", "Total due under the minimum amount"),
    ("interval", "Too soon after the previous reminder"),
    ("max_per_30_days", "Maximum reminders per 30 days reached"),
    ("non_business_day", "Not a business day"),
    ("level_sent", "Level already sent"),
    ("no_scenario", "No scenario"),
    ("payment_plan", "Invoice under a payment plan"),
    ("locked", "Customer held by another transaction"),
    ("run_expired", "Run not finished on its day"),
    ("error", "Error"),
    ("einvoice_refused", "Invoice refused or rejected on the e-invoicing platform"),
    ("einvoice_suspended", "Invoice suspended on the e-invoicing platform"),
    ("payment_announced", "Payment announced on the e-invoicing platform"),
    ("declared_paid", "Declared paid by the customer"),
]


class DunningRunLog(models.Model):
    _name = "dunning.run.log"
    _description = "Dunning Run Log"
    _inherit = ["dunning.worklist.touch"]
    _dunning_worklist_fields = ("partner_id", "run_id", "reason")
    _order = "id"

    run_id = fields.Many2one(
        "dunning.run", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="run_id.company_id", store=True)
    partner_id = fields.Many2one("res.partner", string="Customer", index=True)
    move_id = fields.Many2one("account.move", string="Invoice")
    move_line_id = fields.Many2one("account.move.line", string="Item")
    level_id = fields.Many2one("dunning.level")
    reason = fields.Selection(SKIP_REASONS, required=True)
    message = fields.Text()
    amount = fields.Float(string="Amount (company currency)", digits="Account")

    def _dunning_touch_worklist(self):
        # a preview's skips are not the worklist's
        return super(
            DunningRunLog, self.filtered(lambda log: log.run_id.trigger != "preview")
        )._dunning_touch_worklist()
