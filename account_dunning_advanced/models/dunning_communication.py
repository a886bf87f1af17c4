# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.tools.misc import format_amount

from .dunning_level import TONES

STATES = [
    ("to_approve", "To Approve"),
    ("queued", "Queued"),
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("cancelled", "Cancelled"),
]


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
    level_id = fields.Many2one("dunning.level", required=True, readonly=True, index=True)
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
        return [ch for ch in ("email", "letter", "sms", "call") if self[f"channel_{ch}"]]
