# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class DunningRun(models.Model):
    _name = "dunning.run"
    _description = "Dunning Run"
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True, default="/", copy=False)
    date = fields.Date(required=True, default=fields.Date.context_today, readonly=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    trigger = fields.Selection(
        [("scheduled", "Scheduled"), ("manual", "Manual"), ("preview", "Preview")],
        required=True,
        default="manual",
        readonly=True,
    )
    state = fields.Selection(
        [
            ("running", "Running"),
            ("done", "Done"),
            ("failed", "Failed"),
        ],
        default="running",
        required=True,
        readonly=True,
    )
    user_id = fields.Many2one(
        "res.users", default=lambda self: self.env.user, readonly=True
    )
    start_datetime = fields.Datetime(default=fields.Datetime.now, readonly=True)
    end_datetime = fields.Datetime(readonly=True)
    duration = fields.Float(string="Duration (s)", readonly=True, digits=(16, 2))
    partner_count = fields.Integer(string="Customers Processed", readonly=True)
    communication_count = fields.Integer(string="Reminders Created", readonly=True)
    skipped_count = fields.Integer(string="Items Skipped", readonly=True)
    error_count = fields.Integer(string="Errors", readonly=True)
    communication_ids = fields.One2many(
        "dunning.communication", "run_id", string="Reminders"
    )
    log_ids = fields.One2many("dunning.run.log", "run_id", string="Log")
