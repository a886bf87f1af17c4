# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import formataddr, hash_sign

from .dunning_channel_letter import LETTER_PREVIEW_REPORT
from .dunning_dispatch import TODO_ACTIVITY_TYPE
from .dunning_level import TONES
from .dunning_reminder_content import amount_formatter
from .dunning_scenario import LEGAL_REGIMES
from .res_company import is_assignable

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
DISPATCH_CRON = "account_dunning_advanced.ir_cron_dunning_documents"

# What a reminder says and where it stands: written by the scheduled job and
# the queues' feedback (superuser); a manager's decision (approve, reject,
# cancel) writes the state through its button only (``_dunning_decide``).
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
        "email_bounced", "sms_delivered_datetime", "cancel_reason",
    }
)  # fmt: skip

# What a manager approved: not changed afterwards by anyone, the engine
# included. The re-check before dispatch still drops the items settled since,
# and the dispatch still replaces a channel the customer cannot receive.
APPROVED_FIELDS = frozenset({"level_id", "tone", "line_ids", "penalty_rate"})

# {state before: states a dunning manager may move a reminder to}
MANAGER_TRANSITIONS = {
    "to_approve": {"queued", "rejected", "cancelled"},
    "queued": {"cancelled"},
    "failed": {"cancelled"},
}

CHANNEL_TOKEN_SCOPE = "account_dunning_advanced.channel_preference"

CHANNEL_STATES = [("pending", "Pending"), ("done", "Done"), ("failed", "Failed")]
# a call closed without calling: what it was about was settled meanwhile
CALL_STATES = [*CHANNEL_STATES, ("not_needed", "Not Needed")]


class DunningCommunication(models.Model):
    """One reminder to one customer at one level: the audit trail of dunning
    and the source of its reporting. Normal use never deletes it."""

    _name = "dunning.communication"
    _description = "Dunning Reminder"
    _inherit = ["mail.thread", "dunning.worklist.touch"]
    _dunning_worklist_fields = (
        "partner_id",
        "company_id",
        "state",
        "date",
        "level_id",
        # the effectiveness report's rows
        "sent_datetime",
        "email_state",
        "email_bounced",
        "mail_id",
        "collector_id",
        "scenario_id",
        "typology_id",
        "tone",
        "variant_id",
        "channel_email",
        "channel_letter",
        "channel_sms",
        "channel_call",
    )
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
        CALL_STATES,
        readonly=True,
        help="Pending: the call activity is open; done once marked done; not "
        "needed when its items were paid, promised or disputed before the call.",
    )
    cancel_reason = fields.Text(
        string="Why Cancelled",
        readonly=True,
        help="Why the reminder was cancelled or rejected: by whom, or what "
        "changed since it was made (invoices paid, promised, disputed).",
    )

    promise_ids = fields.One2many("dunning.promise", "communication_id")
    dispute_ids = fields.One2many("dunning.dispute", "communication_id")

    def _dunning_touch_worklist(self):
        """Mark the reminders' customers; a reminder none of whose items is
        paid marks them as ``dunning.communication.open``: the KPIs count the
        reminders of paid items only, and the run's reminders are of open
        items."""
        paid = self.filtered(
            lambda comm: any(comm.line_ids.move_line_id.mapped("reconciled"))
        )
        worklist = self.env["dunning.worklist"]
        worklist._touch_records(paid)
        worklist._touch_records(self - paid, source="dunning.communication.open")

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

    @api.depends("line_ids.amount_residual_currency", "line_ids.currency_id")
    @api.depends_context("lang")
    def _compute_amount_due_by_currency(self):
        # shown on back-office screens: in the reader's language, like the
        # monetary fields beside it (the customer's documents format their own)
        format_money = amount_formatter(self.env, False)
        for communication in self:
            communication.amount_due_by_currency = " + ".join(
                format_money(amount, currency.id)
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
    # Dispatch (dunning.dispatch and the dunning.channel.* services)
    # ------------------------------------------------------------------
    def _dispatch(self):
        """Send the reminders by their channels (``dunning.dispatch``)."""
        return self.env["dunning.dispatch"]._dispatch(self)

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
            self._dunning_items_follow(vals["state"])
        return result

    def _dunning_items_follow(self, state):
        # the items follow their reminder (the database's one-level-per-item
        # rule reads their state); they are the job's records, which users
        # only read: the reminder's state change, checked, carries over
        self.line_ids.sudo().write({"state": state})

    def _dunning_decide(self, state, reason=None):
        """A dunning manager's decision on the reminders (approve: ``queued``,
        reject, cancel), along ``MANAGER_TRANSITIONS``; the scheduled job's
        too (cancel). Written past ``write``'s refusal of state changes: a
        private method, which no client reaches. ``reason``: why a reminder
        is cancelled or rejected, shown on it. An approved reminder is dated
        the day of its approval: its letter's date and deadlines count from
        the day it leaves, not from the day it was held."""
        if not self.env.su:
            if not self.env.user.has_group(MANAGER_GROUP):
                raise AccessError(_("Only dunning managers decide on reminders."))
            if any(state not in MANAGER_TRANSITIONS.get(c.state, ()) for c in self):
                raise UserError(
                    _("This decision does not apply to a reminder in its state.")
                )
        vals = {"state": state}
        if reason:
            vals["cancel_reason"] = reason
        if state == "queued":
            vals.update(
                approved_by_id=self.env.uid, approved_datetime=fields.Datetime.now()
            )
            today = fields.Date.context_today(self)
            held = self.filtered(lambda c: c.state == "to_approve" and c.date < today)
            if held:
                super(DunningCommunication, held).write({"date": today})
        result = super().write(vals)
        self._dunning_items_follow(state)
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
        """Drop the items the planner would hold back today (paid, disputed,
        excluded, under a payment plan; their customer excluded, in
        litigation, paused, under a promise to pay or with a payment not yet
        matched): nothing goes out about them. A reminder with no item left is
        cancelled, with the run's reason. ``dunning.planner._recheck_reasons``
        decides."""
        comms = self.filtered(lambda c: c.state in ("to_approve", "queued"))
        if not comms:
            return self.browse()
        dropped = self.env["dunning.planner"]._recheck_reasons(
            comms, fields.Date.context_today(self)
        )
        if not dropped:
            return self.browse()
        lines = self.env["dunning.communication.line"].browse(list(dropped))
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
            comm.write(
                {
                    "amount_due": sum(remaining.mapped("amount_residual")),
                    "penalty_interest": sum(remaining.mapped("penalty_interest")),
                    "penalty_indemnity": sum(remaining.mapped("penalty_indemnity")),
                }
            )
            comm.message_post(body=notes[comm])
        for comm in emptied:
            comm._dunning_cancel(notes[comm])
        return affected

    @api.model
    def _dunning_clean_queues(self, company):
        """The scheduled run's cleaning of what waits for people: reminders
        held for approval that became moot (their items paid, promised,
        disputed... since) leave the approval queue, cancelled with their
        reason; the call activities are merged and closed when settled
        (``dunning.channel.call._close_settled``)."""
        # the run goes on whatever happens here: what is left waits for the
        # next run, the error is logged
        try:
            with self.env.cr.savepoint():
                held = self.search(
                    [("company_id", "=", company.id), ("state", "=", "to_approve")]
                )
                held._dunning_recheck()
        except Exception:  # noqa: BLE001 - logged, the run goes on
            _logger.exception("Dunning: re-check of the approval queue failed")
        self.env["dunning.channel.call"]._close_settled(company)

    def action_approve(self):
        """Approve the reminders still due; those that became moot since they
        were held (their invoices paid, promised, disputed...) are cancelled
        by the planner's re-check instead, and the manager is told why on
        screen."""
        self._check_approver()
        # the planner's re-check drops items and cancels reminders, as the
        # scheduled job would: the job's own writes, once the group is checked
        self.sudo()._dunning_recheck()
        moot = self.filtered(lambda c: c.state != "to_approve")
        self = self - moot  # noqa: PLW0642
        if self:
            self._dunning_decide("queued")
            for comm in self:
                comm.message_post(body=_("Approved."))
            if any(c.company_id.dunning_approval_dispatch == "immediate" for c in self):
                # sent by the scheduled job, as the run sends its reminders
                self.env.ref(DISPATCH_CRON)._trigger()
        if not moot:
            return True
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning",
                "sticky": True,
                "title": _("Not approved: nothing left to remind"),
                "message": "\n".join(
                    _("%(name)s: %(reason)s", name=c.name, reason=c.cancel_reason)
                    for c in moot
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_reject(self):
        """Rejected reminders do not count as sent: their items can be
        reminded again at that level later (a cancelled one counts: its
        items stay reminded at its level)."""
        self._check_approver()
        reason = _("Rejected by %(user)s.", user=self.env.user.name)
        self._dunning_decide("rejected", reason)
        for comm in self:
            comm.message_post(body=reason)
        return True

    def action_cancel(self):
        """A manager stops reminders that are not sent yet: what they queued
        (email, SMS, call) is cancelled with them."""
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(_("Only dunning managers cancel reminders."))
        if any(comm.state not in ("to_approve", "queued", "failed") for comm in self):
            raise UserError(_("Only reminders not sent yet can be cancelled."))
        self._dunning_cancel(_("Cancelled by %(user)s.", user=self.env.user.name))
        return True

    def _dunning_cancel(self, reason):
        """Cancel the reminders and everything they queued that has not left."""
        # boundary: the mail and SMS queues (system-only records) drop what
        # the reminders queued, for a manager's or the job's cancellation
        queued = self.sudo()
        mails = queued.mail_id.filtered(lambda m: m.state in ("outgoing", "exception"))
        mails.write({"state": "cancel"})
        queued.sms_id.filtered(lambda sms: sms.state in ("outgoing", "error")).write(
            {"state": "canceled"}
        )
        # a call shared with other reminders of the customer stays theirs
        self.activity_id.filtered(
            lambda act: not (act.sudo().dunning_communication_ids - self)
        ).unlink()
        self._dunning_decide("cancelled", reason)
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
        """The language the reminder is written in: the planner's choice for
        its recipient (``dunning.planner._partner_lang``), the language frozen
        on the reminder first."""
        self.ensure_one()
        return self.env["dunning.planner"]._partner_lang(
            self._dunning_contact(), self.company_id, self.lang
        )

    def _dunning_send_date(self):
        """The day the reminder leaves, its letter's date and the start of its
        deadlines: its date, or today for a reminder held for approval since
        an earlier day (approving it dates it today: ``_dunning_decide``), so
        that its preview never shows a deadline already past."""
        self.ensure_one()
        if self.state == "to_approve":
            return max(self.date, fields.Date.context_today(self))
        return self.date

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

    def _dunning_channel_token(self):
        """Signed link token of the customer in the reminder's company, valid
        for the company's token validity: it opens the customer's page and
        its channel preference."""
        self.ensure_one()
        # one token per reminder and dispatch: its email's body and its
        # unsubscribe header carry the same one
        return self.env["dunning.reminder.content"]._memo(
            ("channel_token", self.partner_id.id, self.company_id.id),
            lambda: hash_sign(
                # portal token: Odoo signs it with the database secret, which
                # only a superuser environment reads
                self.sudo().env,
                CHANNEL_TOKEN_SCOPE,
                {"partner_id": self.partner_id.id, "company_id": self.company_id.id},
                expiration=timedelta(days=self.company_id.dunning_token_validity_days),
            ),
        )

    def _dunning_channel_preference_url(self):
        self.ensure_one()
        base_url = self.env["dunning.reminder.content"]._base_url(self.company_id)
        return f"{base_url}/dunning/channel/{self._dunning_channel_token()}"

    def _dunning_render_values(self):
        """What the reminder says (``dunning.reminder.content``), for its
        QWeb views and templates."""
        self.ensure_one()
        return self.env["dunning.reminder.content"]._report_values(self)

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
                comm.write(vals)

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
        {communication: (summary, note)}, or {communication: function(env) ->
        (summary, note)} to write them in the collector's language (``env``
        has it): one per customer, collector and day, the notes of the same
        day gathered in it (a batch creating two activities for one record
        and user would subscribe that user twice)."""
        if not summaries:
            return self.env["mail.activity"]
        self = self.with_context(  # noqa: PLW0642 - one memo for the batch
            dunning_fallback_users=self.env.context.get("dunning_fallback_users", {})
        )
        todo_type = self.env.ref(TODO_ACTIVITY_TYPE)
        today = fields.Date.context_today(self)
        grouped = {}
        for comm, texts in summaries.items():
            user = comm._dunning_responsible()
            if callable(texts):
                texts = texts(self.with_context(lang=user.lang or self.env.lang).env)
            summary, note = texts
            key = (comm.partner_id.id, user.id)
            if key in grouped:
                grouped[key]["note"] += note
            else:
                grouped[key] = {"summary": summary, "note": note}
        Activity = self.env["mail.activity"]
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
            todo.write({"state": "sent", "sent_datetime": fields.Datetime.now()})

    # ------------------------------------------------------------------
    # Letter (its QWeb report and the print and post buttons)
    # ------------------------------------------------------------------
    def _dunning_letter_anchor(self, edge):
        """The anchor of the link that opens (``edge`` "start") or closes
        ("end") the reminder's letter: where the letter queue cuts a PDF of
        several letters."""
        self.ensure_one()
        return f"dunning-letter-{self.id}-{edge}"

    @api.model
    def _cron_produce_documents(self):
        """Entry point of the scheduled action "render reminder letters"
        (``noupdate`` data: its code names this model)."""
        return self.env["dunning.dispatch"]._cron_produce_documents()

    def action_print_letters(self):
        """Merge the letters of the selection into one document for posting."""
        return self.env["dunning.channel.letter"]._print(self)

    def action_post_letters(self):
        """Hand the letters to Odoo's postal service (``snailmail``)."""
        return self.env["dunning.channel.letter"]._post(self)

    # ------------------------------------------------------------------
    # Replies (Odoo's mail gateway)
    # ------------------------------------------------------------------
    def _dunning_follow_replies(self):
        """The collector follows the reminder: the reply Odoo's mail gateway
        posts on it (``mail.thread.message_route``) notifies them."""
        for comm in self:
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
        # Odoo's mail gateway, whoever fetches the mail: the reply is the
        # customer's, recorded on the addon's records
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
