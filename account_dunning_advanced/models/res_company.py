# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    dunning_scenario_id = fields.Many2one(
        "dunning.scenario",
        string="Default Dunning Scenario",
        help="Scenario of the customers with neither typology nor scenario.",
    )
    dunning_email = fields.Char(
        string="Reminder Email Address",
        help="Sender of the reminders. Empty: the collector, else the company.",
    )
    dunning_penalty_rate = fields.Float(
        string="Reference Rate (%)",
        digits=(16, 3),
        default=2.15,
        help="ECB main refinancing operations rate applicable to the half-year.",
    )
    dunning_penalty_rate_date = fields.Date(
        string="Reference Rate Valid From",
        default="2025-06-11",
    )
    dunning_penalty_points = fields.Float(
        string="Added Points",
        digits=(16, 3),
        default=10.0,
        help="Points added to the reference rate (art. L.441-10: at least 10).",
    )
    dunning_penalty_indemnity = fields.Float(
        string="Fixed Recovery Indemnity",
        digits="Account",
        default=40.0,
        help="In company currency, once per late invoice (art. D.441-5: EUR 40).",
    )
    dunning_batch_size = fields.Integer(
        string="Customers per Batch",
        default=200,
        help="The scheduled run commits after each batch of this many customers.",
    )

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
