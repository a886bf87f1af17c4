# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.tools import SQL

from ..models.dunning_level import TONES

CHANNELS = [
    ("call", "Phone Call"),
    ("letter", "Letter"),
    ("sms", "SMS"),
    ("email", "Email"),
]


class DunningEffectivenessReport(models.Model):
    """One row per sent reminder, with what was paid after it.

    A payment is a partial reconciliation of a reminded item whose
    ``max_date`` is after the reminder date. It is credited to the latest
    reminder of that item sent before it (up to and including the date of the
    item's next reminder), so one payment never counts for two levels: this is
    what makes "which step works" readable. Amounts in company currency.

    Customer reply: an incoming email (``mail.message`` of type ``email``)
    written by the customer or one of its contacts on the reminder, the
    customer or one of its contacts, or a reminded invoice, in the 30 days
    after the reminder was sent and before the customer's next reminder.
    """

    _name = "dunning.effectiveness.report"
    _inherit = ["dunning.ratio.report.mixin"]
    _description = "Reminder Effectiveness Analysis"
    _auto = False
    _rec_name = "communication_id"
    _order = "date desc, id desc"

    communication_id = fields.Many2one(
        "dunning.communication", string="Reminder", readonly=True
    )
    date = fields.Date(string="Reminder Date", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    collector_id = fields.Many2one("res.users", readonly=True)
    level_id = fields.Many2one("dunning.level", readonly=True)
    scenario_id = fields.Many2one("dunning.scenario", readonly=True)
    typology_id = fields.Many2one("dunning.typology", readonly=True)
    tone = fields.Selection(TONES, readonly=True)
    channel = fields.Selection(
        CHANNELS,
        string="Main Channel",
        readonly=True,
        help="The most personal channel of the reminder: call, then letter, "
        "then SMS, then email.",
    )
    channel_email = fields.Boolean(string="By Email", readonly=True)
    channel_letter = fields.Boolean(string="By Letter", readonly=True)
    channel_sms = fields.Boolean(string="By SMS", readonly=True)
    channel_call = fields.Boolean(string="By Phone Call", readonly=True)
    reminder_count = fields.Integer(string="Reminders Sent", readonly=True)
    amount_reminded = fields.Monetary(readonly=True)
    amount_paid_7 = fields.Monetary(string="Paid Within 7 Days", readonly=True)
    amount_paid_15 = fields.Monetary(string="Paid Within 15 Days", readonly=True)
    amount_paid_30 = fields.Monetary(string="Paid Within 30 Days", readonly=True)
    amount_paid = fields.Monetary(
        string="Paid After Reminder",
        readonly=True,
        help="Paid after this reminder, until the next reminder of the item.",
    )
    payment_rate = fields.Float(
        string="Payment Rate 30 Days (%)",
        readonly=True,
        aggregator="avg",
        help="Paid within 30 days / amount reminded.",
    )
    paid_count = fields.Integer(string="Reminders Followed by Payment", readonly=True)
    days_to_payment = fields.Float(
        string="Days to First Payment",
        readonly=True,
        aggregator="avg",
        help="Days from the reminder to the first payment credited to it; "
        "averaged over the reminders followed by a payment.",
    )
    reply_count = fields.Integer(string="Customer Replies", readonly=True)
    replied_count = fields.Integer(string="Reminders Replied To", readonly=True)

    @api.model
    def _ratio_measures(self):
        return {"payment_rate": ("amount_paid_30", "amount_reminded", 100.0)}

    def init(self):
        # Payments are looked up by the reminded item; incoming emails by
        # type and author.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS dunning_mail_message_email_author_idx
            ON mail_message (author_id, date) WHERE message_type = 'email'
            """
        )

    @property
    def _table_query(self):
        return SQL(
            """
            WITH sent AS (
                SELECT dc.id, dc.date, dc.partner_id,
                       COALESCE(dc.sent_datetime, dc.date::timestamp) AS sent_at
                  FROM dunning_communication dc
                 WHERE dc.state = 'sent'
            ),
            items AS (
                SELECT ri.communication_id, ri.move_line_id, s.date,
                       LEAD(s.date) OVER (
                           PARTITION BY ri.move_line_id ORDER BY s.date, s.id
                       ) AS next_date
                  FROM (%(reminded_items)s) ri
                  JOIN sent s ON s.id = ri.communication_id
            ),
            reminded AS (
                SELECT dcl.communication_id, SUM(dcl.amount_residual) AS amount
                  FROM dunning_communication_line dcl
                  JOIN sent s ON s.id = dcl.communication_id
                 GROUP BY dcl.communication_id
            ),
            payments AS (
                SELECT i.communication_id,
                       SUM(apr.amount) FILTER (WHERE apr.max_date <= i.date + 7)
                           AS paid_7,
                       SUM(apr.amount) FILTER (WHERE apr.max_date <= i.date + 15)
                           AS paid_15,
                       SUM(apr.amount) FILTER (WHERE apr.max_date <= i.date + 30)
                           AS paid_30,
                       SUM(apr.amount) AS paid,
                       MIN(apr.max_date) - MIN(i.date) AS days_to_payment
                  FROM items i
                  JOIN account_partial_reconcile apr
                    ON apr.debit_move_id = i.move_line_id
                 WHERE apr.max_date > i.date
                   AND (i.next_date IS NULL OR apr.max_date <= i.next_date)
                 GROUP BY i.communication_id
            ),
            windows AS (
                SELECT s.id, s.partner_id, s.sent_at,
                       LEAST(
                           s.sent_at + INTERVAL '30 days',
                           LEAD(s.sent_at) OVER (
                               PARTITION BY s.partner_id ORDER BY s.sent_at, s.id
                           )
                       ) AS until
                  FROM sent s
            ),
            replies AS (
                SELECT w.id AS communication_id, COUNT(*) AS n
                  FROM windows w
                  JOIN res_partner author ON author.commercial_partner_id = w.partner_id
                  JOIN mail_message mm
                    ON mm.author_id = author.id
                   AND mm.message_type = 'email'
                   AND mm.date > w.sent_at AND mm.date <= w.until
                  LEFT JOIN res_partner rec
                    ON mm.model = 'res.partner' AND rec.id = mm.res_id
                 WHERE (mm.model = 'dunning.communication' AND mm.res_id = w.id)
                    OR rec.commercial_partner_id = w.partner_id
                    OR (mm.model = 'account.move' AND EXISTS (
                            SELECT 1 FROM dunning_communication_line dcl
                             WHERE dcl.communication_id = w.id
                               AND dcl.move_id = mm.res_id))
                 GROUP BY w.id
            )
            SELECT dc.id, dc.id AS communication_id, dc.date, dc.company_id,
                   company.currency_id, dc.partner_id, dc.collector_id,
                   dc.level_id, dc.scenario_id, dc.typology_id, dc.tone,
                   CASE WHEN dc.channel_call THEN 'call'
                        WHEN dc.channel_letter THEN 'letter'
                        WHEN dc.channel_sms THEN 'sms'
                        ELSE 'email' END AS channel,
                   dc.channel_email, dc.channel_letter, dc.channel_sms,
                   dc.channel_call,
                   1 AS reminder_count,
                   COALESCE(r.amount, 0) AS amount_reminded,
                   COALESCE(p.paid_7, 0) AS amount_paid_7,
                   COALESCE(p.paid_15, 0) AS amount_paid_15,
                   COALESCE(p.paid_30, 0) AS amount_paid_30,
                   COALESCE(p.paid, 0) AS amount_paid,
                   CASE WHEN r.amount > 0
                        THEN 100.0 * COALESCE(p.paid_30, 0) / r.amount
                        ELSE 0 END AS payment_rate,
                   CASE WHEN p.paid > 0 THEN 1 ELSE 0 END AS paid_count,
                   p.days_to_payment,
                   COALESCE(rp.n, 0) AS reply_count,
                   CASE WHEN rp.n > 0 THEN 1 ELSE 0 END AS replied_count
              FROM dunning_communication dc
              JOIN res_company company ON company.id = dc.company_id
              LEFT JOIN reminded r ON r.communication_id = dc.id
              LEFT JOIN payments p ON p.communication_id = dc.id
              LEFT JOIN replies rp ON rp.communication_id = dc.id
             WHERE dc.state = 'sent'
            """,
            reminded_items=self.env["dunning.planner"]._reminded_item_sql(),
        )
