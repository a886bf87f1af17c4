# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import operator as py_operator

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, Query

OPERATORS = {
    "=": py_operator.eq,
    "!=": py_operator.ne,
    "<": py_operator.lt,
    "<=": py_operator.le,
    ">": py_operator.gt,
    ">=": py_operator.ge,
}


def _compare(left, operator, right):
    return OPERATORS[operator](left, right)


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
    # Read from the reminder lines, never written on the invoice: a run that
    # reminds 35,000 invoices does not rewrite 35,000 invoice rows.
    dunning_level_id = fields.Many2one(
        "dunning.level",
        string="Last Dunning Level",
        compute="_compute_dunning_history",
        search="_search_dunning_level_id",
        help="The furthest level this invoice was reminded at.",
    )
    dunning_last_date = fields.Date(
        string="Last Reminder Date",
        compute="_compute_dunning_history",
        search="_search_dunning_last_date",
    )
    dunning_count = fields.Integer(
        string="Reminder Count",
        compute="_compute_dunning_history",
        search="_search_dunning_count",
        help="Reminders that included this invoice, cancelled ones excepted.",
    )
    dunning_line_ids = fields.One2many(
        "dunning.communication.line", "move_id", string="Reminder History"
    )

    dunning_dispute_ids = fields.One2many(
        "dunning.dispute", "move_id", string="Disputes"
    )
    dunning_dispute_count = fields.Integer(compute="_compute_dunning_dispute_count")

    @api.model
    def _dunning_history_sql(self, move_ids=None):
        """One row per reminded invoice: move_id, level_id (the furthest level
        reached), last_date, count, from the reminder lines that were not
        cancelled or rejected."""
        where = SQL("dcl.state NOT IN ('cancelled', 'rejected')")
        if move_ids is not None:
            where = SQL("%s AND dcl.move_id = ANY(%s)", where, list(move_ids))
        return SQL(
            """
            SELECT dcl.move_id,
                   (ARRAY_AGG(dcl.level_id ORDER BY lv.offset_days DESC,
                              lv.sequence DESC, lv.id DESC))[1] AS level_id,
                   MAX(dc.date) AS last_date,
                   COUNT(DISTINCT dcl.communication_id) AS count
              FROM dunning_communication_line dcl
              JOIN dunning_communication dc ON dc.id = dcl.communication_id
              JOIN dunning_level lv ON lv.id = dcl.level_id
             WHERE %s
             GROUP BY dcl.move_id
            """,
            where,
        )

    @api.depends(
        "dunning_line_ids.state",
        "dunning_line_ids.level_id",
        "dunning_line_ids.communication_id.date",
    )
    def _compute_dunning_history(self):
        """Derived from the reminder lines that were not cancelled, in one
        query for all the invoices read together."""
        history = {}
        moves = self.filtered("id")
        if moves:
            self.env["dunning.communication.line"].flush_model(
                ["move_id", "level_id", "communication_id", "state"]
            )
            self.env["dunning.communication"].flush_model(["date"])
            self.env["dunning.level"].flush_model(["offset_days", "sequence"])
            self.env.cr.execute(self._dunning_history_sql(moves.ids))
            history = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        for move in self:
            level_id, last_date, count = history.get(move.id, (False, False, 0))
            move.dunning_level_id = level_id
            move.dunning_last_date = last_date
            move.dunning_count = count

    def _search_dunning_level_id(self, operator, value):
        if isinstance(value, str) or (
            isinstance(value, list | tuple) and any(isinstance(v, str) for v in value)
        ):
            # a level by name: the levels of that name
            levels = self.env["dunning.level"]._search([("name", operator, value)])
            operator, value = "in", levels
        return self._dunning_search_history("level_id", operator, value)

    def _search_dunning_last_date(self, operator, value):
        return self._dunning_search_history("last_date", operator, value)

    def _search_dunning_count(self, operator, value):
        return self._dunning_search_history("count", operator, value)

    def _dunning_search_history(self, column, operator, value):
        """Domain of the invoices whose history ``column`` satisfies
        (operator, value); the invoices never reminded (no level, no date, a
        count of 0) when that value does."""
        self.env["dunning.communication.line"].flush_model()
        self.env["dunning.communication"].flush_model(["date"])
        never = {"level_id": None, "last_date": None, "count": 0}[column]
        if isinstance(value, Query):
            value = value.subselect()
        if operator in ("in", "not in"):
            values = value if isinstance(value, SQL) else list(value or [])
            nulls = not isinstance(values, SQL) and any(
                v is False or v is None for v in values
            )
            if not isinstance(values, SQL):
                values = [v for v in values if v is not False and v is not None]
            if column == "count" and nulls:
                values, nulls = [*values, 0], False
            matches = (
                SQL("h.%s IN %s", SQL.identifier(column), values)
                if isinstance(values, SQL)
                else SQL("h.%s = ANY(%s)", SQL.identifier(column), values)
            )
            never_matches = (
                nulls
                if never is None
                else (not isinstance(values, SQL) and never in values)
            )
            if operator == "not in":
                matches = SQL("NOT (%s)", matches)
                never_matches = not never_matches
        elif operator in ("=", "!=", "<", "<=", ">", ">="):
            if value is False or value is None:
                value = 0 if column == "count" else None
            if value is None:
                matches = SQL("FALSE" if operator == "=" else "TRUE")
                never_matches = operator == "="
            else:
                matches = SQL(
                    "h.%s %s %s", SQL.identifier(column), SQL(operator), value
                )
                never_matches = never is not None and _compare(never, operator, value)
        else:
            raise UserError(_("This search is not supported on the reminder history."))
        history = self._dunning_history_sql()
        reminded = SQL("(SELECT h.move_id FROM (%s) h WHERE %s)", history, matches)
        if not never_matches:
            return [("id", "in", reminded)]
        return [
            "|",
            ("id", "in", reminded),
            ("id", "not in", SQL("(SELECT h.move_id FROM (%s) h)", history)),
        ]

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
