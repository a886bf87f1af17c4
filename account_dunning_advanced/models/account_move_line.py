# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models

from .dunning_worklist_touch import write_touching


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    dunning_level_id = fields.Many2one(
        related="move_id.dunning_level_id", string="Dunning Stage"
    )
    dunning_dispute = fields.Boolean(related="move_id.dunning_dispute")
    dunning_days_late = fields.Integer(
        string="Days Late", compute="_compute_dunning_days_late"
    )

    def write(self, vals):
        return write_touching(
            self, vals, ("date_maturity", "partner_id", "account_id"), super().write
        )

    def _dunning_touch_worklist(self):
        self.env["dunning.worklist"]._touch_records(
            self.filtered(lambda line: line.parent_state == "posted")
        )

    @api.depends("date_maturity")
    def _compute_dunning_days_late(self):
        today = fields.Date.context_today(self)
        for line in self:
            line.dunning_days_late = (
                (today - line.date_maturity).days if line.date_maturity else 0
            )
