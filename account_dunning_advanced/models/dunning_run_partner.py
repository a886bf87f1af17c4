# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class DunningRunPartner(models.Model):
    """A customer a run planned and has not reminded yet: the run's work
    left, so that a run cut into slices (or killed with its worker) resumes
    where it stopped. Rows go once their customer is reminded or logged."""

    _name = "dunning.run.partner"
    _description = "Customer Left to a Dunning Run"
    _order = "attempts, id"
    _log_access = False

    run_id = fields.Many2one(
        "dunning.run", required=True, ondelete="cascade", index=True
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, ondelete="cascade"
    )
    attempts = fields.Integer(
        readonly=True,
        help="Times the customer was found held by another transaction.",
    )
    retry_datetime = fields.Datetime(
        string="Retry After",
        readonly=True,
        help="A customer held by another transaction is tried again after this.",
    )

    _sql_constraints = [
        (
            "run_partner_uniq",
            "UNIQUE(run_id, partner_id)",
            "A customer is planned once per run.",
        )
    ]
