# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from ..tools.einvoice_messages import STATUS_OF_FRENCH_CODE

_logger = logging.getLogger(__name__)

COLLECTOR_GROUP = "account_dunning_advanced.group_dunning_collector"
PLATFORM_REASON = "account_dunning_advanced.dispute_reason_einvoice_platform"

# Lifecycle statuses of the French e-invoicing reform, with their official
# codes (AIFE, "Spécifications externes de la facturation électronique",
# lifecycle chapter): 200, 210, 212 and 213 are mandatory, the others optional.
EINVOICE_STATUSES = [
    ("deposited", "200 Deposited"),
    ("issued", "201 Issued by the platform"),
    ("received", "202 Received by the platform"),
    ("made_available", "203 Made available"),
    ("taken_over", "204 Taken over"),
    ("approved", "205 Approved"),
    ("partially_approved", "206 Partially approved"),
    ("disputed", "207 In dispute"),
    ("suspended", "208 Suspended"),
    ("completed", "209 Completed"),
    ("refused", "210 Refused"),
    ("payment_transmitted", "211 Payment transmitted"),
    ("cashed", "212 Cashed"),
    ("rejected", "213 Rejected"),
]
# official code -> status key: the parser's mapping, the one copy of it
EINVOICE_CODES = STATUS_OF_FRENCH_CODE
REFUSED = ("refused", "rejected")
APPROVED = ("approved", "partially_approved")
# a later status of these ends the dispute the platform opened
SETTLING = ("approved", "partially_approved", "payment_transmitted", "cashed")

EINVOICE_SOURCES = [
    ("platform", "E-invoicing platform"),
    ("import", "Import"),
    ("manual", "Manual"),
    ("odoo", "Odoo electronic invoicing"),
]


class DunningEinvoiceStatus(models.Model):
    """One lifecycle status of a customer invoice, as the e-invoicing
    platforms exchange them. Append-only: a correction is a new status."""

    _name = "dunning.einvoice.status"
    _description = "E-invoicing Lifecycle Status"
    _order = "date desc, id desc"
    _check_company_auto = True

    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
        domain=[
            ("move_type", "in", ("out_invoice", "out_receipt")),
            ("state", "=", "posted"),
        ],
    )
    company_id = fields.Many2one(related="move_id.company_id", store=True)
    partner_id = fields.Many2one(
        related="move_id.commercial_partner_id", string="Customer", store=True
    )
    status = fields.Selection(EINVOICE_STATUSES, required=True)
    date = fields.Date(default=fields.Date.context_today, required=True)
    source = fields.Selection(EINVOICE_SOURCES, required=True, default="manual")
    comment = fields.Text(help="The platform's reason or the customer's words.")
    message_id = fields.Many2one(
        "dunning.einvoice.message",
        string="Received Message",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
    )

    @api.model
    def _code_to_status(self, code):
        """The status of an official code ("210") or of its key ("refused")."""
        code = str(code or "").strip()
        if code in EINVOICE_CODES:
            return EINVOICE_CODES[code]
        return code if code in dict(EINVOICE_STATUSES) else None

    @api.model_create_multi
    def create(self, vals_list):
        moves = self.env["account.move"].browse(
            {vals["move_id"] for vals in vals_list if vals.get("move_id")}
        )
        for move in moves:
            if move.move_type not in ("out_invoice", "out_receipt") or (
                move.state != "posted"
            ):
                raise UserError(
                    _(
                        "%(move)s: lifecycle statuses are kept for posted customer "
                        "invoices only.",
                        move=move.display_name,
                    )
                )
        before = dict(moves.mapped(lambda m: (m.id, m.dunning_einvoice_status)))
        statuses = super().create(vals_list)
        # the effectiveness report's rows read them
        self.env["dunning.worklist"]._touch_records(statuses)
        statuses.move_id._dunning_refresh_einvoice_status()
        statuses._dunning_apply_effects(before)
        return statuses

    def write(self, vals):
        if {"move_id", "status", "date"} & set(vals):
            raise UserError(
                _(
                    "A lifecycle status is history: record a new status instead "
                    "of changing one."
                )
            )
        return super().write(vals)

    def unlink(self):
        moves = self.move_id
        self.env["dunning.worklist"]._touch_records(self)
        result = super().unlink()
        moves.exists()._dunning_refresh_einvoice_status()
        return result

    # ------------------------------------------------------------------
    # What a new latest status does
    # ------------------------------------------------------------------
    def _dunning_apply_effects(self, before):
        """Act on the invoices whose latest status just changed, in batch:
        a dispute opened with the platform's reason, the collector told of a
        refusal once, the platform's dispute closed by a settling status.
        ``before``: {move id: latest status before these}."""
        latest = {}
        for status in self.sorted(lambda s: (s.date, s.id)):
            move = status.move_id
            if move.dunning_einvoice_status == status.status:
                latest[move] = status
        changed = {
            move: status
            for move, status in latest.items()
            if before.get(move.id) != status.status
        }
        if not changed:
            return
        self._dunning_open_platform_disputes(
            [st for st in changed.values() if st.status == "disputed"]
        )
        self._dunning_notify_refusals(
            [
                st
                for move, st in changed.items()
                if st.status in REFUSED and before.get(move.id) not in REFUSED
            ]
        )
        settled = [st.move_id.id for st in changed.values() if st.status in SETTLING]
        if settled:
            reason = self.env.ref(PLATFORM_REASON, raise_if_not_found=False)
            disputes = self.env["dunning.dispute"].search(
                [
                    ("move_id", "in", settled),
                    ("state", "=", "open"),
                    ("reason_id", "=", reason.id if reason else False),
                ]
            )
            if disputes:
                disputes._close("resolved")

    def _dunning_open_platform_disputes(self, statuses):
        if not statuses:
            return
        reason = self.env.ref(PLATFORM_REASON)
        moves = self.env["account.move"].browse([st.move_id.id for st in statuses])
        disputed = moves.filtered("dunning_dispute")
        self.env["dunning.dispute"].create(
            [
                {
                    "move_id": st.move_id.id,
                    "reason_id": reason.id,
                    "note": st.comment
                    or _(
                        "In dispute on the e-invoicing platform since %(date)s.",
                        date=st.date,
                    ),
                }
                for st in statuses
                if st.move_id not in disputed
            ]
        )

    def _dunning_notify_refusals(self, statuses):
        """One to-do for the customer's collector per refused or rejected
        invoice: it is never reminded, someone has to correct or cancel it."""
        if not statuses:
            return
        todo = self.env.ref("account_dunning_advanced.mail_activity_type_dunning_todo")
        move_model = self.env["ir.model"]._get_id("account.move")
        labels = dict(self._fields["status"]._description_selection(self.env))
        values = []
        for st in statuses:
            partner = st.move_id.commercial_partner_id.with_company(st.company_id)
            user = partner._dunning_collector()
            values.append(
                {
                    "activity_type_id": todo.id,
                    "res_model_id": move_model,
                    "res_id": st.move_id.id,
                    "user_id": user.id or self.env.user.id,
                    "date_deadline": fields.Date.context_today(self),
                    "summary": _(
                        "%(status)s on the e-invoicing platform: correct or cancel "
                        "the invoice",
                        status=labels[st.status],
                    ),
                    "note": st.comment or False,
                }
            )
        self.env["mail.activity"].create(values)

    # ------------------------------------------------------------------
    # Import
    # ------------------------------------------------------------------
    @api.model
    def _dunning_import(self, rows, source="import"):
        """Record the statuses of ``rows`` (dicts: invoice (its number) or
        move_id, status (an official code such as "210", or a key), date
        (ISO, default today), comment), each row on its own: a bad row fails
        alone. Returns one result per row, in order: {"row", "ok", "status_id"
        or "error"}."""
        if not self.env.user.has_group(COLLECTOR_GROUP):
            raise AccessError(_("Only dunning users may import lifecycle statuses."))
        if source not in dict(EINVOICE_SOURCES):
            raise UserError(_("Unknown source %(source)s.", source=source))
        moves = self._dunning_import_moves(rows)
        results, valid = [], []
        for index, row in enumerate(rows):
            try:
                valid.append((index, self._dunning_import_values(row, moves, source)))
                results.append(None)
            except (UserError, AccessError, ValidationError) as error:
                results.append({"row": index, "ok": False, "error": str(error)})
        outcome = self._dunning_create_batch([vals for _index, vals in valid])
        for (index, _vals), (status, error) in zip(valid, outcome, strict=True):
            results[index] = (
                {"row": index, "ok": True, "status_id": status.id}
                if status
                else {"row": index, "ok": False, "error": error}
            )
        return results

    @api.model
    def _dunning_create_batch(self, vals_list):
        """Create the statuses of ``vals_list`` in one batch; when the batch
        fails, one by one, each in its own savepoint, so that a bad one fails
        alone. Returns one (status or None, error or None) per vals, in
        order."""
        if not vals_list:
            return []
        try:
            with self.env.cr.savepoint():
                statuses = self.create(vals_list)
            return [(status, None) for status in statuses]
        except Exception:  # noqa: BLE001 - retried one by one below
            _logger.info(
                "E-invoicing statuses: batch refused, one by one", exc_info=True
            )
        outcome = []
        for index, vals in enumerate(vals_list):
            try:
                with self.env.cr.savepoint():
                    outcome.append((self.create(vals), None))
            except (UserError, AccessError, ValidationError) as error:
                outcome.append((None, str(error)))
            except Exception as error:  # noqa: BLE001 - the status fails alone
                _logger.warning("E-invoicing status %s refused", index, exc_info=True)
                outcome.append((None, str(error)))
        return outcome

    @api.model
    def _dunning_import_moves(self, rows):
        """{invoice number or id: invoices} the user may read, found in one
        search for the whole import."""
        names, ids = set(), set()
        for row in rows:
            if not isinstance(row, dict):
                continue
            if isinstance(row.get("move_id"), int):
                ids.add(row["move_id"])
            elif row.get("invoice"):
                names.add(str(row["invoice"]).strip())
        if not names and not ids:
            return {}
        domain = [("move_type", "in", ("out_invoice", "out_receipt"))]
        if names and ids:
            domain += ["|", ("name", "in", list(names)), ("id", "in", list(ids))]
        elif names:
            domain.append(("name", "in", list(names)))
        else:
            domain.append(("id", "in", list(ids)))
        found = defaultdict(lambda: self.env["account.move"])
        for move in self.env["account.move"].search(domain):
            found[move.name] |= move
            found[move.id] |= move
        return found

    @api.model
    def _dunning_import_values(self, row, moves, source):
        if not isinstance(row, dict):
            raise UserError(_("A row must be a mapping of column to value."))
        key = row.get("move_id") if row.get("move_id") else row.get("invoice")
        key = key.strip() if isinstance(key, str) else key
        move = moves.get(key) if key else None
        if not move:
            raise UserError(_("Invoice %(invoice)s not found.", invoice=key or ""))
        if len(move) > 1:
            raise UserError(
                _(
                    "Invoice %(invoice)s is ambiguous (several companies).",
                    invoice=key,
                )
            )
        status = self._code_to_status(row.get("status") or row.get("code"))
        if not status:
            raise UserError(
                _(
                    "Unknown lifecycle status %(code)s.",
                    code=row.get("status") or row.get("code") or "",
                )
            )
        day = row.get("date") or fields.Date.context_today(self)
        try:
            day = fields.Date.to_date(day)
        except ValueError as error:
            raise UserError(
                _("Invalid date %(date)s: use YYYY-MM-DD.", date=row.get("date"))
            ) from error
        return {
            "move_id": move.id,
            "status": status,
            "date": day,
            "comment": row.get("comment") or False,
            "source": row.get("source") or source,
        }

    # ------------------------------------------------------------------
    # The latest status of invoices, read by the planner
    # ------------------------------------------------------------------
    @api.model
    def _latest_of(self, move_ids):
        """{move id: (status, date, approval date)} of the latest status of
        each invoice (the latest date, then the latest recorded), in one
        query."""
        if not move_ids:
            return {}
        self.flush_model(["move_id", "status", "date"])
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT ON (st.move_id) st.move_id, st.status, st.date,
                       (SELECT MAX(ap.date) FROM dunning_einvoice_status ap
                         WHERE ap.move_id = st.move_id AND ap.status = ANY(%s))
                  FROM dunning_einvoice_status st
                 WHERE st.move_id = ANY(%s)
                 ORDER BY st.move_id, st.date DESC, st.id DESC
                """,
                list(APPROVED),
                list(move_ids),
            )
        )
        return {row[0]: row[1:] for row in self.env.cr.fetchall()}
