# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging

from odoo import Command, _, api, fields, models
from odoo.tools import SQL
from odoo.tools.misc import format_amount

from .dunning_level import TONES

STATES = [
    ("to_approve", "To Approve"),
    ("queued", "Queued"),
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("cancelled", "Cancelled"),
]

_logger = logging.getLogger(__name__)


class DunningCommunication(models.Model):
    """One reminder to one customer at one level: the audit trail of dunning
    and the source of its reporting. Normal use never deletes it."""

    _name = "dunning.communication"
    _description = "Dunning Reminder"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True, default="/", copy=False)
    run_id = fields.Many2one("dunning.run", readonly=True, index=True)
    date = fields.Date(required=True, readonly=True, index=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    company_currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        index=True,
        help="The commercial entity reminded.",
    )
    contact_id = fields.Many2one(
        "res.partner",
        string="Recipient",
        readonly=True,
        help="The invoice-address contact when there is one, else the customer.",
    )
    collector_id = fields.Many2one("res.users", readonly=True)
    lang = fields.Char(readonly=True)
    level_id = fields.Many2one(
        "dunning.level", required=True, readonly=True, index=True
    )
    scenario_id = fields.Many2one(
        related="level_id.scenario_id", store=True, string="Scenario"
    )
    tone = fields.Selection(TONES, readonly=True)
    typology_id = fields.Many2one("dunning.typology", readonly=True)
    channel_email = fields.Boolean(string="Email", readonly=True)
    channel_letter = fields.Boolean(string="Letter", readonly=True)
    channel_sms = fields.Boolean(string="SMS", readonly=True)
    channel_call = fields.Boolean(string="Phone Call", readonly=True)
    line_ids = fields.One2many(
        "dunning.communication.line", "communication_id", string="Reminded Items"
    )
    move_ids = fields.Many2many(
        "account.move", compute="_compute_move_ids", string="Invoices"
    )
    amount_due = fields.Monetary(
        string="Total Due",
        currency_field="company_currency_id",
        readonly=True,
        help="Total due of the reminded items, in company currency.",
    )
    amount_due_by_currency = fields.Char(
        string="Total Due per Currency", compute="_compute_amount_due_by_currency"
    )
    penalty_interest = fields.Monetary(
        string="Late-Payment Interest",
        currency_field="company_currency_id",
        readonly=True,
    )
    penalty_indemnity = fields.Monetary(
        string="Recovery Indemnity",
        currency_field="company_currency_id",
        readonly=True,
    )
    penalty_rate = fields.Float(
        string="Penalty Rate (%)",
        digits=(16, 3),
        readonly=True,
        help="Reference rate plus added points used for the interest.",
    )
    penalty_move_id = fields.Many2one(
        "account.move", string="Penalty Invoice", readonly=True
    )
    state = fields.Selection(
        STATES, required=True, default="queued", readonly=True, index=True
    )
    sent_datetime = fields.Datetime(string="Sent On", readonly=True)
    approved_by_id = fields.Many2one("res.users", readonly=True)
    approved_datetime = fields.Datetime(readonly=True)
    mail_id = fields.Many2one("mail.mail", string="Queued Email", readonly=True)
    mail_message_id = fields.Many2one("mail.message", string="Message", readonly=True)
    letter_attachment_id = fields.Many2one(
        "ir.attachment", string="Letter PDF", readonly=True
    )
    activity_id = fields.Many2one("mail.activity", string="Call", readonly=True)
    sms_id = fields.Many2one("sms.sms", string="SMS Message", readonly=True)
    error_message = fields.Text(readonly=True)
    skipped_channels = fields.Text(
        readonly=True, help="Channels not used, with the reason."
    )

    @api.depends("line_ids.move_id")
    def _compute_move_ids(self):
        for communication in self:
            communication.move_ids = communication.line_ids.move_id

    @api.depends("line_ids.amount_residual_currency", "line_ids.currency_id", "lang")
    def _compute_amount_due_by_currency(self):
        for communication in self:
            communication.amount_due_by_currency = " + ".join(
                format_amount(self.env, amount, currency, communication.lang)
                for currency, amount in communication._amounts_by_currency()
            )

    def _amounts_by_currency(self):
        """[(currency, total due)] of the reminded items, by currency name."""
        self.ensure_one()
        totals = {}
        for line in self.line_ids:
            totals[line.currency_id] = (
                totals.get(line.currency_id, 0.0) + line.amount_residual_currency
            )
        return sorted(totals.items(), key=lambda kv: kv[0].name)

    def _channels(self):
        self.ensure_one()
        return [
            ch for ch in ("email", "letter", "sms", "call") if self[f"channel_{ch}"]
        ]

    # ------------------------------------------------------------------
    # Dispatch orchestration (the channels live in dunning_communication_dispatch)
    # ------------------------------------------------------------------
    def _dispatch(self):
        """Send the reminders of ``self`` by their channels, in batch. A bug
        while sending the batch is retried reminder by reminder, so that one
        bad customer fails alone."""
        todo = self.filtered(lambda c: c.state == "queued")
        if not todo:
            return True
        try:
            with self.env.cr.savepoint():
                todo._dispatch_channels()
        except Exception:  # noqa: BLE001 - retried one by one below
            _logger.warning(
                "Dunning dispatch failed, retrying one by one", exc_info=True
            )
            for communication in todo:
                communication._dispatch_one()
        done = todo.filtered(lambda c: c.state in ("queued", "sent"))
        done._apply_level_actions()
        done._post_penalty_invoices()
        return True

    def _dispatch_one(self):
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                self._dispatch_channels()
        except Exception as error:  # noqa: BLE001 - written on the reminder
            _logger.exception("Dunning dispatch of %s failed", self.name)
            self.write(
                {
                    "state": "failed",
                    "error_message": _(
                        "Dispatch failed: %(error)s", error=str(error) or repr(error)
                    ),
                }
            )

    def _prepare_dispatch(self):
        """Give the reminded invoices their portal token in one query: the
        payment links of the messages would otherwise write them one by one
        through ``account.move.write``, the slowest part of a run."""
        moves = self.line_ids.move_id
        if not moves:
            return
        self.env.cr.execute(
            SQL(
                "UPDATE account_move SET access_token = gen_random_uuid()::text "
                "WHERE id = ANY(%s) AND access_token IS NULL RETURNING id",
                moves.ids,
            )
        )
        if self.env.cr.fetchall():
            moves.invalidate_recordset(["access_token"])

    def _dispatch_channels(self):
        self._prepare_dispatch()
        self._apply_channel_fallbacks()
        with self._dunning_render_memo():
            self._dispatch_email()
            self._dispatch_letter()
            self._dispatch_sms()
            self._dispatch_call()
        # Without email nor letter nothing reports back later: done now.
        # Letters stay queued until printed for posting.
        self.filtered(
            lambda c: c.state == "queued" and not (c.channel_email or c.channel_letter)
        ).write({"state": "sent", "sent_datetime": fields.Datetime.now()})

    # ------------------------------------------------------------------
    # What a level does after sending
    # ------------------------------------------------------------------
    def _apply_level_actions(self):
        """Litigation flag, stop of automatic reminders and the manager's
        activity of the levels that ask for them."""
        for company, comms in self.grouped("company_id").items():
            litigation = comms.filtered("level_id.set_litigation").partner_id
            if litigation:
                litigation.with_company(company).sudo().write(
                    {"dunning_litigation": True}
                )
            stopped = comms.filtered("level_id.stop_reminders").partner_id
            if stopped:
                stopped.with_company(company).sudo().write({"dunning_excluded": True})
        to_manager = self.filtered("level_id.manager_activity")
        if not to_manager:
            return
        todo_type = self.env.ref("mail.mail_activity_data_todo")
        partner_model = self.env["ir.model"]._get_id("res.partner")
        self.env["mail.activity"].sudo().create(
            [
                {
                    "activity_type_id": todo_type.id,
                    "res_model_id": partner_model,
                    "res_id": comm.partner_id.id,
                    "user_id": (comm.level_id.manager_user_id or self.env.user).id,
                    "date_deadline": comm.date,
                    "summary": _(
                        "Final notice %(name)s sent: decide on the next step",
                        name=comm.name,
                    ),
                }
                for comm in to_manager
            ]
        )

    def _post_penalty_invoices(self):
        """One posted customer invoice of the penalties per reminder whose
        level asks for it (no VAT: penalties are compensation, not a sale)."""
        comms = self.filtered(
            lambda c: c.level_id.post_penalty_invoice
            and not c.penalty_move_id
            and (c.penalty_interest or c.penalty_indemnity)
        )
        if not comms:
            return self.env["account.move"]
        values = []
        for comm in comms:
            lines = []
            if comm.penalty_interest:
                lines.append(
                    Command.create(
                        {
                            "name": _(
                                "Late-payment interest (%(rate)s%%), reminder %(name)s",
                                rate=comm.penalty_rate,
                                name=comm.name,
                            ),
                            "quantity": 1,
                            "price_unit": comm.penalty_interest,
                            "tax_ids": [Command.clear()],
                        }
                    )
                )
            if comm.penalty_indemnity:
                lines.append(
                    Command.create(
                        {
                            "name": _("Fixed recovery indemnity (art. D.441-5)"),
                            "quantity": 1,
                            "price_unit": comm.penalty_indemnity,
                            "tax_ids": [Command.clear()],
                        }
                    )
                )
            values.append(
                {
                    "move_type": "out_invoice",
                    "company_id": comm.company_id.id,
                    "partner_id": comm.partner_id.id,
                    "currency_id": comm.company_id.currency_id.id,
                    "invoice_date": comm.date,
                    "invoice_origin": comm.name,
                    "invoice_line_ids": lines,
                }
            )
        moves = (
            self.env["account.move"]
            .sudo()
            .with_context(tracking_disable=True, mail_create_nolog=True)
            .create(values)
        )
        moves.action_post()
        for comm, move in zip(comms, moves, strict=True):
            comm.penalty_move_id = move
        return moves
