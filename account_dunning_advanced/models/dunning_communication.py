# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import ast
import io
import logging
import re
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from functools import lru_cache

from lxml import etree, html
from markupsafe import Markup, escape

from odoo import Command, _, api, fields, models, modules
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, float_round, formataddr, hash_sign, html2plaintext
from odoo.tools.mail import generate_tracking_message_id
from odoo.tools.misc import (
    format_amount,
    format_date,
    formatLang,
    get_lang,
)
from odoo.tools.pdf import PdfReader, PdfWriter, merge_pdf

from odoo.addons.base.models.res_lang import intersperse
from odoo.addons.phone_validation.tools import phone_validation

from .dunning_level import TONES
from .dunning_run import can_commit, cron_deadline
from .dunning_scenario import LEGAL_REGIMES
from .res_company import is_assignable
from .res_partner import DUNNING_NOTE_SUBTYPE

STATES = [
    ("to_approve", "To Approve"),
    ("queued", "Queued"),
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("cancelled", "Cancelled"),
    ("rejected", "Rejected"),
]

_logger = logging.getLogger(__name__)

MANAGER_GROUP = "account_dunning_advanced.group_dunning_manager"

# What a reminder says and where it stands: written only by the addon's own
# methods, which run as superuser once they have checked the user's rights.
LOCKED_FIELDS = frozenset(
    {
        "name", "run_id", "date", "company_id", "partner_id", "contact_id",
        "collector_id", "lang", "level_id", "tone", "typology_id",
        "channel_email", "channel_letter", "channel_sms", "channel_call",
        "line_ids", "amount_due", "penalty_interest", "penalty_indemnity",
        "penalty_rate", "penalty_move_id", "state", "sent_datetime", "legal_regime",
        "approved_by_id", "approved_datetime", "mail_id", "mail_message_id",
        "letter_attachment_id", "activity_id", "sms_id", "error_message",
        "skipped_channels", "email_state", "letter_state", "sms_state", "call_state",
        "letter_error", "letter_attempts", "variant_id",
        "email_bounced", "sms_delivered_datetime",
    }
)  # fmt: skip

# What a manager approved: not changed afterwards by anyone, the engine
# included. The re-check before dispatch still drops the items settled since,
# and the dispatch still replaces a channel the customer cannot receive.
APPROVED_FIELDS = frozenset({"level_id", "tone", "line_ids", "penalty_rate"})

# Days the customer gets to pay after a final notice when the scenario has no
# further level: the usual "eight days" of French formal notices.
FINAL_NOTICE_DAYS = 8

CHANNEL_TOKEN_SCOPE = "account_dunning_advanced.channel_preference"

RENDER_MEMO_KEY = "account_dunning_advanced.render_values"


LETTER_REPORT = "account_dunning_advanced.action_report_dunning_letter"
LETTER_PREVIEW_REPORT = "account_dunning_advanced.action_report_dunning_letter_preview"
# the same letters, several in one document (one wkhtmltopdf call), each
# from the top of a new page and headed by its reminder's reference
LETTER_BATCH_REPORT = "account_dunning_advanced.action_report_dunning_letter_batch"
LETTER_ANCHOR = re.compile(r"dunning-letter-(\d+)-(start|end)")

DOCUMENTS_CRON = "account_dunning_advanced.ir_cron_dunning_documents"

CHANNEL_STATES = [("pending", "Pending"), ("done", "Done"), ("failed", "Failed")]

# letters rendered per report call by the letter queue (ir.config_parameter)
LETTER_BATCH_PARAM = "account_dunning_advanced.letter_batch_size"
DEFAULT_LETTER_BATCH = 20
# letters the queue renders at the same time (ir.config_parameter); one
# until concurrent rendering is proven on a prefork server's cron worker
LETTER_WORKERS_PARAM = "account_dunning_advanced.letter_workers"
DEFAULT_LETTER_WORKERS = 1
MAX_LETTER_ATTEMPTS = 3
# a dispatch of at most this many reminders outside the scheduled action (a
# user approving or sending a few) produces their letters and invoice PDFs at
# once; larger ones leave them to the queue
INLINE_DOCUMENTS = 10

CALL_ACTIVITY_TYPE = "account_dunning_advanced.mail_activity_type_dunning_call"
TODO_ACTIVITY_TYPE = "account_dunning_advanced.mail_activity_type_dunning_todo"

# previous reminders listed in a call note
HISTORY_SIZE = 5

DEFAULT_TEMPLATES = {
    tone: f"account_dunning_advanced.mail_template_dunning_{tone}"
    for tone in ("courtesy", "friendly", "formal", "final")
}


def body_view_call(body):
    """(view xml id, {name: value}, (leading, trailing) whitespace) when
    ``body`` (a mail template's body) is nothing but a ``t-call`` of a view
    whose body only sets constants, else None."""
    if not body or "t-call" not in body:
        return None
    try:
        root = html.fragment_fromstring(str(body), create_parent="div")
    except etree.ParserError:
        return None
    if (root.text or "").strip() or len(root) != 1:
        return None
    call = root[0]
    if call.tag != "t" or set(call.attrib) != {"t-call"}:
        return None
    if (call.text or "").strip() or (call.tail or "").strip():
        return None
    values = {}
    for child in call:
        if (
            child.tag != "t"
            or set(child.attrib) != {"t-set", "t-value"}
            or len(child)
            or (child.text or "").strip()
            or (child.tail or "").strip()
        ):
            return None
        try:
            values[child.get("t-set")] = ast.literal_eval(child.get("t-value"))
        except (ValueError, SyntaxError):
            return None
    return call.get("t-call"), values, (root.text or "", call.tail or "")


def amount_formatter(env, lang):
    """``format(amount, currency_id)``: what ``odoo.tools.format_amount``
    writes in ``lang``, the language's separators and grouping and each
    currency's rounding and symbol read once instead of for every amount
    (``format_amount`` looks the language up on each call, a reminder batch
    formats thousands of amounts)."""
    lang_record = get_lang(env, lang)
    grouping = ast.literal_eval(lang_record.grouping)
    thousands_sep = lang_record.thousands_sep or ""
    decimal_point = lang_record.decimal_point
    currencies = {}

    def currency_format(currency_id):
        currency = env["res.currency"].browse(currency_id)
        if currency.position == "before":
            pre, post = f"{currency.symbol or ''}\N{NO-BREAK SPACE}", ""
        else:
            pre, post = "", f"\N{NO-BREAK SPACE}{currency.symbol or ''}"
        return currency.decimal_places, currency.rounding, pre, post

    def format_money(amount, currency_id):
        if currency_id not in currencies:
            currencies[currency_id] = currency_format(currency_id)
        digits, rounding, pre, post = currencies[currency_id]
        parts = "%.*f" % (digits, float_round(amount, precision_rounding=rounding))
        parts = parts.split(".")
        parts[0] = intersperse(parts[0], grouping, thousands_sep)[0]
        formatted = (
            decimal_point.join(parts)
            .replace(" ", "\N{NO-BREAK SPACE}")
            .replace("-", "-\N{ZERO WIDTH NO-BREAK SPACE}")
        )
        return f"{pre}{formatted}{post}"

    return format_money


class DunningCommunication(models.Model):
    """One reminder to one customer at one level: the audit trail of dunning
    and the source of its reporting. Normal use never deletes it."""

    _name = "dunning.communication"
    _description = "Dunning Reminder"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True
    # collectors note on reminders they may not change
    _mail_post_access = "read"

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
    # the scenario of the level, set when the reminder is made (its level
    # never changes): a plain column, nothing computed record by record
    scenario_id = fields.Many2one("dunning.scenario", string="Scenario", readonly=True)
    tone = fields.Selection(TONES, readonly=True)
    variant_id = fields.Many2one(
        "dunning.level.variant",
        string="Variant",
        readonly=True,
        index="btree_not_null",
        # the variant a reminder was sent with stays known: archive it instead
        ondelete="restrict",
        help="The level's variant drawn for the customer: its email template "
        "is the one sent.",
    )
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
    legal_regime = fields.Selection(
        LEGAL_REGIMES,
        string="Penalty Regime",
        readonly=True,
        help="The late-payment regime that applied to this customer when the "
        "reminder was made: what its penalties and legal mentions follow.",
    )
    state = fields.Selection(
        STATES, required=True, default="queued", readonly=True, index=True
    )
    sent_datetime = fields.Datetime(string="Sent On", readonly=True)
    approved_by_id = fields.Many2one("res.users", readonly=True)
    approved_datetime = fields.Datetime(readonly=True)
    mail_id = fields.Many2one("mail.mail", string="Queued Email", readonly=True)
    # looked up by Odoo's mail gateway for each reply and bounce
    mail_message_id = fields.Many2one(
        "mail.message", string="Message", readonly=True, index="btree_not_null"
    )
    letter_attachment_id = fields.Many2one(
        "ir.attachment", string="Letter PDF", readonly=True
    )
    activity_id = fields.Many2one(
        "mail.activity", string="Call", readonly=True, index="btree_not_null"
    )
    sms_id = fields.Many2one(
        "sms.sms", string="SMS Message", readonly=True, index="btree_not_null"
    )
    error_message = fields.Text(readonly=True)
    skipped_channels = fields.Text(
        readonly=True, help="Channels not used, with the reason."
    )
    email_state = fields.Selection(
        CHANNEL_STATES,
        readonly=True,
        help="Pending: waiting for its invoice PDFs or in the mail queue.",
    )
    email_bounced = fields.Boolean(
        readonly=True,
        help="The recipient's side refused the email for good: a bounce report "
        "came back, or its server refused it (5xx).",
    )
    letter_state = fields.Selection(
        CHANNEL_STATES,
        readonly=True,
        index="btree_not_null",
        help="Pending: waiting in the letter queue to be rendered.",
    )
    letter_attempts = fields.Integer(readonly=True)
    letter_error = fields.Text(
        readonly=True, help="Why the letter could not be rendered."
    )
    letter_instructions = fields.Char(
        compute="_compute_letter_instructions",
        help="How to post the letter: for the collector, never printed.",
    )
    sms_state = fields.Selection(
        CHANNEL_STATES,
        readonly=True,
        help="Pending: in the SMS queue; done once the SMS provider accepted it.",
    )
    sms_delivered_datetime = fields.Datetime(
        string="SMS Delivered On",
        readonly=True,
        help="When the SMS provider reported the SMS delivered to the phone "
        "(only where the provider can reach this server).",
    )
    call_state = fields.Selection(
        CHANNEL_STATES,
        readonly=True,
        help="Pending: the call activity is open; done once marked done.",
    )

    @api.depends("tone", "channel_letter")
    def _compute_letter_instructions(self):
        for comm in self:
            comm.letter_instructions = (
                _("Send by registered post with acknowledgement of receipt.")
                if comm.channel_letter and comm.tone == "final"
                else False
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
    # Dispatch orchestration
    # ------------------------------------------------------------------
    def _dispatch(self):
        """Send the reminders of ``self`` by their channels, in batch. A bug
        while sending the batch is retried reminder by reminder, so that one
        bad customer fails alone."""
        self.filtered(lambda c: c.state == "queued")._dunning_recheck()
        # one search of each company's fallback collector for the whole batch
        todo = self.filtered(lambda c: c.state == "queued").with_context(
            dunning_fallback_users=self.env.context.get("dunning_fallback_users", {})
        )
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

    def _dispatch_channels(self):
        self._apply_channel_fallbacks()
        inline = len(self) <= INLINE_DOCUMENTS and not self.env.context.get(
            "dunning_queue_documents"
        )
        with self._dunning_render_memo():
            emails = self.filtered(lambda c: c.channel_email and c.state != "failed")
            waiting = self.browse() if inline else emails._dunning_waiting_for_pdfs()
            waiting.write({"email_state": "pending"})
            (emails - waiting)._dunning_send_emails()
            self._dispatch_letter()
            if inline:
                self._dunning_render_letters()
            self._dispatch_sms()
            self._dispatch_call()
        if waiting:
            self._dunning_trigger_documents()
        self._dunning_fail_unreachable()
        # Without email nor letter nothing reports back later: done now.
        # Letters stay queued until printed for posting.
        self.filtered(
            lambda c: c.state == "queued" and not (c.channel_email or c.channel_letter)
        ).write({"state": "sent", "sent_datetime": fields.Datetime.now()})

    def _dunning_fail_unreachable(self):
        """A reminder none of whose channels could go (a template broken by
        its data, no valid address left) failed: it says why, and its
        collector gets a to-do; it is never left queued with nothing sent."""
        dead = self.filtered(
            lambda c: c.state == "queued"
            and c._channels()
            and all(c[f"{ch}_state"] == "failed" for ch in c._channels())
        )
        if not dead:
            return
        dead.sudo().write({"state": "failed"})
        dead._dunning_schedule_todo(
            {
                comm: (
                    self.env._("Reminder %(name)s not sent", name=comm.name),
                    Markup("<p>%s</p>")
                    % self.env._(
                        "No channel of this reminder could be sent: %(reason)s",
                        reason=comm.error_message or comm.skipped_channels or "",
                    ),
                )
                for comm in dead
            }
        )

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
        todo_type = self.env.ref(TODO_ACTIVITY_TYPE)
        partner_model = self.env["ir.model"]._get_id("res.partner")
        self.env["mail.activity"].sudo().create(
            [
                {
                    "activity_type_id": todo_type.id,
                    "res_model_id": partner_model,
                    "res_id": comm.partner_id.id,
                    "user_id": (
                        comm.level_id.manager_user_id
                        if is_assignable(comm.level_id.manager_user_id)
                        else comm.company_id._dunning_fallback_user()
                    ).id,
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
            # in the currency of the invoices when they share one, as the
            # reminder claimed it; else in company currency
            groups = comm._dunning_penalty_groups()
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
            .sudo()
            .with_context(tracking_disable=True, mail_create_nolog=True)
            .create(values)
        )
        moves.action_post()
        for comm, move in zip(comms, moves, strict=True):
            comm.penalty_move_id = move
        return moves

    promise_ids = fields.One2many("dunning.promise", "communication_id")
    dispute_ids = fields.One2many("dunning.dispute", "communication_id")

    # ------------------------------------------------------------------
    # State machine: only the addon's methods change a reminder
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(_("Reminders are created by dunning runs, not directly."))
        levels = self.env["dunning.level"].browse(
            {vals.get("level_id") for vals in vals_list} - {None, False}
        )
        for vals in vals_list:
            if vals.get("level_id"):
                vals["scenario_id"] = levels.browse(vals["level_id"]).scenario_id.id
        return super().create(vals_list)

    def write(self, vals):
        locked = LOCKED_FIELDS.intersection(vals)
        if locked and not self.env.su:
            raise AccessError(
                _(
                    "The %(fields)s of a reminder change only through its actions "
                    "(approve, reject, cancel, send).",
                    fields=", ".join(
                        self._fields[name].get_description(self.env)["string"]
                        for name in sorted(locked)
                    ),
                )
            )
        if APPROVED_FIELDS.intersection(vals):
            self._check_not_approved()
        result = super().write(vals)
        if "state" in vals:
            # the items follow their reminder (the database's one-level-per-
            # item rule reads their state)
            self.line_ids.sudo().write({"state": vals["state"]})
        return result

    def _check_not_approved(self):
        """Refuse to change what a manager approved."""
        approved = self.filtered("approved_by_id")
        if approved:
            raise UserError(
                _(
                    "Reminder %(names)s was approved: its items and amounts can "
                    "no longer be changed. Cancel it and run the reminders again "
                    "instead.",
                    names=", ".join(approved.mapped("name")),
                )
            )

    def _check_approver(self):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(_("Only dunning managers approve or reject reminders."))
        if any(comm.state != "to_approve" for comm in self):
            raise UserError(_("Only reminders waiting for approval can be decided."))

    # ------------------------------------------------------------------
    # Re-check before anything leaves
    # ------------------------------------------------------------------
    def _dunning_recheck(self):
        """Drop the items settled or held back since the reminders were made
        (paid, disputed, excluded, under a payment plan, their customer
        excluded, paused or under a promise to pay): nothing goes out about
        them. A reminder with no item left is cancelled, with the reason. One
        query for all the reminders; the planner's rules decide."""
        comms = self.filtered(lambda c: c.state in ("to_approve", "queued"))
        if not comms:
            return self.browse()
        self.env.flush_all()
        planner = self.env["dunning.planner"]
        today = fields.Date.context_today(self)
        lines = comms.line_ids.filtered("move_line_id")
        # the reminded items still open, read by their keys, with what holds
        # each back now; an item not found is settled
        self.env.cr.execute(
            SQL(
                """
SELECT oi.id,
       COALESCE(%(held_back)s,
                CASE WHEN hold.partner_excluded THEN 'partner_excluded'
                     WHEN hold.paused_until >= %(today)s THEN 'partner_paused'
                     WHEN hold.promise_until >= %(today)s THEN 'promise'
                END)
  FROM (%(open_items)s) oi
  JOIN res_partner p ON p.id = oi.partner_id
  LEFT JOIN LATERAL (SELECT %(customer_hold)s) hold ON TRUE
                """,
                held_back=planner._held_back_sql("oi", today),
                customer_hold=planner._customer_hold_sql("p", SQL("oi.company_id")),
                open_items=planner._open_item_sql(
                    comms.company_id.ids,
                    comms.partner_id.ids,
                    item_ids=lines.move_line_id.ids,
                ),
                today=today,
            )
        )
        still_open = dict(self.env.cr.fetchall())
        reasons = {
            line.id: still_open.get(line.move_line_id.id, "in_payment")
            for line in lines
        }
        dropped = {line_id: reason for line_id, reason in reasons.items() if reason}
        if not dropped:
            return self.browse()
        lines = self.env["dunning.communication.line"].sudo().browse(list(dropped))
        labels = dict(
            self.env["dunning.run.log"]
            ._fields["reason"]
            ._description_selection(self.env)
        )
        affected = lines.communication_id
        notes = {}
        for comm, comm_lines in lines.grouped("communication_id").items():
            reasons = [dropped[line.id] for line in comm_lines]
            items = ", ".join(
                f"{line.move_id.name} ({labels.get(reason, reason)})"
                for line, reason in zip(comm_lines, reasons, strict=True)
            )
            notes[comm] = _(
                "Not reminded any more, changed since the reminder was made: "
                "%(items)s.",
                items=items,
            )
        lines.unlink()
        emptied = affected.filtered(lambda c: not c.line_ids)
        for comm in affected - emptied:
            remaining = comm.line_ids
            comm.sudo().write(
                {
                    "amount_due": sum(remaining.mapped("amount_residual")),
                    "penalty_interest": sum(remaining.mapped("penalty_interest")),
                    "penalty_indemnity": sum(remaining.mapped("penalty_indemnity")),
                }
            )
            comm.message_post(body=notes[comm])
        for comm in emptied:
            comm.sudo()._dunning_cancel(notes[comm])
        return affected

    def action_approve(self):
        self._check_approver()
        self._dunning_recheck()
        self = self.filtered(lambda c: c.state == "to_approve")  # noqa: PLW0642
        if not self:
            return True
        self.sudo().write(
            {
                "state": "queued",
                "approved_by_id": self.env.user.id,
                "approved_datetime": fields.Datetime.now(),
            }
        )
        for comm in self:
            comm.message_post(body=_("Approved."))
        immediate = self.filtered(
            lambda c: c.company_id.dunning_approval_dispatch == "immediate"
        )
        if immediate:
            # the approver's right was checked above; sending needs the rights
            # of the run (templates, attachments, activities)
            immediate.sudo()._dispatch()
        return True

    def action_reject(self):
        """Rejected reminders do not count as sent: their items can be
        reminded again at that level later (a cancelled one counts: its
        items stay reminded at its level)."""
        self._check_approver()
        self.sudo().write({"state": "rejected"})
        for comm in self:
            comm.message_post(body=_("Rejected by %(user)s.", user=self.env.user.name))
        return True

    def action_cancel(self):
        """A manager stops reminders that are not sent yet: what they queued
        (email, SMS, call) is cancelled with them."""
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(_("Only dunning managers cancel reminders."))
        if any(comm.state not in ("to_approve", "queued", "failed") for comm in self):
            raise UserError(_("Only reminders not sent yet can be cancelled."))
        self.sudo()._dunning_cancel(
            _("Cancelled by %(user)s.", user=self.env.user.name)
        )
        return True

    def _dunning_cancel(self, reason):
        """Cancel the reminders and everything they queued that has not left."""
        mails = self.mail_id.filtered(lambda m: m.state in ("outgoing", "exception"))
        mails.write({"state": "cancel"})
        self.sms_id.filtered(lambda sms: sms.state in ("outgoing", "error")).write(
            {"state": "canceled"}
        )
        self.activity_id.unlink()
        self.write({"state": "cancelled"})
        for comm in self:
            comm.message_post(body=reason)

    def _dunning_approved_pending(self, company):
        """Approved reminders not dispatched yet: nothing produced so far."""
        return self.search(
            [
                ("company_id", "=", company.id),
                ("state", "=", "queued"),
                ("approved_by_id", "!=", False),
                ("sent_datetime", "=", False),
                ("mail_id", "=", False),
                ("letter_attachment_id", "=", False),
                ("letter_state", "=", False),
                ("email_state", "=", False),
                ("activity_id", "=", False),
                ("sms_id", "=", False),
            ]
        )

    def action_preview_letter(self):
        """The reminder's letter as it would be printed, shown as HTML: not
        stored, not sent (the PDF kept as the official letter is rendered
        when the reminder is dispatched)."""
        self.ensure_one()
        report = self.level_id.letter_report_id or self.env.ref(LETTER_PREVIEW_REPORT)
        action = report.report_action(self, config=False)
        action.update(
            name=_("Letter of %(name)s", name=self.name),
            report_type="qweb-html",
        )
        return action

    def action_log_call_outcome(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Log Call Outcome"),
            "res_model": "dunning.call.outcome.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_partner_id": self.partner_id.id,
                "default_company_id": self.company_id.id,
                "default_communication_id": self.id,
                "default_activity_id": self.activity_id.id,
            },
        }

    def _dunning_contact(self):
        self.ensure_one()
        return self.contact_id or self.partner_id

    def _dunning_lang(self):
        """The customer's language when it is active in the database, else the
        company's: a customer with an archived or unknown language still gets
        its reminder."""
        self.ensure_one()
        contact = self._dunning_contact()
        active = dict(self.env["res.lang"].get_installed())
        candidates = (
            self.lang,
            contact.lang,
            self.partner_id.lang,
            self.company_id.partner_id.lang,
            "en_US",
        )
        return next((lang for lang in candidates if lang in active), next(iter(active)))

    def _dunning_invoice_numbers(self, limit=3):
        """Invoice numbers for a subject line, shortened past ``limit``."""
        self.ensure_one()
        names = list(dict.fromkeys(self.line_ids.move_id.mapped("name")))
        if len(names) > limit:
            return _(
                "%(names)s and %(count)s more",
                names=", ".join(names[:limit]),
                count=len(names) - limit,
            )
        return ", ".join(names)

    def _dunning_email_from(self):
        """One sender per company, whoever the collector (mailbox providers
        judge a sender by its address; SPF, DKIM and DMARC are set up for the
        company's domain): the company's reminder address, else the company's
        address; the collector only when the company has neither."""
        self.ensure_one()
        company = self.company_id
        if company.dunning_email:
            return formataddr((company.name, company.dunning_email))
        if company.email:
            return company.email_formatted
        return self.collector_id.email_formatted or self.env.user.email_formatted

    def _dunning_reply_to(self):
        """The company's catchall, named after the reminder: Odoo's mail
        gateway brings the reply back onto the reminder (by the Message-Id it
        answers). Without an alias domain, replies go to the collector."""
        self.ensure_one()
        company = self.company_id
        if company.catchall_email:
            return formataddr((f"{company.name} - {self.name}", company.catchall_email))
        if self.collector_id.email:
            return self.collector_id.email_formatted
        return self._dunning_email_from()

    def _dunning_mail_headers(self):
        """List-Unsubscribe (RFC 2369) with one-click (RFC 8058): the mailbox
        provider's "unsubscribe" button switches the customer to letters
        instead of the customer marking the reminder as spam."""
        self.ensure_one()
        url = f"{self._dunning_channel_preference_url()}/unsubscribe"
        return {
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }

    def _dunning_channel_token(self):
        """Signed link token of the customer in the reminder's company, valid
        for the company's token validity: it opens the customer's page and
        its channel preference."""
        self.ensure_one()
        return hash_sign(
            self.sudo().env,
            CHANNEL_TOKEN_SCOPE,
            {"partner_id": self.partner_id.id, "company_id": self.company_id.id},
            expiration=timedelta(days=self.company_id.dunning_token_validity_days),
        )

    def _dunning_channel_preference_url(self):
        self.ensure_one()
        base_url = self.company_id.get_base_url()
        return f"{base_url}/dunning/channel/{self._dunning_channel_token()}"

    def _dunning_portal_url(self):
        """The customer's page of the reminder's company (statement, payment,
        replies), opened by the same signed token as the channel preference."""
        self.ensure_one()
        base_url = self.company_id.get_base_url()
        return f"{base_url}/dunning/customer/{self._dunning_channel_token()}"

    def _dunning_payment_qr(self, bank, currency, amount):
        """(url, base64 image) of the payment QR code Odoo builds for this
        bank account and amount, or (False, False). A reminder without its QR
        code is still a reminder: a missing image backend only loses the QR."""
        self.ensure_one()
        args = (amount, self._dunning_invoice_numbers(limit=10), None, currency)
        try:
            url = bank.build_qr_code_url(*args, self.partner_id)
            image = url and bank.build_qr_code_base64(*args, self.partner_id)
        except Exception:  # noqa: BLE001 - e.g. no reportlab image backend
            _logger.warning("Payment QR code of %s not built", self.name, exc_info=True)
            return False, False
        return url or False, image or False

    def _dunning_bank_account(self):
        self.ensure_one()
        banks = self.line_ids.move_id.partner_bank_id.filtered(
            lambda b: b.partner_id == self.company_id.partner_id
        )
        return banks[:1] or self.company_id.partner_id.bank_ids[:1]

    def _dunning_next_step(self):
        """(level, date) of the next reminder, or (empty, deadline) after the
        last level."""
        self.ensure_one()
        level = self.level_id
        later = level.scenario_id.level_ids.filtered(
            lambda lv: (lv.offset_days, lv.sequence, lv.id)
            > (level.offset_days, level.sequence, level.id)
        ).sorted(lambda lv: (lv.offset_days, lv.sequence, lv.id))[:1]
        if later:
            return later, self.date + timedelta(
                days=max(later.offset_days - level.offset_days, 1)
            )
        return later, self.date + timedelta(days=FINAL_NOTICE_DAYS)

    def _dunning_company_address(self):
        self.ensure_one()
        partner = self.company_id.partner_id
        city = " ".join(filter(None, [partner.zip, partner.city]))
        return ", ".join(
            filter(
                None, [partner.street, partner.street2, city, partner.country_id.name]
            )
        )

    def _dunning_days_label(self, days_late):
        if days_late > 0:
            return _("%(days)s days late", days=days_late)
        if days_late < 0:
            return _("due in %(days)s days", days=-days_late)
        return _("due today")

    def _dunning_render_values(self):
        """Everything a reminder shows, formatted in the customer's language.
        During a dispatch (``_dunning_render_memo``) they are computed once per
        reminder, shared by its email, letter and call note."""
        self.ensure_one()
        lang = self._dunning_lang()
        memo = self.env.cr.cache.get(RENDER_MEMO_KEY)
        if memo is None:
            return self._dunning_compute_render_values(lang)
        if (self.id, lang) not in memo:
            memo[self.id, lang] = self._dunning_compute_render_values(lang)
        return memo[self.id, lang]

    def _dunning_ref(self, xmlid):
        """``env.ref(xmlid)`` (empty when missing), looked up once per
        dispatch (``_dunning_render_memo``): each ``env.ref`` checks that the
        record exists, a query per reminder otherwise."""
        memo = self.env.cr.cache.get(RENDER_MEMO_KEY)
        key = ("ref", xmlid)
        if memo is None or key not in memo:
            record = self.env.ref(xmlid, raise_if_not_found=False)
            if record is None:
                record = self.env["ir.model.data"].browse()
            if memo is None:
                return record
            memo[key] = record
        return memo[key].with_env(self.env)

    @contextmanager
    def _dunning_render_memo(self):
        """Share the render values of reminders within one dispatch only: the
        reminders do not change while they are sent."""
        if RENDER_MEMO_KEY in self.env.cr.cache:
            yield
            return
        self.env.cr.cache[RENDER_MEMO_KEY] = {}
        try:
            yield
        finally:
            self.env.cr.cache.pop(RENDER_MEMO_KEY, None)

    def _dunning_formatters(self, lang):
        """(format_day(date), format_money(amount, currency)) in ``lang``,
        shared by the reminders of one dispatch: the same due dates and
        amounts recur across a batch, and each formatting looks the language
        up again."""
        memo = self.env.cr.cache.get(RENDER_MEMO_KEY)
        key = ("formatters", lang)
        if memo is not None and key in memo:
            return memo[key]
        env = self.with_context(lang=lang).env
        format_day = lru_cache(maxsize=None)(
            lambda day: format_date(env, day, lang_code=lang)
        )
        money = lru_cache(maxsize=10000)(amount_formatter(env, lang))

        def format_money(amount, currency):
            return money(amount, currency.id)

        if memo is not None:
            memo[key] = (format_day, format_money)
        return format_day, format_money

    def _dunning_compute_render_values(self, lang):
        comm = self.with_context(lang=lang)
        format_day, format_money = comm._dunning_formatters(lang)
        base_url = comm.company_id.get_base_url()
        contact = comm._dunning_contact()
        token = comm._dunning_channel_token()
        portal_url = f"{base_url}/dunning/customer/{token}"
        items = []
        for line in comm.line_ids:
            move = line.move_id
            items.append(
                {
                    "number": move.name,
                    "reference": line.plan_line_id._dunning_label()
                    if line.plan_line_id
                    else (move.ref if move.ref and move.ref != move.name else ""),
                    "invoice_date": format_day(move.invoice_date),
                    "due_date": format_day(line.date_maturity),
                    "days_late": line.days_late,
                    "days_label": comm._dunning_days_label(line.days_late),
                    "amount": format_money(
                        line.amount_residual_currency, line.currency_id
                    ),
                    "currency": line.currency_id.name,
                    # the customer's page opens the invoice's payment page,
                    # which gives the invoice its portal token on that click
                    "payment_url": f"{portal_url}/pay?move_id={move.id}",
                }
            )
        amounts = comm._amounts_by_currency()
        totals = [format_money(amount, cur) for cur, amount in amounts]
        penalties = False
        if comm.tone in ("formal", "final"):
            penalties = comm._dunning_penalty_values(lang)
        next_level, next_date = comm._dunning_next_step()
        bank = comm._dunning_bank_account()
        qr_url = qr_image = False
        if bank and len(amounts) == 1:
            qr_url, qr_image = comm._dunning_payment_qr(bank, *amounts[0])
        collector = comm.collector_id
        return {
            "lang": lang,
            "company": comm.company_id,
            "customer": comm.partner_id,
            "contact": contact,
            "postal": comm._dunning_postal_partner() or contact,
            "customer_name": comm.partner_id.name,
            "contact_name": contact.name
            if contact != comm.partner_id
            else comm.partner_id.name,
            "date": format_day(comm.date),
            "company_address": comm._dunning_company_address(),
            "first_due_date": format_day(
                min(comm.line_ids.mapped("date_maturity") or [False]) or False
            ),
            "items": items,
            "totals": totals,
            "single_currency": len(amounts) == 1,
            "penalties": penalties,
            "next_level": next_level,
            "next_date": format_day(next_date),
            "bank": bank
            and {
                "holder": bank.partner_id.name,
                "iban": bank.acc_number,
                "bic": bank.bank_bic or "",
                "bank_name": bank.bank_name or "",
            },
            "qr_url": (base_url + qr_url)
            if qr_url and qr_url.startswith("/")
            else qr_url,
            "qr_image": qr_image,
            "greeting": comm._dunning_greeting(),
            "signature": comm._dunning_signature(),
            "legal_regime": comm._dunning_legal_regime(),
            "letterhead": comm._dunning_letterhead(),
            "collector": {
                "name": collector.name or comm.company_id.name,
                "email": collector.email
                or comm.company_id.dunning_email
                or comm.company_id.email
                or "",
                "phone": collector.phone or comm.company_id.phone or "",
            },
            "preference_url": f"{base_url}/dunning/channel/{token}",
            "portal_url": portal_url,
            "prefers_letter": comm.partner_id.with_company(
                comm.company_id
            ).dunning_preferred_channel
            == "letter",
        }

    def _dunning_legal_regime(self):
        """The regime frozen on the reminder; for reminders made before it was
        frozen, the scenario's, for business customers."""
        self.ensure_one()
        if self.legal_regime:
            return self.legal_regime
        regime = self.scenario_id.legal_regime or "none"
        if regime == "french_b2b" and not (
            self.company_id._dunning_is_french() and self.partner_id.is_company
        ):
            return "none"
        return regime

    def _dunning_penalty_groups(self):
        """[(currency, interest, indemnity, invoices charged)] of the
        reminder's penalties in the currency of their invoices. Lines frozen
        before the invoice-currency figures existed count in company
        currency."""
        self.ensure_one()
        groups = {}
        for line in self.line_ids:
            if line.penalty_interest_currency or line.penalty_indemnity_currency:
                currency = line.currency_id
                interest = line.penalty_interest_currency
                indemnity = line.penalty_indemnity_currency
            else:
                currency = line.company_currency_id
                interest, indemnity = line.penalty_interest, line.penalty_indemnity
            if not (interest or indemnity):
                continue
            group = groups.setdefault(currency, [0.0, 0.0, set()])
            group[0] += interest
            group[1] += indemnity
            if indemnity:
                group[2].add(line.move_id.id)
        if not groups and (self.penalty_interest or self.penalty_indemnity):
            late = self.line_ids.filtered(lambda ln: ln.days_late > 0).move_id
            groups[self.company_id.currency_id] = [
                self.penalty_interest,
                self.penalty_indemnity,
                set(late.ids) if self.penalty_indemnity else set(),
            ]
        return [
            (currency, interest, indemnity, len(moves))
            for currency, (interest, indemnity, moves) in sorted(
                groups.items(), key=lambda kv: kv[0].name
            )
        ]

    def _dunning_penalty_values(self, lang):
        """What a reminder says of its penalties, in the customer's language:
        the regime's terms and, per invoice currency, the interest, the fixed
        indemnity as the law states it (per late invoice, times the invoices)
        and the total. False without penalties."""
        self.ensure_one()
        env = self.with_context(lang=lang).env
        groups = self._dunning_penalty_groups()
        if not groups:
            return False
        terms = self.env["dunning.planner"]._penalty_terms(
            {"company": self.company_id}, self.scenario_id
        )
        unit_currency = terms["indemnity_currency"]
        unit_amount = terms["indemnity"]
        unit = "{} {}".format(
            unit_currency.name,
            formatLang(
                env,
                unit_amount,
                digits=0 if unit_amount == int(unit_amount) else 2,
            ),
        )
        rate = f"{formatLang(env, self.penalty_rate, digits=2)}\xa0%"
        date_label = format_date(env, self.date, lang_code=lang)
        currencies = []
        for currency, interest, indemnity, count in groups:
            lines = []
            if interest:
                lines.append(
                    env._(
                        "Late-payment interest at %(rate)s per year, to date: "
                        "%(amount)s",
                        rate=rate,
                        amount=format_amount(env, interest, currency, lang),
                    )
                )
            if indemnity:
                amount = format_amount(env, indemnity, currency, lang)
                if currency != unit_currency:
                    amount = env._(
                        "%(amount)s (converted on %(date)s)",
                        amount=amount,
                        date=date_label,
                    )
                lines.append(
                    env._(
                        "Fixed recovery indemnity: %(unit)s per late invoice "
                        "× %(count)s invoice: %(amount)s",
                        unit=unit,
                        count=count,
                        amount=amount,
                    )
                    if count == 1
                    else env._(
                        "Fixed recovery indemnity: %(unit)s per late invoice "
                        "× %(count)s invoices: %(amount)s",
                        unit=unit,
                        count=count,
                        amount=amount,
                    )
                )
            currencies.append(
                {
                    "currency": currency.name,
                    "lines": lines,
                    "total": format_amount(env, interest + indemnity, currency, lang),
                }
            )
        return {
            "rate": rate,
            "indemnity_unit": unit if unit_amount else "",
            "currencies": currencies,
        }

    def _dunning_greeting(self):
        """The salutation of the reminder's contact, in the reminder's
        language: by name (and title) for a person, the formal "Dear Sir or
        Madam" for a company or a contact without a name."""
        self.ensure_one()
        contact = self._dunning_contact()
        env = self.env
        if contact.is_company or not contact.name:
            return env._("Dear Sir or Madam,")
        if contact.title:
            return env._(
                "Dear %(shortcut)s %(name)s,",
                shortcut=contact.title.shortcut or contact.title.name,
                title=contact.title.name,
                name=contact.name,
            )
        return env._("Dear %(name)s,", name=contact.name)

    def _dunning_signature(self):
        """The lines signing the reminder: the collector's name, job title
        and company; without a collector, the company's reminder signature
        and name."""
        self.ensure_one()
        company = self.company_id
        collector = self.collector_id
        if collector:
            title = collector.partner_id.function or self.env._("Credit Management")
            return [collector.name, title, company.name]
        lines = (company.dunning_signature or "").strip().splitlines()
        if not lines:
            lines = [self.env._("Credit Management Department")]
        if company.name not in lines:
            lines.append(company.name)
        return lines

    def _dunning_letterhead(self):
        """The company block printed at the top and bottom of a letter: in
        the body, so that any wkhtmltopdf prints it."""
        self.ensure_one()
        company = self.company_id
        partner = company.partner_id
        city = " ".join(filter(None, [partner.zip, partner.city]))
        legal = []
        if company.vat:
            legal.append(self.env._("VAT: %(vat)s", vat=company.vat))
        if company.company_registry:
            legal.append(
                self.env._("Registry: %(number)s", number=company.company_registry)
            )
        return {
            "name": company.name,
            "address": [
                line
                for line in (
                    partner.street,
                    partner.street2,
                    city,
                    partner.country_id.name,
                )
                if line
            ],
            "contact": [
                item for item in (company.phone, company.email, company.website) if item
            ],
            "legal": legal,
        }

    def _dunning_sms_values(self):
        """The values an SMS text shows (``dunning.level.sms_body``
        placeholders), formatted in the customer's language."""
        self.ensure_one()
        lang = self._dunning_lang()
        comm = self.with_context(lang=lang)
        env = comm.env
        lines = comm.line_ids.sorted("date_maturity")
        first = lines[:1]
        base_url = comm.company_id.get_base_url()
        moves = lines.move_id
        return {
            "company": comm.company_id.name,
            "customer": comm.partner_id.name,
            "reminder": comm.name,
            "invoices": comm._dunning_invoice_numbers(),
            "count": len(moves),
            "amount": " + ".join(
                format_amount(env, amount, cur, lang)
                for cur, amount in comm._amounts_by_currency()
            ),
            "due_date": format_date(env, first.date_maturity, lang_code=lang),
            "url": base_url
            + (
                first.move_id.sudo().get_portal_url()
                if len(moves) == 1
                else "/my/invoices"
            ),
        }

    def _dunning_sms_text(self):
        """The level's SMS text with the reminder's values when it has one,
        else a short default: total, earliest due date and a payment link."""
        self.ensure_one()
        values = self._dunning_sms_values()
        env = self.with_context(lang=self._dunning_lang()).env
        custom = self.level_id.with_env(env).sms_body
        if custom:
            try:
                return custom.format_map(values)
            except (KeyError, ValueError, IndexError, AttributeError):
                # a broken translation of the text: the default still informs
                _logger.warning(
                    "SMS text of level %s not rendered", self.level_id.display_name
                )
        if values["count"] == 1:
            return env._(
                "%(company)s: invoice %(number)s, %(amount)s due on %(date)s. "
                "Pay online: %(url)s",
                company=values["company"],
                number=values["invoices"],
                amount=values["amount"],
                date=values["due_date"],
                url=values["url"],
            )
        return env._(
            "%(company)s: %(count)s invoices, %(amount)s due since %(date)s. "
            "Pay online: %(url)s",
            company=values["company"],
            count=values["count"],
            amount=values["amount"],
            date=values["due_date"],
            url=values["url"],
        )

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _dunning_append(self, values_by_comm, field, text):
        """Queue ``text`` to append to ``field`` of each communication."""
        for comm in self:
            vals = values_by_comm.setdefault(comm, {})
            current = vals.get(field, comm[field] or "")
            vals[field] = f"{current}\n{text}".strip()

    def _dunning_write_values(self, values_by_comm):
        for comm, vals in values_by_comm.items():
            if vals:
                comm.sudo().write(vals)

    def _dunning_responsible(self):
        """Who handles manual follow-up: the level's responsible when it has
        one, else the customer's collector chain in the reminder's company
        (``res.partner._dunning_collector``); never an archived user or
        OdooBot."""
        self.ensure_one()
        if is_assignable(self.level_id.activity_user_id):
            return self.level_id.activity_user_id
        return (
            self.partner_id.with_company(self.company_id)
            .with_context(allowed_company_ids=[self.company_id.id])
            ._dunning_collector()
        )

    def _dunning_has_postal_address(self, partner):
        return bool(
            partner.street and partner.city and (partner.zip or partner.country_id)
        )

    def _dunning_postal_partner(self):
        """Where the letter goes: the contact's address, else the customer's
        (the contact's name is still printed), else nothing."""
        self.ensure_one()
        for partner in (self._dunning_contact(), self.partner_id):
            if self._dunning_has_postal_address(partner):
                return partner
        return self.env["res.partner"]

    def _dunning_schedule_todo(self, summaries):
        """To-do activities on the customers for their collector, from
        {communication: (summary, note)}: one per customer, collector and day,
        the notes of the same day gathered in it (a batch creating two
        activities for one record and user would subscribe that user twice)."""
        if not summaries:
            return self.env["mail.activity"]
        self = self.with_context(  # noqa: PLW0642 - one memo for the batch
            dunning_fallback_users=self.env.context.get("dunning_fallback_users", {})
        )
        todo_type = self.env.ref(TODO_ACTIVITY_TYPE)
        today = fields.Date.context_today(self)
        grouped = {}
        for comm, (summary, note) in summaries.items():
            user = comm._dunning_responsible()
            key = (comm.partner_id.id, user.id)
            if key in grouped:
                grouped[key]["note"] += note
            else:
                grouped[key] = {"summary": summary, "note": note}
        Activity = self.env["mail.activity"].sudo()
        existing = Activity.search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "in", [partner_id for partner_id, _user in grouped]),
                ("activity_type_id", "=", todo_type.id),
                ("date_deadline", "=", today),
            ]
        )
        same_day = {(act.res_id, act.user_id.id): act for act in existing}
        for key, values in grouped.items():
            if key in same_day:
                activity = same_day[key]
                activity.note = (activity.note or Markup()) + values["note"]
        partner_model = self.env["ir.model"]._get_id("res.partner")
        return Activity.create(
            [
                {
                    "activity_type_id": todo_type.id,
                    "res_model_id": partner_model,
                    "res_id": partner_id,
                    "user_id": user_id or False,
                    "date_deadline": today,
                    "summary": values["summary"],
                    "note": values["note"],
                }
                for (partner_id, user_id), values in grouped.items()
                if (partner_id, user_id) not in same_day
            ]
        )

    def _dunning_mark_sent(self):
        todo = self.filtered(lambda c: c.state in ("queued", "failed"))
        if todo:
            todo.sudo().write({"state": "sent", "sent_datetime": fields.Datetime.now()})

    # ------------------------------------------------------------------
    # Fallbacks
    # ------------------------------------------------------------------
    def _apply_channel_fallbacks(self):
        """Replace or drop the channels the customer cannot receive, so that
        nothing is silently lost: each change is written in
        ``skipped_channels``; a letter without address asks the collector."""
        values = {}
        todo = {}
        for comm in self:
            contact = comm._dunning_contact()
            vals = {}
            partner = comm.partner_id.with_company(comm.company_id)
            wants_letter = partner.dunning_preferred_channel == "letter"
            if comm.channel_email and (not contact.email_normalized or wants_letter):
                vals.update(channel_email=False, channel_letter=True)
                reason = (
                    _("Email: the customer asked for letters; letter sent instead.")
                    if wants_letter
                    else _(
                        "Email: %(contact)s has no email address; letter sent "
                        "instead.",
                        contact=contact.display_name,
                    )
                )
                comm._dunning_append(values, "skipped_channels", reason)
            if comm.channel_sms and not contact.mobile:
                vals["channel_sms"] = False
                comm._dunning_append(
                    values,
                    "skipped_channels",
                    _(
                        "SMS: %(contact)s has no mobile number.",
                        contact=contact.display_name,
                    ),
                )
            letter = vals.get("channel_letter", comm.channel_letter)
            if letter and not comm._dunning_postal_partner():
                vals["channel_letter"] = False
                reason = _(
                    "Letter: %(contact)s has no complete postal address.",
                    contact=contact.display_name,
                )
                comm._dunning_append(values, "skipped_channels", reason)
                todo[comm] = (
                    _(
                        "Complete the postal address of %(contact)s",
                        contact=contact.display_name,
                    ),
                    Markup("<p>%s</p>")
                    % _(
                        "The reminder %(name)s could not be sent by letter: the "
                        "postal address of %(contact)s is incomplete. Complete it "
                        "and print the letter from the reminder.",
                        name=comm.name,
                        contact=contact.display_name,
                    ),
                )
            values.setdefault(comm, {}).update(vals)
            remaining = [
                ch
                for ch in ("email", "letter", "sms", "call")
                if values[comm].get(f"channel_{ch}", comm[f"channel_{ch}"])
            ]
            if not remaining:
                values[comm].update(
                    state="failed",
                    error_message=_("No channel could reach the customer."),
                )
        self._dunning_write_values(values)
        self._dunning_schedule_todo(todo)
        return True

    # ------------------------------------------------------------------
    # Email
    # ------------------------------------------------------------------
    def _dunning_mail_template(self):
        self.ensure_one()
        if self.variant_id.mail_template_id.active:
            return self.variant_id.mail_template_id
        return self.level_id.mail_template_id or self._dunning_ref(
            DEFAULT_TEMPLATES.get(self.tone or self.level_id.tone, "")
        )

    def _dunning_invoice_attachments(self):
        """{communication: attachments} of the stored PDFs of its invoices,
        and {communication: invoices without one}. The official PDF of an
        invoice is Odoo's to create when the invoice is sent: a reminder only
        attaches it when it exists; the email links to every invoice."""
        comms = self.filtered("level_id.attach_invoices")
        stored = {}
        for move in comms.line_ids.move_id:
            pdf = move.invoice_pdf_report_id or (
                move.message_main_attachment_id
                if move.message_main_attachment_id.mimetype == "application/pdf"
                else False
            )
            if pdf:
                stored[move] = pdf
        attachments, missing = {}, {}
        for comm in comms:
            moves = comm.line_ids.move_id
            attachments[comm] = self.env["ir.attachment"].union(
                *(stored[m] for m in moves if m in stored)
            )
            missing[comm] = moves.filtered(lambda m: m not in stored)
        return attachments, missing

    def _dispatch_email(self):
        """Render the tone's template in batch, in each contact's language, and
        queue one ``mail.mail`` per reminder, logged on the customer and on each
        reminded invoice."""
        comms = self.filtered(lambda c: c.channel_email and c.state != "failed")
        if not comms:
            return self.env["mail.mail"]
        errors = {}
        mail_values = []
        mail_comms = []
        for template, group in comms.grouped(
            lambda c: c._dunning_mail_template()
        ).items():
            if not template:
                comms._dunning_append(
                    errors, "error_message", _("Email: no email template.")
                )
                continue
            rendered, failures = group._dunning_render_mail(template)
            for comm, error in failures.items():
                comm._dunning_append(
                    errors,
                    "error_message",
                    _(
                        "Email: the template could not be rendered: %(error)s",
                        error=error,
                    ),
                )
            for comm in group:
                values = rendered.get(comm.id)
                if values is None:
                    continue
                mail_values.append(comm._dunning_mail_values(values))
                mail_comms.append(comm)
        attachments, missing = self.browse(
            [c.id for c in mail_comms]
        )._dunning_invoice_attachments()
        for comm, vals in zip(mail_comms, mail_values, strict=True):
            if attachments.get(comm):
                vals["attachment_ids"] = [(6, 0, attachments[comm].ids)]
            if missing.get(comm):
                comm._dunning_append(
                    errors,
                    "skipped_channels",
                    _(
                        "Email: no PDF stored for %(invoices)s, not attached "
                        "(the email links to the invoice online).",
                        invoices=", ".join(missing[comm].mapped("name")),
                    ),
                )
        # the chatter messages are created with them, in the same batch
        mails = self.env["mail.mail"].sudo().create(mail_values)
        for comm, mail in zip(mail_comms, mails, strict=True):
            errors.setdefault(comm, {}).update(
                mail_id=mail.id, mail_message_id=mail.mail_message_id.id
            )
        self._dunning_write_values(errors)
        return mails

    def _dunning_render_mail(self, template):
        """({reminder id: rendered values}, {reminder: error}): the batch in
        one render; when it raises (one customer's data breaks the template),
        each reminder again on its own, so that only the broken ones fail."""
        try:
            with self.env.cr.savepoint():
                return self._dunning_render_template(template), {}
        except Exception:  # noqa: BLE001 - retried reminder by reminder below
            _logger.info(
                "Dunning email batch of %s failed, rendering one by one",
                template.display_name,
                exc_info=True,
            )
        rendered, failures = {}, {}
        for comm in self:
            try:
                with self.env.cr.savepoint():
                    rendered.update(comm._dunning_render_template(template))
            except Exception as error:  # noqa: BLE001 - reported on the reminder
                _logger.warning(
                    "Dunning email of %s not rendered: %s", comm.name, error
                )
                failures[comm] = error
        return rendered, failures

    def _dunning_render_template(self, template):
        """{reminder id: {field: rendered value}} of the email fields of
        ``template``, each reminder in the template's language for it: the
        mail template's ``_render_field``, the rendering entry point Odoo's
        apps share (SMS, mass mailing, events), unchanged since 14.0."""
        langs = template._render_field("lang", self.ids) if template.lang else {}
        by_lang = defaultdict(list)
        for comm_id in self.ids:
            by_lang[langs.get(comm_id) or False].append(comm_id)
        rendered = {comm_id: {} for comm_id in self.ids}
        for lang, ids in by_lang.items():
            values = {"body_html": self._dunning_render_body(template, ids, lang)}
            for field in ("subject", "email_from", "reply_to"):
                values[field] = template._render_field(field, ids, set_lang=lang)
            for field, by_id in values.items():
                for comm_id, value in by_id.items():
                    rendered[comm_id][field] = value
        return rendered

    @api.model
    def _dunning_render_body(self, template, ids, lang):
        """{reminder id: body} of ``template`` in ``lang``. A body that only
        calls a view with constant values (the addon's templates: ``<t
        t-call="...dunning_reminder_email"><t t-set="tone" t-value="'formal'"
        /></t>``) renders that view with those values through the mail
        renderer's ``qweb_view`` engine: the same HTML, from the view Odoo
        compiled once, instead of compiling the body again for every reminder.
        Any other body (edited by a user) renders as written."""
        template = template.with_context(lang=lang) if lang else template
        call = body_view_call(template.body_html)
        if not call or not self.env.ref(call[0], raise_if_not_found=False):
            return template._render_field("body_html", ids, set_lang=lang)
        view, values, (leading, trailing) = call
        rendered = template._render_template(
            view,
            template.render_model,
            ids,
            engine="qweb_view",
            add_context=values,
            options=dict(template._fields["body_html"].render_options),
        )
        return {
            comm_id: Markup(leading) + body + Markup(trailing)
            for comm_id, body in rendered.items()
        }

    def _dunning_chatter_summary(self, contact):
        """One line for the customer's chatter: reminder, level, recipient,
        invoices and amounts."""
        self.ensure_one()
        return Markup("<p>%s</p>") % _(
            "Reminder %(name)s (%(level)s) emailed to %(email)s: %(invoices)s, "
            "%(amount)s due.",
            name=self.name,
            level=self.level_id.name,
            email=contact.email or "",
            invoices=", ".join(self.line_ids.move_id.mapped("name")),
            amount=self.amount_due_by_currency,
        )

    def _dunning_mail_values(self, rendered):
        self.ensure_one()
        contact = self._dunning_contact()
        author = self.collector_id.partner_id or self.company_id.partner_id
        return {
            "subject": rendered.get("subject") or self.name,
            # the email itself stays on the queued email (kept after sending);
            # the chatter shows what was sent, short: sanitizing the whole
            # email again for the chatter cost more than rendering it
            "body_html": rendered.get("body_html"),
            "body": self._dunning_chatter_summary(contact),
            "email_from": rendered.get("email_from") or self._dunning_email_from(),
            "reply_to": rendered.get("reply_to") or self._dunning_reply_to(),
            "recipient_ids": [(4, contact.id)],
            "author_id": author.id,
            # on the customer, shared between companies: a dunning note of the
            # reminder's company, which record rules keep to its dunning users
            "model": "res.partner",
            "res_id": self.partner_id.id,
            "record_name": self.partner_id.display_name,
            "record_company_id": self.company_id.id,
            "message_type": "email_outgoing",
            "subtype_id": self._dunning_ref(DUNNING_NOTE_SUBTYPE).id,
            # Kept after sending: the queued email is the evidence of the notice.
            "auto_delete": False,
            "dunning_communication_id": self.id,
            "headers": repr(self._dunning_mail_headers()),
            "dunning_recipient_domain": (
                (contact.email_normalized or "").rpartition("@")[2] or False
            ),
        }

    def _dunning_log_on_invoices(self, title):
        """One note per reminded invoice, created in one batch. The values
        ``mail.message.create`` would compute note by note (reply-to, sender,
        message id) are computed once per author and company, as mail.thread
        does for a batch of notes: internal notes notify nobody and need no
        per-invoice reply-to."""
        note = self.env.ref(DUNNING_NOTE_SUBTYPE).id
        senders = {}
        values = []
        for comm in self:
            body = Markup("<p>%s</p>") % _(
                "%(title)s: %(name)s (%(level)s).",
                title=title,
                name=comm.name,
                level=comm.level_id.name,
            )
            author = comm.collector_id.partner_id or comm.company_id.partner_id
            sender = (author, comm.company_id)
            if sender not in senders:
                email_from = author.email_formatted
                senders[sender] = {
                    "author_id": author.id,
                    "email_from": email_from,
                    # what mail.thread gives a note: the company's catchall
                    "reply_to": comm.company_id.catchall_formatted or email_from,
                    "message_id": generate_tracking_message_id("message-notify"),
                }
            values += [
                {
                    "model": "account.move",
                    "res_id": move.id,
                    "record_company_id": comm.company_id.id,
                    "record_name": False,
                    "body": body,
                    "message_type": "notification",
                    "subtype_id": note,
                    "is_internal": True,
                    **senders[sender],
                }
                for move in comm.line_ids.move_id
            ]
        return self.env["mail.message"].sudo().create(values)

    # ------------------------------------------------------------------
    # Letter
    # ------------------------------------------------------------------
    def _dunning_letter_report(self):
        self.ensure_one()
        return self.level_id.letter_report_id or self._dunning_ref(LETTER_REPORT)

    def _dunning_letter_filename(self, extension="pdf"):
        self.ensure_one()
        return _(
            "Reminder %(name)s.%(ext)s", name=self.name.replace("/", "-"), ext=extension
        )

    @api.model
    def _dunning_render_pdf(self, report, res_ids):
        """(content, report type) of ``report`` for ``res_ids``: the addon's
        only call of ``ir.actions.report._render_qweb_pdf``. Odoo 18 has no
        public method that returns a report's document (``report_action`` only
        describes it for the browser, which downloads it through
        ``/report/pdf``); Odoo's own apps call this one where they need the
        bytes (invoice sending, mail template attachments). Tests get HTML
        unless the context forces PDF rendering."""
        return self.env["ir.actions.report"]._render_qweb_pdf(report, res_ids)

    def _dispatch_letter(self):
        """Queue the letters of the batch: the scheduled action "render
        reminder letters" renders them (``_cron_produce_documents``)."""
        comms = self.filtered(
            lambda c: c.channel_letter
            and c.state != "failed"
            and c.letter_state != "done"
            and not c.letter_attachment_id
        )
        if comms:
            comms.sudo().write(
                {"letter_state": "pending", "letter_attempts": 0, "letter_error": False}
            )
            comms._dunning_trigger_documents()
        return comms

    def _dunning_trigger_documents(self):
        cron = self.env.ref(DOCUMENTS_CRON, raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()

    def _dunning_render_letters(self, deadline=None):
        """Render the pending letters of ``self`` now and store one PDF per
        reminder, on the reminder and in the customer's chatter. A letter
        that fails is tried again by the next calls of the queue, then
        failed with its reason; one not reached before ``deadline``
        (``time.monotonic()``) waits for the next call. They are marked sent
        when printed for posting (``action_print_letters``)."""
        comms = self.filtered(lambda c: c.letter_state == "pending")
        if not comms:
            return self.env["ir.attachment"]
        rendered, errors = {}, {}
        by_report = comms.grouped(lambda c: c._dunning_letter_report())
        for report, group in by_report.items():
            done, failed = group._dunning_render_letter_group(report, deadline)
            rendered.update(done)
            errors.update(failed)
        values = {}
        for comm, error in errors.items():
            attempts = comm.letter_attempts + 1
            text = _("Letter: the PDF could not be rendered: %(error)s", error=error)
            values[comm] = {"letter_attempts": attempts, "letter_error": text}
            if attempts >= MAX_LETTER_ATTEMPTS:
                values[comm]["letter_state"] = "failed"
        attachments = self._dunning_store_letters(rendered, values)
        self._dunning_write_values(values)
        return attachments

    def _dunning_render_letter_group(self, report, deadline=None):
        """({communication: attachment or (content, mimetype)}, {communication:
        error}) for the letters of ``self`` with ``report``. The addon's own
        letter is rendered in batches, several letters per wkhtmltopdf call
        (``_dunning_render_letter_batch``); the letters of a batch that fails
        or cannot be cut with certainty, and those of another report, one per
        call, so that one bad letter fails alone. Nothing new is started
        after ``deadline``."""
        rendered = {}
        if len(self) > 1 and report == self._dunning_ref(LETTER_REPORT):
            size = self._dunning_letter_batch_size()
            for start in range(0, len(self), size):
                batch = self[start : start + size]
                if deadline is not None and time.monotonic() >= deadline:
                    break
                if len(batch) > 1:
                    rendered.update(batch._dunning_render_letter_batch())
        todo = self.filtered(lambda c: c not in rendered)
        done, errors = todo._dunning_render_one_by_one(report, deadline)
        rendered.update(done)
        return rendered, errors

    def _dunning_render_one_by_one(self, report, deadline=None):
        """({communication: attachment or (content, mimetype)}, {communication:
        error}) of the letters of ``self``, one wkhtmltopdf call each (several
        at a time with ``_dunning_letter_workers``)."""
        rendered, errors = {}, {}
        workers = self._dunning_letter_workers()
        if workers > 1 and len(self) > 1:
            return self._dunning_render_concurrently(report, workers, deadline)
        for comm in self:
            if deadline is not None and time.monotonic() >= deadline:
                break
            try:
                with self.env.cr.savepoint():
                    content, report_type = self._dunning_render_pdf(report, comm.ids)
            except Exception as error:  # noqa: BLE001 - retried by the queue
                _logger.warning("Letter %s not rendered", comm.name, exc_info=True)
                errors[comm] = str(error) or repr(error)
                continue
            attachment = report_type == "pdf" and report.retrieve_attachment(comm)
            mimetype = "application/pdf" if report_type == "pdf" else "text/html"
            rendered[comm] = attachment or (content, mimetype)
        return rendered, errors

    def _dunning_letter_batch_size(self):
        """Letters per wkhtmltopdf call, and reminders per transaction of the
        letter queue (``ir.config_parameter``)."""
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(LETTER_BATCH_PARAM, DEFAULT_LETTER_BATCH)
        )
        try:
            return max(int(value), 1)
        except ValueError:
            return DEFAULT_LETTER_BATCH

    def _dunning_letter_anchor(self, edge):
        """The anchor of the link that opens (``edge`` "start") or closes
        ("end") the reminder's letter: where the letter queue cuts a PDF of
        several letters."""
        self.ensure_one()
        return f"dunning-letter-{self.id}-{edge}"

    def _dunning_render_letter_batch(self):
        """{communication: (pdf, mimetype)} of the letters of ``self`` from one
        wkhtmltopdf call: the batch report prints them one after the other,
        each from the top of a new page, and its PDF is cut between them
        (``_dunning_split_letters``). Empty when the call fails or the cut is
        not certain: the caller renders them one by one then."""
        report = self._dunning_ref(LETTER_BATCH_REPORT)
        if not report:
            return {}
        names = ", ".join(self.mapped("name"))
        try:
            with self.env.cr.savepoint():
                content, report_type = self._dunning_render_pdf(report, self.ids)
        except Exception:  # noqa: BLE001 - rendered one by one by the caller
            _logger.warning(
                "Letters %s not rendered together, rendering them one by one",
                names,
                exc_info=True,
            )
            return {}
        if report_type != "pdf":
            return {}
        letters = self._dunning_split_letters(content)
        if letters is None:
            _logger.warning(
                "The PDF of the letters %s could not be cut into letters with "
                "certainty, rendering them one by one",
                names,
            )
            return {}
        return {
            comm: (letter, "application/pdf")
            for comm, letter in zip(self, letters, strict=True)
        }

    @api.model
    def _dunning_letter_anchors(self, page):
        """{(reminder id, edge)} of the letter anchors linked from ``page``."""
        anchors = set()
        annotations = page.get("/Annots")
        annotations = annotations.get_object() if annotations else []
        for annotation in annotations:
            action = annotation.get_object().get("/A")
            uri = action and action.get_object().get("/URI")
            match = uri and LETTER_ANCHOR.fullmatch(str(uri).rpartition("#")[2])
            if match:
                anchors.add((int(match[1]), match[2]))
        return anchors

    def _dunning_split_letters(self, pdf):
        """The PDF of each letter of ``self`` (in order) cut from ``pdf``, their
        batch render, or None unless the cut is certain. Each letter opens and
        closes with a link to its anchors (``_dunning_letter_anchor``), the
        first and last things it prints: a letter is certain to fill pages of
        its own when it opens on the page after the one where the letter before
        it closes, the first on the first page and the last closing on the last
        page."""
        try:
            reader = PdfReader(io.BytesIO(pdf), strict=False)
            pages = list(reader.pages)
            found = {}
            for index, page in enumerate(pages):
                for anchor in self._dunning_letter_anchors(page):
                    found.setdefault(anchor, []).append(index)
        except Exception:  # noqa: BLE001 - not cut: rendered one by one
            _logger.warning("Unreadable PDF of letters", exc_info=True)
            return None
        letters, next_page = [], 0
        for comm in self:
            start = found.get((comm.id, "start"), [])
            end = found.get((comm.id, "end"), [])
            if start != [next_page] or len(end) != 1 or end[0] < start[0]:
                return None
            next_page = end[0] + 1
            writer = PdfWriter()
            for page in pages[start[0] : next_page]:
                writer.add_page(page)
            stream = io.BytesIO()
            writer.write(stream)
            letters.append(stream.getvalue())
        if next_page != len(pages):
            return None
        return letters

    def _dunning_letter_workers(self):
        """How many letters the letter queue renders at the same time, each
        by its own wkhtmltopdf process: one process spends most of its second
        waiting (Odoo's ``report.print_delay``, the stylesheets fetched from
        the server), not computing. Only in the queue, whose reminders are
        committed: each letter is read by its own cursor. One at a time in
        tests, which share a single cursor."""
        if not self.env.context.get("dunning_letter_queue") or (
            modules.module.current_test
        ):
            return 1
        return max(
            int(
                self.env["ir.config_parameter"]
                .sudo()
                .get_param(LETTER_WORKERS_PARAM, DEFAULT_LETTER_WORKERS)
            ),
            1,
        )

    def _dunning_render_concurrently(self, report, workers, deadline=None):
        """({communication: (content, mimetype)}, {communication: error}) of
        the letters of ``self``, ``workers`` at a time, each in a thread with
        its own read-only cursor: nothing is written there (no report
        attachment either, ``report_pdf_no_attachment``), the caller stores
        the letters in its own transaction. A letter not started before
        ``deadline`` waits for the next call of the queue."""
        registry = self.env.registry
        uid, su = self.env.uid, self.env.su
        context = dict(self.env.context, report_pdf_no_attachment=True)
        report_id = report.id

        def render(comm_id):
            if deadline is not None and time.monotonic() >= deadline:
                return comm_id, None, None
            with registry.cursor() as cr:
                # the queue holds the reminders' rows: a render that would
                # write one fails after a while instead of waiting forever
                cr.execute("SET LOCAL lock_timeout = '10s'")
                env = api.Environment(cr, uid, context, su=su)
                comm = env["dunning.communication"].browse(comm_id)
                try:
                    with comm._dunning_render_memo():
                        content, report_type = comm._dunning_render_pdf(
                            env["ir.actions.report"].browse(report_id), [comm_id]
                        )
                except Exception as error:  # noqa: BLE001 - retried by the queue
                    _logger.warning("Letter %s not rendered", comm_id, exc_info=True)
                    return comm_id, None, str(error) or repr(error)
                finally:
                    cr.rollback()
            mimetype = "application/pdf" if report_type == "pdf" else "text/html"
            return comm_id, (content, mimetype), None

        rendered, errors = {}, {}
        with ThreadPoolExecutor(workers, thread_name_prefix="dunning_letter") as pool:
            for comm_id, letter, error in pool.map(render, self.ids):
                if letter:
                    rendered[self.browse(comm_id)] = letter
                elif error:
                    errors[self.browse(comm_id)] = error
        return rendered, errors

    def _dunning_store_letters(self, rendered, values):
        """Keep each rendered letter on its reminder (the attachment Odoo
        stored, else a new one), with a dunning note on the customer: the
        customer is shared between companies, the letter stays on the reminder,
        which record rules keep to its company's dunning users."""
        if not rendered:
            return self.env["ir.attachment"]
        own_values = [
            {
                "name": comm._dunning_letter_filename(
                    "pdf" if letter[1] == "application/pdf" else "html"
                ),
                "raw": letter[0],
                "mimetype": letter[1],
                "company_id": comm.company_id.id,
                "res_model": "dunning.communication",
                "res_id": comm.id,
            }
            for comm, letter in rendered.items()
            if isinstance(letter, tuple)
        ]
        created = iter(self.env["ir.attachment"].sudo().create(own_values))
        subtype = self.env.ref(DUNNING_NOTE_SUBTYPE).id
        attachments = self.env["ir.attachment"]
        messages = []
        for comm, letter in rendered.items():
            own = next(created) if isinstance(letter, tuple) else letter
            attachments |= own
            values.setdefault(comm, {}).update(
                letter_attachment_id=own.id, letter_state="done", letter_error=False
            )
            messages.append(
                {
                    "model": "res.partner",
                    "res_id": comm.partner_id.id,
                    "record_company_id": comm.company_id.id,
                    "body": Markup("<p>%s</p>")
                    % _(
                        "Reminder letter %(name)s (%(level)s) ready for posting.",
                        name=comm.name,
                        level=comm.level_id.name,
                    ),
                    "message_type": "notification",
                    "subtype_id": subtype,
                    "author_id": (
                        comm.collector_id.partner_id or comm.company_id.partner_id
                    ).id,
                }
            )
        self.env["mail.message"].sudo().create(messages)
        return attachments

    # ------------------------------------------------------------------
    # Document queue: letters, and emails waiting for invoice PDFs
    # ------------------------------------------------------------------
    def _dunning_waiting_for_pdfs(self):
        """The reminders whose email attaches an invoice without a stored PDF:
        rendering it takes a wkhtmltopdf call, the queue's job."""
        return self.filtered(
            lambda c: c.level_id.attach_invoices
            and any(
                move.state == "posted"
                and not move.invoice_pdf_report_id
                and move.message_main_attachment_id.mimetype != "application/pdf"
                for move in c.line_ids.move_id
            )
        )

    def _dunning_send_emails(self):
        """Queue the emails of ``self`` and record each one's state."""
        todo = self.filtered(lambda c: c.channel_email and c.state != "failed")
        if not todo:
            return self.env["mail.mail"]
        mails = todo._dispatch_email()
        queued = todo.filtered("mail_id")
        queued.write({"email_state": "pending"})
        (todo - queued).write({"email_state": "failed"})
        return mails

    def _dunning_produce_documents(self, deadline=None):
        """Render what the reminders of ``self`` wait for: their letters, and
        the invoice PDFs of their emails (one wkhtmltopdf call each, as Odoo
        renders invoices), then queue those emails; until ``deadline``."""
        with self._dunning_render_memo():
            self._dunning_render_letters(deadline)
            waiting = self.filtered(
                lambda c: c.email_state == "pending"
                and not c.mail_id
                and c.state == "queued"
            )
            for comm in waiting:
                if deadline is not None and time.monotonic() >= deadline:
                    break
                comm._dunning_send_emails()

    def _dunning_lock_pending(self, limit, exclude):
        """Up to ``limit`` reminders waiting for documents, locked by this
        transaction; those another worker holds are left to it."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT id FROM dunning_communication
                 WHERE (letter_state = 'pending'
                        OR (email_state = 'pending' AND mail_id IS NULL
                            AND state = 'queued'))
                   AND NOT id = ANY(%s)
                 ORDER BY id
                 LIMIT %s
                 FOR UPDATE SKIP LOCKED
                """,
                list(exclude),
                limit,
            )
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    @api.model
    def _dunning_pending_count(self):
        return self.search_count(
            [
                "|",
                ("letter_state", "=", "pending"),
                "&",
                "&",
                ("email_state", "=", "pending"),
                ("mail_id", "=", False),
                ("state", "=", "queued"),
            ]
        )

    @api.model
    def _cron_produce_documents(self):
        """Scheduled action: letters and invoice PDFs in batches, within the
        time budget, each batch committed; Odoo's runner calls it again while
        some are pending (``ir.cron._notify_progress``)."""
        deadline = cron_deadline(self.env)
        size = self._dunning_letter_batch_size()
        done = 0
        tried = set()
        while time.monotonic() < deadline:
            batch = (
                self.sudo()
                .with_context(dunning_letter_queue=True)
                ._dunning_lock_pending(size, tried)
            )
            if not batch:
                break
            tried.update(batch.ids)
            batch._dunning_produce_documents(deadline)
            done += len(batch)
            if can_commit(self.env):
                self.env.cr.commit()  # pylint: disable=invalid-commit
        remaining = self.sudo()._dunning_pending_count()
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        if remaining and not done:
            self._dunning_trigger_documents()
        return True

    def _dunning_letters_now(self):
        """The letters of ``self`` not rendered yet, rendered now (a user
        prints or posts them)."""
        todo = self.filtered(lambda c: not c.letter_attachment_id)
        todo.filtered(lambda c: c.letter_state != "pending")._dispatch_letter()
        with todo._dunning_render_memo():
            todo._dunning_render_letters()

    def action_print_letters(self):
        """Merge the letters of the selection into one document for posting,
        in one report call; mark them sent only once that document exists."""
        if any(comm.state in ("to_approve", "cancelled") for comm in self):
            raise UserError(
                _("Reminders waiting for approval or cancelled cannot be printed.")
            )
        comms = self.filtered("channel_letter")
        if not comms:
            raise UserError(_("None of the selected reminders is sent by letter."))
        comms._dunning_letters_now()
        letters = comms.letter_attachment_id
        if letters and all(a.mimetype == "application/pdf" for a in letters):
            # the archived letters themselves: nothing is rendered twice
            content, report_type = merge_pdf(letters.mapped("raw")), "pdf"
        else:
            content, report_type = self._dunning_render_pdf(
                self.env.ref(LETTER_REPORT), comms.ids
            )
        if not content:
            raise UserError(_("The letters could not be rendered."))
        attachment = self.env["ir.attachment"].create(
            {
                "name": _(
                    "Reminder letters %(date)s.%(ext)s",
                    date=fields.Date.context_today(self),
                    ext=report_type,
                ),
                "raw": content,
                "mimetype": "application/pdf" if report_type == "pdf" else "text/html",
                "res_model": "res.company",
                "res_id": self.env.company.id,
            }
        )
        comms._dunning_mark_sent()
        comms._dunning_log_on_invoices(_("Payment reminder letter printed"))
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "new",
        }

    def action_post_letters(self):
        """Hand the letters to Odoo's postal service (``snailmail``, optional):
        they leave through its queue, and its errors show in the chatter."""
        if "snailmail.letter" not in self.env:
            raise UserError(_("Install the Snailmail module to post letters."))
        if any(comm.state in ("to_approve", "cancelled") for comm in self):
            raise UserError(
                _("Reminders waiting for approval or cancelled cannot be printed.")
            )
        comms = self.filtered("channel_letter")
        comms._dunning_letters_now()
        comms = comms.filtered("letter_attachment_id")
        if not comms:
            raise UserError(_("None of the selected reminders has a letter."))
        report = self.env.ref(LETTER_REPORT)
        letters = (
            self.env["snailmail.letter"]
            .sudo()
            .create(
                [
                    {
                        "partner_id": (
                            comm._dunning_postal_partner() or comm._dunning_contact()
                        ).id,
                        "model": comm._name,
                        "res_id": comm.id,
                        "user_id": self.env.user.id,
                        "company_id": comm.company_id.id,
                        "report_template": report.id,
                        "attachment_id": comm.letter_attachment_id.id,
                    }
                    for comm in comms
                ]
            )
        )
        comms._dunning_mark_sent()
        comms._dunning_log_on_invoices(_("Payment reminder letter posted"))
        return letters

    # ------------------------------------------------------------------
    # SMS
    # ------------------------------------------------------------------
    def _dispatch_sms(self):
        """Queue one SMS per reminder to the contact's mobile number, logged
        in the customer's chatter."""
        comms = self.filtered(lambda c: c.channel_sms and c.state != "failed")
        values = {}
        message_by_comm = {}
        for comm in comms:
            contact = comm._dunning_contact()
            number = comm._dunning_mobile_number(contact)
            if not number:
                values.setdefault(comm, {})["sms_state"] = "failed"
                comm._dunning_append(
                    values,
                    "skipped_channels",
                    _(
                        "SMS: %(contact)s has no valid mobile number.",
                        contact=contact.display_name,
                    ),
                )
                continue
            message = comm.partner_id.sudo()._message_sms(
                comm._dunning_sms_text(),
                partner_ids=contact.ids,
                sms_pid_to_number={contact.id: number},
                put_in_queue=True,
            )
            message_by_comm[comm] = message
            if not comm.mail_message_id:
                values.setdefault(comm, {})["mail_message_id"] = message.id
        messages = self.env["mail.message"].union(*message_by_comm.values())
        sms_by_message = {
            sms.mail_message_id: sms
            for sms in self.env["sms.sms"]
            .sudo()
            .search([("mail_message_id", "in", messages.ids)])
        }
        for comm, message in message_by_comm.items():
            if message in sms_by_message:
                values.setdefault(comm, {}).update(
                    sms_id=sms_by_message[message].id, sms_state="pending"
                )
        self._dunning_write_values(values)
        comms.filtered(
            lambda c: c.sms_id and not (c.channel_email or c.channel_letter)
        )._dunning_mark_sent()
        return self.env["sms.sms"].union(*sms_by_message.values())

    # ------------------------------------------------------------------
    # Phone call
    # ------------------------------------------------------------------
    def _dunning_mobile_number(self, contact):
        """The contact's mobile number in E.164, formatted for its country
        (else the reminder's company's), or False when it is not a valid
        number: ``phone_validation``'s formatting tool."""
        self.ensure_one()
        if not contact.mobile:
            return False
        country = contact.country_id or self.company_id.country_id
        try:
            return phone_validation.phone_format(
                contact.mobile,
                country.code,
                country.phone_code,
                force_format="E164",
                raise_exception=True,
            )
        except UserError:
            return False

    def _dunning_call_histories(self):
        """{communication: its last 5 other reminders of the same customer
        and company}, in one query for the whole batch: a long-standing
        customer's whole history is not loaded for 5 lines."""
        self.flush_model(["partner_id", "company_id", "state", "date"])
        self.env.cr.execute(
            SQL(
                """
                SELECT id FROM (
                    SELECT id, date, row_number() OVER (
                        PARTITION BY partner_id, company_id ORDER BY date DESC, id DESC
                    ) AS rank
                    FROM dunning_communication
                    WHERE partner_id = ANY(%s) AND company_id = ANY(%s)
                      AND state IN ('sent', 'queued', 'failed')
                ) ranked
                WHERE rank <= %s
                ORDER BY date DESC, id DESC
                """,
                self.partner_id.ids,
                self.company_id.ids,
                # one more than shown: the reminder itself may be among them
                HISTORY_SIZE + 1,
            )
        )
        previous = self.browse([row[0] for row in self.env.cr.fetchall()])
        by_customer = previous.grouped(lambda c: (c.partner_id, c.company_id))
        empty = self.browse()
        return {
            comm: by_customer.get((comm.partner_id, comm.company_id), empty).filtered(
                lambda c, comm=comm: c != comm
            )[:HISTORY_SIZE]
            for comm in self
        }

    def _dunning_call_note(self, history=None):
        """What is due and the reminder history, for the one who calls."""
        self.ensure_one()
        values = self._dunning_render_values()
        rows = Markup("").join(
            Markup("<li>%s</li>")
            % self.env._(
                "%(number)s: %(amount)s, due %(due)s (%(late)s)",
                number=item["number"],
                amount=item["amount"],
                due=item["due_date"],
                late=item["days_label"],
            )
            for item in values["items"]
        )
        if history is None:
            history = self._dunning_call_histories()[self]
        past = Markup("").join(
            Markup("<li>%s</li>")
            % self.env._(
                "%(date)s: %(level)s (%(state)s)",
                date=format_date(self.env, h.date, lang_code=values["lang"]),
                level=h.level_id.name,
                state=dict(h._fields["state"]._description_selection(self.env))[
                    h.state
                ],
            )
            for h in history
        )
        parts = [
            Markup("<p><strong>%s</strong></p>")
            % _("Total due: %(total)s", total=" + ".join(values["totals"])),
            Markup("<ul>%s</ul>") % rows,
        ]
        contact = self._dunning_contact()
        phone = contact.mobile or contact.phone or self.partner_id.phone
        if phone:
            parts.append(Markup("<p>%s</p>") % _("Phone: %(phone)s", phone=phone))
        parts.append(
            Markup("<p>%s</p>")
            % (_("Previous reminders:") if history else _("No previous reminder."))
        )
        if history:
            parts.append(Markup("<ul>%s</ul>") % past)
        return Markup("").join(parts)

    def _dispatch_call(self):
        """Schedule a "Dunning call" activity on the customer for its collector,
        due today."""
        comms = self.filtered(lambda c: c.channel_call and c.state != "failed")
        if not comms:
            return self.env["mail.activity"]
        default_type = self.env.ref(CALL_ACTIVITY_TYPE, raise_if_not_found=False)
        partner_model = self.env["ir.model"]._get_id("res.partner")
        today = fields.Date.context_today(self)
        histories = comms._dunning_call_histories()
        values = []
        for comm in comms:
            activity_type = comm.level_id.activity_type_id or default_type
            values.append(
                {
                    "activity_type_id": activity_type.id,
                    "res_model_id": partner_model,
                    "res_id": comm.partner_id.id,
                    "user_id": comm._dunning_responsible().id,
                    "date_deadline": today,
                    "summary": _(
                        "Call about %(total)s overdue (%(name)s)",
                        total=comm.amount_due_by_currency,
                        name=comm.name,
                    ),
                    "note": comm._dunning_call_note(histories[comm]),
                }
            )
        activities = self.env["mail.activity"].sudo().create(values)
        for comm, activity in zip(comms, activities, strict=True):
            comm.write({"activity_id": activity.id, "call_state": "pending"})
        comms.filtered(
            lambda c: not (c.channel_email or c.channel_letter or c.channel_sms)
        )._dunning_mark_sent()
        return activities

    # ------------------------------------------------------------------
    # Mail queue feedback
    # ------------------------------------------------------------------
    def _dunning_mail_sent(self):
        self.sudo().write({"email_state": "done"})
        self._dunning_mark_sent()

    def _dunning_mail_failed(self, reason, bounced=False):
        """The email could not be delivered for good: the reminder goes by
        letter instead when the customer has a postal address (as when it has
        no email address), else it failed; the collector gets a to-do.
        ``bounced``: refused by the recipient's side (bounce rate)."""
        comms = self.filtered(lambda c: c.state not in ("cancelled", "rejected"))
        if not comms:
            return
        comms = comms.sudo()
        text = html2plaintext(reason or "") or _("unknown error")
        by_letter = comms.filtered(
            lambda c: not c.channel_letter and c._dunning_postal_partner()
        )
        for comm in comms:
            values = {
                "state": "queued" if comm in by_letter else "failed",
                "email_state": "failed",
                "email_bounced": bounced or comm.email_bounced,
                "error_message": (
                    (comm.error_message or "")
                    + "\n"
                    + _("Email not delivered: %(reason)s", reason=text)
                ).strip(),
            }
            if comm in by_letter:
                values["channel_letter"] = True
                values["skipped_channels"] = (
                    (comm.skipped_channels or "")
                    + "\n"
                    + _("Email: not delivered; letter sent instead.")
                ).strip()
            comm.write(values)
        by_letter._dispatch_letter()
        comms._dunning_schedule_todo(
            {
                comm: (
                    self.env._("Reminder %(name)s not delivered", name=comm.name),
                    Markup("<p>%s</p>")
                    % self.env._(
                        "The email to %(email)s failed: %(reason)s. Check the "
                        "address, then send the reminder by another channel.",
                        email=escape(comm._dunning_contact().email or ""),
                        reason=text,
                    ),
                )
                for comm in comms
            }
        )

    # ------------------------------------------------------------------
    # Replies (Odoo's mail gateway)
    # ------------------------------------------------------------------
    def _dunning_follow_replies(self):
        """The collector follows the reminder: the reply Odoo's mail gateway
        posts on it (``mail.thread.message_route``) notifies them."""
        for comm in self.sudo():
            collector = comm.collector_id
            if not is_assignable(collector):
                collector = comm._dunning_responsible()
            if collector:
                comm.message_subscribe(partner_ids=collector.partner_id.ids)

    def message_post(self, **kwargs):
        # set by mail.thread.message_route on a customer's reply to the email
        auto_reply = kwargs.pop("dunning_auto_reply", None)
        message = super().message_post(**kwargs)
        if auto_reply is False:
            # Odoo's mail gateway: a problem with the reminders never stops it
            try:
                with self.env.cr.savepoint():
                    self._dunning_reply_received(message)
            except Exception:  # noqa: BLE001 - logged, the reply is posted
                _logger.exception("Dunning: recording the reply %s failed", message)
        return message

    def _dunning_reply_received(self, message):
        """A customer's reply (not an absence notice): the customer's chatter
        says a reply came, with a link to the reminder, and it counts as the
        customer's response to the reminder."""
        self.ensure_one()
        comm = self.sudo()
        comm.partner_id.with_company(comm.company_id)._dunning_log_notes(
            {
                comm.partner_id.id: Markup(
                    "<p>%s <a href='#' data-oe-model='%s' data-oe-id='%s'>%s</a></p>"
                )
                % (
                    self.env._(
                        "Reply from %(sender)s to reminder",
                        sender=message.email_from or "",
                    ),
                    comm._name,
                    comm.id,
                    comm.name,
                )
            }
        )
        self.env["dunning.response"]._dunning_register(
            [
                {
                    "partner_id": comm.partner_id.id,
                    "company_id": comm.company_id.id,
                    "communication_id": comm.id,
                    "kind": "reply",
                    "source": "email",
                    # the report counts this email once, as this response
                    "res_model": "mail.message",
                    "res_id": message.id,
                    "note": (message.subject or "")[:200],
                }
            ]
        )

    # ------------------------------------------------------------------
    # SMS queue and call activity feedback
    # ------------------------------------------------------------------
    def _dunning_sms_feedback(self, sms_state, failure_type=None):
        """The SMS queue sent or failed the SMS of these reminders."""
        self = self.sudo()  # noqa: PLW0642 - feedback of Odoo's queue, rights checked there
        if sms_state == "sent":
            self.write({"sms_state": "done"})
            return
        for comm in self:
            comm.write(
                {
                    "sms_state": "failed",
                    "error_message": (
                        (comm.error_message or "")
                        + "\n"
                        + _(
                            "SMS not sent: %(reason)s",
                            reason=failure_type or sms_state,
                        )
                    ).strip(),
                }
            )

    def _dunning_call_feedback(self, done):
        """The call activity of these reminders was marked done, or removed (by
        a collector, who may not write reminders: recorded as the addon)."""
        self = self.sudo()  # noqa: PLW0642 - the activity's own rights were checked
        if done:
            self.write({"call_state": "done"})
            return
        for comm in self.filtered(lambda c: c.call_state == "pending"):
            comm.write(
                {
                    "call_state": "failed",
                    "error_message": (
                        (comm.error_message or "")
                        + "\n"
                        + _("Call: the activity was cancelled.")
                    ).strip(),
                }
            )
