# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import _, api, fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    dunning_dispute_ids = fields.One2many(
        "dunning.dispute", "move_id", string="Disputes"
    )
    dunning_dispute_count = fields.Integer(compute="_compute_dunning_dispute_count")

    @api.depends("dunning_dispute_ids")
    def _compute_dunning_dispute_count(self):
        groups = self.env["dunning.dispute"]._read_group(
            [("move_id", "in", self.ids)], ["move_id"], ["__count"]
        )
        counts = {move.id: count for move, count in groups}
        for move in self:
            move.dunning_dispute_count = counts.get(move.id, 0)

    def action_dunning_open_dispute(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Open Dispute"),
            "res_model": "dunning.dispute",
            "view_mode": "form",
            "views": [
                (
                    self.env.ref(
                        "account_dunning_advanced.dunning_dispute_view_form_quick"
                    ).id,
                    "form",
                )
            ],
            "target": "new",
            "context": {"default_move_id": self.id},
        }

    def action_dunning_view_disputes(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Disputes"),
            "res_model": "dunning.dispute",
            "view_mode": "list,form",
            "domain": [("move_id", "=", self.id)],
            "context": {"default_move_id": self.id},
        }


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    dunning_level_id = fields.Many2one(
        related="move_id.dunning_level_id", string="Dunning Stage"
    )
    dunning_dispute = fields.Boolean(related="move_id.dunning_dispute")
    dunning_days_late = fields.Integer(
        string="Days Late", compute="_compute_dunning_days_late"
    )

    @api.depends("date_maturity")
    def _compute_dunning_days_late(self):
        today = fields.Date.context_today(self)
        for line in self:
            line.dunning_days_late = (
                (today - line.date_maturity).days if line.date_maturity else 0
            )
