# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import _, api, fields, models
from odoo.tools import SQL


class AccountMove(models.Model):
    _inherit = "account.move"

    dunning_dispute = fields.Boolean(
        string="Disputed",
        compute="_compute_dunning_dispute",
        search="_search_dunning_dispute",
        help="An open dispute: while there is one, this invoice is never reminded.",
    )
    dunning_dispute_reason_id = fields.Many2one(
        "dunning.dispute.reason",
        string="Dispute Reason",
        compute="_compute_dunning_dispute",
    )
    dunning_dispute_note = fields.Text(
        string="Dispute Note", compute="_compute_dunning_dispute"
    )
    dunning_excluded = fields.Boolean(
        string="Excluded From Dunning", copy=False, tracking=True
    )
    dunning_level_id = fields.Many2one(
        "dunning.level",
        string="Last Dunning Level",
        compute="_compute_dunning_history",
        store=True,
        copy=False,
        help="The furthest level this invoice was reminded at.",
    )
    dunning_last_date = fields.Date(
        string="Last Reminder Date",
        compute="_compute_dunning_history",
        store=True,
        copy=False,
    )
    dunning_count = fields.Integer(
        string="Reminder Count",
        compute="_compute_dunning_history",
        store=True,
        copy=False,
        help="Reminders that included this invoice, cancelled ones excepted.",
    )
    dunning_line_ids = fields.One2many(
        "dunning.communication.line", "move_id", string="Reminder History"
    )

    dunning_dispute_ids = fields.One2many(
        "dunning.dispute", "move_id", string="Disputes"
    )
    dunning_dispute_count = fields.Integer(compute="_compute_dunning_dispute_count")

    @api.depends(
        "dunning_line_ids.state",
        "dunning_line_ids.level_id",
        "dunning_line_ids.communication_id.date",
    )
    def _compute_dunning_history(self):
        """Derived from the reminder lines that were not cancelled, in one
        query for all the invoices the ORM recomputes together."""
        history = {}
        moves = self.filtered("id")
        if moves:
            self.env["dunning.communication.line"].flush_model(
                ["move_id", "level_id", "communication_id", "state"]
            )
            self.env["dunning.communication"].flush_model(["date"])
            self.env["dunning.level"].flush_model(["offset_days", "sequence"])
            self.env.cr.execute(
                SQL(
                    """
                    SELECT dcl.move_id,
                           (ARRAY_AGG(dcl.level_id ORDER BY lv.offset_days DESC,
                                      lv.sequence DESC, lv.id DESC))[1],
                           MAX(dc.date),
                           COUNT(DISTINCT dcl.communication_id)
                      FROM dunning_communication_line dcl
                      JOIN dunning_communication dc ON dc.id = dcl.communication_id
                      JOIN dunning_level lv ON lv.id = dcl.level_id
                     WHERE dcl.move_id = ANY(%s)
                       AND dcl.state NOT IN ('cancelled', 'rejected')
                     GROUP BY dcl.move_id
                    """,
                    moves.ids,
                )
            )
            history = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        for move in self:
            level_id, last_date, count = history.get(move.id, (False, False, 0))
            move.dunning_level_id = level_id
            move.dunning_last_date = last_date
            move.dunning_count = count

    @api.depends(
        "dunning_dispute_ids.state",
        "dunning_dispute_ids.reason_id",
        "dunning_dispute_ids.note",
    )
    def _compute_dunning_dispute(self):
        """From the invoice's open disputes, the latest first: the disputes
        are the one record of it, nothing is copied on the invoice."""
        for move in self:
            dispute = move.sudo().dunning_dispute_ids.filtered(
                lambda d: d.state == "open"
            )[:1]
            move.dunning_dispute = bool(dispute)
            move.dunning_dispute_reason_id = dispute.reason_id
            move.dunning_dispute_note = dispute.note

    def _search_dunning_dispute(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        disputed = self.env["dunning.dispute"].sudo()._search([("state", "=", "open")])
        operator = "in" if (operator == "=") == value else "not in"
        return [("id", operator, disputed.subselect("move_id"))]

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
