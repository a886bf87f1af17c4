# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    dunning_dispute = fields.Boolean(
        string="Disputed",
        copy=False,
        tracking=True,
        help="While set, this invoice is never reminded.",
    )
    dunning_dispute_reason_id = fields.Many2one(
        "dunning.dispute.reason", string="Dispute Reason", copy=False
    )
    dunning_dispute_note = fields.Text(string="Dispute Note", copy=False)
    dunning_excluded = fields.Boolean(
        string="Excluded From Dunning", copy=False, tracking=True
    )
    dunning_level_id = fields.Many2one(
        "dunning.level", string="Last Dunning Level", copy=False, readonly=True
    )
    dunning_last_date = fields.Date(
        string="Last Reminder Date", copy=False, readonly=True
    )
    dunning_count = fields.Integer(string="Reminder Count", copy=False, readonly=True)
    dunning_line_ids = fields.One2many(
        "dunning.communication.line", "move_id", string="Reminder History"
    )
