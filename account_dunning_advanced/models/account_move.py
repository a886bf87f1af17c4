# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import operator as py_operator
from collections import defaultdict

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, Query

from .dunning_einvoice_status import EINVOICE_STATUSES
from .dunning_worklist_touch import write_touching

OPERATORS = {
    "=": py_operator.eq,
    "!=": py_operator.ne,
    "<": py_operator.lt,
    "<=": py_operator.le,
    ">": py_operator.gt,
    ">=": py_operator.ge,
}


EINVOICE_FIELDS = (
    "dunning_einvoice_status",
    "dunning_einvoice_status_date",
    "dunning_einvoice_approved_date",
)


def _compare(left, operator, right):
    return OPERATORS[operator](left, right)


# what the worklist's rows and the reports' stored rows read of an invoice
# (its lines' state, dates, due dates, amounts and customer follow it)
WORKLIST_MOVE_FIELDS = {
    "state",
    "date",
    "invoice_date",
    "partner_id",
    "commercial_partner_id",
    "dunning_excluded",
    "invoice_date_due",
    "line_ids",
    "invoice_line_ids",
    "invoice_payment_term_id",
}


class AccountMove(models.Model):
    _inherit = "account.move"

    # the invoice's dispute, shown to every user who reads the invoice
    dunning_dispute = fields.Boolean(
        string="Disputed",
        compute="_compute_dunning_dispute",
        compute_sudo=True,
        search="_search_dunning_dispute",
        help="An open dispute: while there is one, this invoice is never reminded.",
    )
    dunning_dispute_reason_id = fields.Many2one(
        "dunning.dispute.reason",
        string="Dispute Reason",
        compute="_compute_dunning_dispute",
        compute_sudo=True,
    )
    dunning_dispute_note = fields.Text(
        string="Dispute Note", compute="_compute_dunning_dispute", compute_sudo=True
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

    dunning_einvoice_status_ids = fields.One2many(
        "dunning.einvoice.status", "move_id", string="Lifecycle Statuses"
    )
    # Written by the statuses themselves (not computed: no recomputation of
    # every invoice when the module is installed); the planner reads them.
    dunning_einvoice_status = fields.Selection(
        EINVOICE_STATUSES,
        string="E-invoicing Status",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The latest lifecycle status exchanged through the e-invoicing "
        "platforms.",
    )
    dunning_einvoice_status_date = fields.Date(
        string="E-invoicing Status Date", readonly=True, copy=False
    )
    dunning_einvoice_approved_date = fields.Date(
        string="Approved On",
        readonly=True,
        copy=False,
        help="The latest approval (full or partial) by the customer on the "
        "e-invoicing platform: the reminders mention it.",
    )

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
            dispute = move.dunning_dispute_ids.filtered(lambda d: d.state == "open")[:1]
            move.dunning_dispute = bool(dispute)
            move.dunning_dispute_reason_id = dispute.reason_id
            move.dunning_dispute_note = dispute.note

    def _search_dunning_dispute(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        # the invoice filter of every invoicing user: it shows which invoices
        # are disputed, never the disputes themselves
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

    # ------------------------------------------------------------------
    # E-invoicing lifecycle statuses
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._dunning_check_einvoice_vals(vals)
        moves = super().create(vals_list)
        moves.filtered(lambda m: m.state == "posted")._dunning_touch_worklist()
        return moves

    def write(self, vals):
        self._dunning_check_einvoice_vals(vals)
        return write_touching(self, vals, WORKLIST_MOVE_FIELDS, super().write)

    def _dunning_touch_worklist(self):
        self.env["dunning.worklist"]._touch_records(
            self, partner="commercial_partner_id"
        )

    def _dunning_check_einvoice_vals(self, vals):
        # written only by _dunning_refresh_einvoice_status, past this check
        # (a private method: no client reaches it, a context key would be)
        if set(EINVOICE_FIELDS) & set(vals):
            raise AccessError(
                _(
                    "The e-invoicing status of an invoice follows its lifecycle "
                    "statuses: record a status instead."
                )
            )

    def _dunning_refresh_einvoice_status(self):
        """Copy the latest lifecycle status of these invoices on them, one
        write per distinct value."""
        latest = self.env["dunning.einvoice.status"]._latest_of(self.ids)
        groups = defaultdict(list)
        for move in self:
            status, day, approved = latest.get(move.id, (False, False, False))
            groups[(status, day, approved)].append(move.id)
        # three fields of our own on posted invoices: nothing for account's
        # line synchronisation and balance check to do (seconds per batch),
        # and not a manual change of the invoice
        quiet = self.with_context(
            skip_invoice_sync=True,
            check_move_validity=False,
            skip_is_manually_modified=True,
        )
        for (status, day, approved), ids in groups.items():
            super(AccountMove, quiet.browse(ids)).write(
                dict(zip(EINVOICE_FIELDS, (status, day, approved), strict=True))
            )
        return True

    @api.model
    def dunning_import_einvoice_statuses(self, rows):
        """JSON-RPC entry point of the platforms' feeds: record the lifecycle
        statuses of ``rows`` (list of dicts: invoice or move_id, status (an
        official code like "210"), date, comment, optional source). Each row
        is checked and recorded on its own; returns one result per row."""
        return self.env["dunning.einvoice.status"]._dunning_import(
            rows or [], source="platform"
        )

    def action_dunning_add_einvoice_status(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Record a Lifecycle Status"),
            "res_model": "dunning.einvoice.status",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_id": self.id, "default_source": "manual"},
        }

    # ------------------------------------------------------------------
    # Penalty invoices of reminders
    # ------------------------------------------------------------------
    @api.model
    def _dunning_post_penalty_invoices(self, reminders):
        """One posted customer invoice of the penalties per reminder whose
        level asks for it (no VAT: penalties are compensation, not a sale)."""
        comms = reminders.filtered(
            lambda c: c.level_id.post_penalty_invoice
            and not c.penalty_move_id
            and (c.penalty_interest or c.penalty_indemnity)
        )
        if not comms:
            return self.env["account.move"]
        values = []
        for comm in comms:
            # in the currency of the invoices when they share one, as the
            # reminder claimed it; else in company currency
            groups = self.env["dunning.reminder.content"]._penalty_groups(comm)
            currency, interest, indemnity = comm.company_id.currency_id, 0.0, 0.0
            if len(groups) == 1:
                currency, interest, indemnity, _count = groups[0]
            else:
                interest, indemnity = comm.penalty_interest, comm.penalty_indemnity
            lines = []
            if interest:
                lines.append(
                    Command.create(
                        {
                            "name": _(
                                "Late-payment interest (%(rate)s%%), reminder %(name)s",
                                rate=comm.penalty_rate,
                                name=comm.name,
                            ),
                            "quantity": 1,
                            "price_unit": interest,
                            "tax_ids": [Command.clear()],
                        }
                    )
                )
            if indemnity:
                lines.append(
                    Command.create(
                        {
                            "name": _("Fixed recovery indemnity (art. D.441-5)")
                            if comm._dunning_legal_regime() == "french_b2b"
                            else _("Fixed recovery indemnity"),
                            "quantity": 1,
                            "price_unit": indemnity,
                            "tax_ids": [Command.clear()],
                        }
                    )
                )
            values.append(
                {
                    "move_type": "out_invoice",
                    "company_id": comm.company_id.id,
                    "partner_id": comm.partner_id.id,
                    "currency_id": currency.id,
                    "invoice_date": comm.date,
                    "invoice_origin": comm.name,
                    "invoice_line_ids": lines,
                }
            )
        moves = (
            self.env["account.move"]
            .with_context(tracking_disable=True, mail_create_nolog=True)
            .create(values)
        )
        moves.action_post()
        for comm, move in zip(comms, moves, strict=True):
            comm.penalty_move_id = move
        return moves
