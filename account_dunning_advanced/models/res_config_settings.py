# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    dunning_scenario_id = fields.Many2one(
        related="company_id.dunning_scenario_id", readonly=False
    )
    dunning_email = fields.Char(related="company_id.dunning_email", readonly=False)
    dunning_penalty_rate = fields.Float(
        related="company_id.dunning_penalty_rate", readonly=False
    )
    dunning_penalty_rate_date = fields.Date(
        related="company_id.dunning_penalty_rate_date", readonly=False
    )
    dunning_penalty_rate_warning = fields.Char(
        related="company_id.dunning_penalty_rate_warning"
    )
    dunning_signature = fields.Text(
        related="company_id.dunning_signature", readonly=False
    )
    dunning_penalty_points = fields.Float(
        related="company_id.dunning_penalty_points", readonly=False
    )
    dunning_penalty_indemnity = fields.Float(
        related="company_id.dunning_penalty_indemnity", readonly=False
    )

    dunning_approval_dispatch = fields.Selection(
        related="company_id.dunning_approval_dispatch", readonly=False
    )
    dunning_promise_grace_days = fields.Integer(
        related="company_id.dunning_promise_grace_days", readonly=False
    )
    dunning_token_validity_days = fields.Integer(
        related="company_id.dunning_token_validity_days", readonly=False
    )
    dunning_manager_id = fields.Many2one(
        related="company_id.dunning_manager_id", readonly=False
    )
