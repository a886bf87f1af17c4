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
    dunning_payment_announced_days = fields.Integer(
        related="company_id.dunning_payment_announced_days", readonly=False
    )
    dunning_token_validity_days = fields.Integer(
        related="company_id.dunning_token_validity_days", readonly=False
    )
    dunning_declared_paid_days = fields.Integer(
        related="company_id.dunning_declared_paid_days", readonly=False
    )
    dunning_manager_id = fields.Many2one(
        related="company_id.dunning_manager_id", readonly=False
    )
    dunning_envelope_standard = fields.Selection(
        related="company_id.dunning_envelope_standard", readonly=False
    )
    dunning_address_left = fields.Float(
        related="company_id.dunning_address_left", readonly=False
    )
    dunning_address_top = fields.Float(
        related="company_id.dunning_address_top", readonly=False
    )
    dunning_address_width = fields.Float(related="company_id.dunning_address_width")
    dunning_address_height = fields.Float(related="company_id.dunning_address_height")
    dunning_email_domain_hourly_limit = fields.Integer(
        string="Reminder Emails per Domain and Hour",
        config_parameter="account_dunning_advanced.email_domain_hourly_limit",
        help="At most this many reminder emails to one recipient domain (the "
        "part after @) per hour; the others wait in the mail queue and leave "
        "on its next passes, in order. 0: no limit.",
    )
