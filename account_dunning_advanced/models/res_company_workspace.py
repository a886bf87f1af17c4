# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    dunning_approval_dispatch = fields.Selection(
        [("immediate", "At once"), ("next_run", "On the next run")],
        string="Approved Reminders Go Out",
        default="immediate",
        required=True,
    )
    dunning_promise_grace_days = fields.Integer(
        string="Promise Grace Days",
        default=3,
        help="Days after a promised payment date, or an instalment date, before "
        "the promise or the plan counts as broken, when the customer's scenario "
        "has no grace days.",
    )


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    dunning_approval_dispatch = fields.Selection(
        related="company_id.dunning_approval_dispatch", readonly=False
    )
    dunning_promise_grace_days = fields.Integer(
        related="company_id.dunning_promise_grace_days", readonly=False
    )
