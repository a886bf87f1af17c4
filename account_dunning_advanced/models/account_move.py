# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import _, api, fields, models


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
