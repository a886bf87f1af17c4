# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import math

from odoo import api, fields, models
from odoo.tools import SQL, sql

from ..models.dunning_einvoice_status import EINVOICE_STATUSES
from ..models.dunning_level import TONES

CHANNELS = [
    ("call", "Phone Call"),
    ("letter", "Letter"),
    ("sms", "SMS"),
    ("email", "Email"),
]

# days after a reminder during which what the customer does is its response
RESPONSE_DAYS = 30

# the columns of the stored rows (:meth:`_store_sql`) after the reminder's own
STORED_FIGURES = (
    "reminder_count",
    "amount_reminded",
    "amount_paid_7",
    "amount_paid_15",
    "amount_paid_30",
    "amount_paid",
    "payment_rate_7",
    "payment_rate_15",
    "payment_rate",
    "paid_count",
    "paid_30_count",
    "paid_30_rate",
    "paid_30_rate_low",
    "paid_30_rate_high",
    "days_to_payment",
    "reply_count",
    "replied_count",
    "response_count",
    "responded",
    "responded_count",
    "response_rate",
    "response_rate_low",
    "response_rate_high",
    "response_delay",
    "einvoice_status",
    "emailed_count",
    "bounced_count",
    "bounce_rate",
)

# 95 % two-sided normal quantile of the Wilson score interval
WILSON_Z = 1.96

# {bound field: (successes, trials, -1 lower / +1 upper)}
WILSON_BOUNDS = {
    "response_rate_low": ("responded_count", "reminder_count", -1),
    "response_rate_high": ("responded_count", "reminder_count", 1),
    "paid_30_rate_low": ("paid_30_count", "reminder_count", -1),
    "paid_30_rate_high": ("paid_30_count", "reminder_count", 1),
}


def wilson_bound(successes, trials, sign, z=WILSON_Z):
    """Lower (sign -1) or upper (+1) bound of the Wilson score interval of a
    proportion, between 0 and 1 (0 without trials)."""
    if not trials:
        return 0.0
    p = successes / trials
    z2 = z * z
    centre = p + z2 / (2 * trials)
    margin = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    return min(1.0, max(0.0, (centre + sign * margin) / (1 + z2 / trials)))


class DunningEffectivenessReport(models.Model):
    """One row per sent reminder, with what was paid and answered after it,
    and one per reminder whose email bounced, whatever it became after.

    A bounced email counts once, on its reminder's row, per level, channel,
    template, variant and recipient domain: the reminder sent by letter
    instead is the same row (a reminder, emailed, bounced); one that is still
    waiting for its letter, failed or was cancelled is a row of its own with
    no reminder sent (``reminder_count`` 0, no amount, no response), so the
    other figures and their rates stay those of the sent reminders.

    A payment is a partial reconciliation of a reminded item whose
    ``max_date`` is after the reminder date. It is credited to the latest
    reminder of that item sent before it (up to and including the date of the
    item's next reminder), so one payment never counts for two levels: this is
    what makes "which step works" readable. Amounts in company currency.

    Responses, in the response window of a reminder (from its sending to 30
    days later or the customer's next reminder in the company, whichever
    comes first):

    * the ``dunning.response`` rows credited to it, of its company (replies,
      portal actions, promises, disputes...), except those of kind
      ``payment``: a payment is counted once, from the accounting below;
    * the payments credited to it within 30 days, one per customer payment
      (the payment's journal item), whatever the number of invoices it
      settles;
    * incoming emails not recorded as a response (no ``dunning.response``
      with ``res_model = 'mail.message'`` and that message's id): a
      ``mail.message`` of type ``email`` written by the customer or one of its
      contacts on the reminder, the customer or one of its contacts, or a
      reminded invoice. A reply recorded as a response by the mail gateway
      counts once, as a response row.

    Customer replies (``reply_count``) are the responses of kind ``reply``
    plus these emails: the meaning the report always gave them.

    Rates of a group are sums over sums (the mixin): the response rate is the
    reminders responded to / the reminders, not an average of row rates. The
    ``*_low``/``*_high`` columns are the 95 % Wilson score interval of the
    response rate and of the share of reminders followed by a payment within
    30 days, recomputed from the group's counts.

    The rows are computed per customer (:meth:`_store_sql`, built from
    :meth:`_with` (named sub-queries), :meth:`_select`, :meth:`_from` and
    :meth:`_where`, so an extension adds a sub-query, columns and joins
    without rewriting it; ``dc`` is the reminder, ``s`` its sending) and
    read by :meth:`_view_sql`, which adds what users configure. What a row
    reads marks its customer when it changes: the reminder and its lines,
    reconciliations of the reminded items, responses, incoming emails of the
    customer's contacts, e-invoicing statuses of the reminded invoices.
    Nothing in a row depends on the day. Limit: the reminders of an item
    whose journal item was moved to another customer after being reminded
    are those of two customers; what happens to the item afterwards marks
    its new customer only, and the former one's rows show it once something
    marks that customer.
    """

    _name = "dunning.effectiveness.report"
    _inherit = ["dunning.ratio.report.mixin", "dunning.report.store"]
    _description = "Reminder Effectiveness Analysis"
    _store_table = "dunning_effectiveness_row"
    # run logs, activities and scores are no reminder's outcome
    _store_ignored_sources = (
        "dunning.run.log",
        "dunning.partner.score",
        "mail.activity",
    )
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
    variant_id = fields.Many2one("dunning.level.variant", readonly=True)
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Email Template",
        readonly=True,
        help="The template of the reminder's email: its variant's, else its "
        "level's, else the default one of its tone.",
    )
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
    email_domain = fields.Char(
        string="Recipient Domain",
        readonly=True,
        help="Domain of the address the reminder's email went to.",
    )
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
    payment_rate_7 = fields.Float(
        string="Payment Rate 7 Days (%)",
        readonly=True,
        aggregator="avg",
        help="Paid within 7 days / amount reminded.",
    )
    payment_rate_15 = fields.Float(
        string="Payment Rate 15 Days (%)",
        readonly=True,
        aggregator="avg",
        help="Paid within 15 days / amount reminded.",
    )
    payment_rate = fields.Float(
        string="Payment Rate 30 Days (%)",
        readonly=True,
        aggregator="avg",
        help="Paid within 30 days / amount reminded.",
    )
    paid_count = fields.Integer(string="Reminders Followed by Payment", readonly=True)
    paid_30_count = fields.Integer(
        string="Reminders Paid Within 30 Days",
        readonly=True,
        help="Reminders followed by a payment within 30 days.",
    )
    paid_30_rate = fields.Float(
        string="Paid Within 30 Days (% of Reminders)",
        readonly=True,
        aggregator="avg",
        help="Reminders followed by a payment within 30 days / reminders.",
    )
    paid_30_rate_low = fields.Float(
        string="Paid Within 30 Days: 95% CI Low",
        readonly=True,
        aggregator="avg",
    )
    paid_30_rate_high = fields.Float(
        string="Paid Within 30 Days: 95% CI High",
        readonly=True,
        aggregator="avg",
    )
    days_to_payment = fields.Float(
        string="Days to First Payment",
        readonly=True,
        aggregator="avg",
        help="Days from the reminder to the first payment credited to it; "
        "averaged over the reminders followed by a payment.",
    )
    reply_count = fields.Integer(string="Customer Replies", readonly=True)
    emailed_count = fields.Integer(string="Reminders Emailed", readonly=True)
    bounced_count = fields.Integer(string="Emails Bounced", readonly=True)
    bounce_rate = fields.Float(
        string="Bounce Rate (%)",
        readonly=True,
        aggregator="avg",
        help="Emails refused for good by the recipient's side (bounce report or "
        "5xx refusal) / reminders emailed.",
    )
    replied_count = fields.Integer(string="Reminders Replied To", readonly=True)
    response_count = fields.Integer(
        string="Responses",
        readonly=True,
        help="Replies, portal actions, promises, disputes and payments in the "
        "30 days after the reminder, until the next one.",
    )
    responded = fields.Boolean(string="Responded", readonly=True)
    responded_count = fields.Integer(string="Reminders Responded To", readonly=True)
    response_rate = fields.Float(
        string="Response Rate (%)",
        readonly=True,
        aggregator="avg",
        help="Reminders responded to / reminders.",
    )
    response_rate_low = fields.Float(
        string="Response Rate: 95% CI Low", readonly=True, aggregator="avg"
    )
    response_rate_high = fields.Float(
        string="Response Rate: 95% CI High", readonly=True, aggregator="avg"
    )
    response_delay = fields.Float(
        string="Days to First Response",
        readonly=True,
        aggregator="avg",
        help="Days from the sending to the first response; averaged over the "
        "reminders responded to.",
    )
    einvoice_status = fields.Selection(
        EINVOICE_STATUSES,
        string="E-invoicing Status",
        readonly=True,
        help="The latest lifecycle status, on the reminder date, of the "
        "reminded invoices.",
    )

    @api.model
    def _ratio_measures(self):
        return {
            "payment_rate_7": ("amount_paid_7", "amount_reminded", 100.0),
            "payment_rate_15": ("amount_paid_15", "amount_reminded", 100.0),
            "payment_rate": ("amount_paid_30", "amount_reminded", 100.0),
            "response_rate": ("responded_count", "reminder_count", 100.0),
            "paid_30_rate": ("paid_30_count", "reminder_count", 100.0),
            "bounce_rate": ("bounced_count", "emailed_count", 100.0),
            **{
                bound: (successes, trials, 100.0)
                for bound, (successes, trials, _sign) in WILSON_BOUNDS.items()
            },
        }

    @api.model
    def _ratio_value(self, group, ratio, numerator, denominator, factor):
        if ratio in WILSON_BOUNDS:
            return factor * wilson_bound(
                group.get(numerator) or 0,
                group.get(denominator) or 0,
                WILSON_BOUNDS[ratio][2],
            )
        return super()._ratio_value(group, ratio, numerator, denominator, factor)

    def init(self):
        res = super().init()
        # Payments are looked up by the reminded item; incoming emails by
        # type and author, then among the recorded responses.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS dunning_mail_message_email_author_idx
            ON mail_message (author_id, date) WHERE message_type = 'email'
            """
        )
        # an email recorded as a response is counted once, as the response
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS dunning_response_mail_message_idx
            ON dunning_response (res_id) WHERE res_model = 'mail.message'
            """
        )
        return res

    @property
    def _table_query(self):
        # see dunning.planner._screen_without_jit
        self.env["dunning.planner"]._screen_without_jit()
        return self._view_sql(SQL("(%s)", self._store_rows()))

    @api.model
    def _view_sql(self, rows):
        """The report over ``rows`` (SQL of a FROM item, the stored rows): what
        users edit without marking any customer (templates of the levels,
        variants and tones, the company's currency) and the email's recipient
        domain (its ``mail.mail`` is deleted once sent) are read here. No
        WITH and only LEFT JOINs on unique keys: PostgreSQL leaves out the
        joins whose columns a grouping does not read."""
        return SQL(
            """
            SELECT row.id, row.communication_id, row.date, row.company_id,
                   company.currency_id, row.partner_id, row.collector_id,
                   row.level_id, row.scenario_id, row.typology_id, row.tone,
                   row.variant_id,
                   CASE WHEN row.channel_email THEN COALESCE(
                            variant.mail_template_id, level.mail_template_id,
                            default_template.res_id)
                        END AS mail_template_id,
                   row.channel, row.channel_email, row.channel_letter,
                   row.channel_sms, row.channel_call,
                   mm.dunning_recipient_domain AS email_domain,
                   %(figures)s
              FROM %(rows)s row
              LEFT JOIN res_company company ON company.id = row.company_id
              LEFT JOIN dunning_level level ON level.id = row.level_id
              LEFT JOIN mail_mail mm ON mm.id = row.mail_id
              LEFT JOIN dunning_level_variant variant ON variant.id = row.variant_id
              LEFT JOIN ir_model_data default_template
                ON default_template.module = 'account_dunning_advanced'
               AND default_template.name = 'mail_template_dunning_' || row.tone
               AND default_template.model = 'mail.template'
            """,
            figures=SQL(", ").join(
                SQL("row.%s", SQL.identifier(name)) for name in STORED_FIGURES
            ),
            rows=rows,
        )

    @api.model
    def _store_indexes(self):
        # the variant comparison's reminders
        return [("variant_id",)]

    @api.model
    def _store_refresh(self, company_ids, partner_ids):
        if not sql.table_exists(self.env.cr, self._store_table):
            return super()._store_refresh(company_ids, partner_ids)
        # a reminder moved to another company keeps its id: its row of the
        # former company, which may be computed after this one, goes first
        self.env.cr.execute(
            SQL(
                """
                DELETE FROM %s
                 WHERE id = ANY(ARRAY(
                           SELECT dc.id FROM dunning_communication dc WHERE %s))
                """,
                SQL.identifier(self._store_table),
                self._store_filter("dc", company_ids, partner_ids),
            )
        )
        return super()._store_refresh(company_ids, partner_ids)

    @api.model
    def _store_filter(self, alias, company_ids=None, partner_ids=None):
        """Condition on the ``company_id`` and ``partner_id`` columns of
        ``alias`` (TRUE when both are None)."""
        conditions = []
        if company_ids is not None:
            conditions.append(
                SQL("%s.company_id = ANY(%s)", SQL.identifier(alias), list(company_ids))
            )
        if partner_ids is not None:
            conditions.append(
                SQL("%s.partner_id = ANY(%s)", SQL.identifier(alias), list(partner_ids))
            )
        return SQL(" AND ").join(conditions) if conditions else SQL("TRUE")

    @api.model
    def _store_sql(self, company_ids=None, partner_ids=None):
        """One row per reported reminder of the customers ``partner_ids``
        (commercial entities, ids) in ``company_ids`` (ids); None: every
        one. Nothing in it depends on the day: what is paid or answered
        after a reminder is dated."""
        return SQL(
            "WITH %s %s %s %s",
            SQL(", ").join(
                # computed once: the planner, expecting a row or two, would
                # compute them again for every reminder
                SQL("%s AS MATERIALIZED (%s)", SQL.identifier(name), query)
                for name, query in self._with(company_ids, partner_ids).items()
            ),
            self._select(),
            self._from(),
            self._where(company_ids, partner_ids),
        )

    @api.model
    def _wilson_sql(self, successes, trials, sign):
        """The Wilson bound of :func:`wilson_bound` in SQL, in percent."""
        return SQL(
            """
            100.0 * GREATEST(0, LEAST(1,
                ((%(k)s)::float / %(n)s + %(z2)s / (2.0 * %(n)s)
                 %(sign)s %(z)s * SQRT(
                     (%(k)s)::float / %(n)s * (1 - (%(k)s)::float / %(n)s) / %(n)s
                     + %(z2)s / (4.0 * %(n)s * %(n)s)))
                / (1 + %(z2)s / %(n)s)))
            """,
            k=successes,
            n=trials,
            z=WILSON_Z,
            z2=WILSON_Z * WILSON_Z,
            sign=SQL("+" if sign > 0 else "-"),
        )

    @api.model
    def _with(self, company_ids=None, partner_ids=None):
        """{name: query} of the sub-queries, in dependency order, of the
        reminders of ``partner_ids`` in ``company_ids`` (see
        :meth:`_store_sql`): each reads only their rows."""
        return {
            "sent": SQL(
                """
                SELECT dc.id, dc.date, dc.partner_id, dc.company_id,
                       COALESCE(dc.sent_datetime, dc.date::timestamp) AS sent_at
                  FROM dunning_communication dc
                 WHERE dc.state = 'sent' AND %s
                """,
                self._store_filter("dc", company_ids, partner_ids),
            ),
            # the reminders of the report: the sent ones, and those whose
            # email bounced, whatever they became after (letter, failure...)
            "reported": SQL(
                """
                SELECT s.id, TRUE AS is_sent FROM sent s
                 UNION ALL
                SELECT dc.id, FALSE
                  FROM dunning_communication dc
                 WHERE dc.email_bounced AND dc.state != 'sent' AND %s
                """,
                self._store_filter("dc", company_ids, partner_ids),
            ),
            # the reminded items that received a payment: the others have
            # none to credit (a whole item's rows kept or left, so the next
            # reminder date is the same). Asked item by item (LATERAL):
            # PostgreSQL would otherwise hash every reconciliation of the
            # database for a slice of a run (and every reminder line below),
            # a cost growing with the history instead of the slice
            "items": SQL(
                """
                SELECT ri.communication_id, ri.move_line_id, s.date,
                       LEAD(s.date) OVER (
                           PARTITION BY ri.move_line_id ORDER BY s.date, s.id
                       ) AS next_date
                  FROM (%s) ri
                  JOIN sent s ON s.id = ri.communication_id
                  JOIN LATERAL (
                       SELECT 1 FROM account_partial_reconcile apr
                        WHERE apr.debit_move_id = ri.move_line_id
                        LIMIT 1) paid ON TRUE
                """,
                self.env["dunning.planner"]._reminded_item_sql(
                    SQL("SELECT id FROM sent")
                ),
            ),
            "reminded": SQL(
                """
                SELECT s.id AS communication_id, line.amount
                  FROM sent s
                 CROSS JOIN LATERAL (
                       SELECT SUM(dcl.amount_residual) AS amount
                         FROM dunning_communication_line dcl
                        WHERE dcl.communication_id = s.id) line
                """
            ),
            "payments": SQL(
                """
                SELECT i.communication_id,
                       SUM(apr.amount) FILTER (WHERE apr.max_date <= i.date + 7)
                           AS paid_7,
                       SUM(apr.amount) FILTER (WHERE apr.max_date <= i.date + 15)
                           AS paid_15,
                       SUM(apr.amount) FILTER (WHERE apr.max_date <= i.date + 30)
                           AS paid_30,
                       SUM(apr.amount) AS paid,
                       MIN(apr.max_date) - MIN(i.date) AS days_to_payment,
                       COUNT(DISTINCT apr.credit_move_id)
                           FILTER (WHERE apr.max_date <= i.date + %(days)s)
                           AS payment_responses,
                       MIN(apr.max_date)
                           FILTER (WHERE apr.max_date <= i.date + %(days)s)
                           AS first_payment
                  FROM items i
                  -- asked item by item (OFFSET 0 keeps PostgreSQL from
                  -- flattening it into a hash of every reconciliation)
                  JOIN LATERAL (
                       SELECT p.amount, p.max_date, p.credit_move_id
                         FROM account_partial_reconcile p
                        WHERE p.debit_move_id = i.move_line_id
                       OFFSET 0) apr ON TRUE
                 WHERE apr.max_date > i.date
                   AND (i.next_date IS NULL OR apr.max_date <= i.next_date)
                 GROUP BY i.communication_id
                """,
                days=RESPONSE_DAYS,
            ),
            "windows": SQL(
                """
                SELECT s.id, s.partner_id, s.company_id, s.sent_at,
                       LEAST(
                           s.sent_at + make_interval(days => %(days)s),
                           LEAD(s.sent_at) OVER (
                               PARTITION BY s.partner_id, s.company_id
                               ORDER BY s.sent_at, s.id
                           )
                       ) AS until
                  FROM sent s
                """,
                days=RESPONSE_DAYS,
            ),
            "responses": SQL(
                """
                SELECT w.id AS communication_id, COUNT(*) AS n,
                       COUNT(*) FILTER (WHERE r.kind = 'reply') AS replies,
                       MIN(r.date) AS first_at
                  FROM windows w
                  -- reminder by reminder, as the payments above
                  JOIN LATERAL (
                       SELECT resp.kind, resp.date
                         FROM dunning_response resp
                        WHERE resp.communication_id = w.id
                          AND resp.company_id = w.company_id
                       OFFSET 0) r
                    ON r.date >= w.sent_at AND r.date <= w.until
                 WHERE r.kind != 'payment'
                 GROUP BY w.id
                """
            ),
            "mail_replies": SQL(
                """
                SELECT w.id AS communication_id, COUNT(*) AS n,
                       MIN(mm.date) AS first_at
                  FROM windows w
                  JOIN res_partner author ON author.commercial_partner_id = w.partner_id
                  JOIN mail_message mm
                    ON mm.author_id = author.id
                   AND mm.message_type = 'email'
                   AND mm.date > w.sent_at AND mm.date <= w.until
                  LEFT JOIN res_partner rec
                    ON mm.model = 'res.partner' AND rec.id = mm.res_id
                 WHERE ((mm.model = 'dunning.communication' AND mm.res_id = w.id)
                        OR rec.commercial_partner_id = w.partner_id
                        OR (mm.model = 'account.move' AND EXISTS (
                                SELECT 1 FROM dunning_communication_line dcl
                                 WHERE dcl.communication_id = w.id
                                   AND dcl.move_id = mm.res_id)))
                   AND NOT EXISTS (
                           SELECT 1 FROM dunning_response r
                            WHERE r.res_model = 'mail.message'
                              AND r.res_id = mm.id)
                 GROUP BY w.id
                """
            ),
            "answered": SQL(
                """
                SELECT s.id AS communication_id,
                       COALESCE(rs.n, 0) + COALESCE(mr.n, 0)
                           + COALESCE(p.payment_responses, 0) AS n,
                       COALESCE(rs.replies, 0) + COALESCE(mr.n, 0) AS replies,
                       GREATEST(0, EXTRACT(EPOCH FROM LEAST(
                           rs.first_at, mr.first_at, p.first_payment::timestamp
                       ) - s.sent_at) / 86400.0) AS delay
                  FROM sent s
                  LEFT JOIN responses rs ON rs.communication_id = s.id
                  LEFT JOIN mail_replies mr ON mr.communication_id = s.id
                  LEFT JOIN payments p ON p.communication_id = s.id
                """
            ),
        }

    @api.model
    def _select(self):
        def rate(numerator, denominator):
            return SQL(
                "CASE WHEN %(den)s > 0 THEN 100.0 * COALESCE(%(num)s, 0) / %(den)s "
                "ELSE 0 END",
                num=numerator,
                den=denominator,
            )

        responded = SQL("(CASE WHEN a.n > 0 THEN 1 ELSE 0 END)")

        def wilson(successes, sign):
            # no interval for a row of no sent reminder (a bounce only)
            return SQL(
                "CASE WHEN rep.is_sent THEN %s ELSE 0 END",
                self._wilson_sql(successes, SQL("1"), sign),
            )

        paid_30 = SQL("(CASE WHEN p.paid_30 > 0 THEN 1 ELSE 0 END)")
        return SQL(
            """
            SELECT dc.id, dc.id AS communication_id, dc.date, dc.company_id,
                   dc.partner_id, dc.collector_id, dc.level_id, dc.scenario_id,
                   dc.typology_id, dc.tone, dc.variant_id, dc.mail_id,
                   CASE WHEN dc.channel_call THEN 'call'
                        WHEN dc.channel_letter THEN 'letter'
                        WHEN dc.channel_sms THEN 'sms'
                        ELSE 'email' END AS channel,
                   dc.channel_email, dc.channel_letter, dc.channel_sms,
                   dc.channel_call,
                   CASE WHEN rep.is_sent THEN 1 ELSE 0 END AS reminder_count,
                   COALESCE(r.amount, 0) AS amount_reminded,
                   COALESCE(p.paid_7, 0) AS amount_paid_7,
                   COALESCE(p.paid_15, 0) AS amount_paid_15,
                   COALESCE(p.paid_30, 0) AS amount_paid_30,
                   COALESCE(p.paid, 0) AS amount_paid,
                   %(rate_7)s AS payment_rate_7,
                   %(rate_15)s AS payment_rate_15,
                   %(rate_30)s AS payment_rate,
                   CASE WHEN p.paid > 0 THEN 1 ELSE 0 END AS paid_count,
                   %(paid_30)s AS paid_30_count,
                   100.0 * %(paid_30)s AS paid_30_rate,
                   %(paid_30_low)s AS paid_30_rate_low,
                   %(paid_30_high)s AS paid_30_rate_high,
                   p.days_to_payment,
                   COALESCE(a.replies, 0) AS reply_count,
                   CASE WHEN a.replies > 0 THEN 1 ELSE 0 END AS replied_count,
                   COALESCE(a.n, 0) AS response_count,
                   COALESCE(a.n > 0, FALSE) AS responded,
                   %(responded)s AS responded_count,
                   100.0 * %(responded)s AS response_rate,
                   %(responded_low)s AS response_rate_low,
                   %(responded_high)s AS response_rate_high,
                   a.delay AS response_delay,
                   (SELECT st.status
                      FROM dunning_einvoice_status st
                      JOIN dunning_communication_line stl
                        ON stl.move_id = st.move_id
                     WHERE stl.communication_id = dc.id AND st.date <= dc.date
                     ORDER BY st.date DESC, st.id DESC
                     LIMIT 1) AS einvoice_status,
                   CASE WHEN dc.email_state IN ('done', 'failed')
                        THEN 1 ELSE 0 END AS emailed_count,
                   CASE WHEN dc.email_bounced THEN 1 ELSE 0 END AS bounced_count,
                   CASE WHEN dc.email_bounced THEN 100.0 ELSE 0 END AS bounce_rate
            """,
            rate_7=rate(SQL("p.paid_7"), SQL("r.amount")),
            rate_15=rate(SQL("p.paid_15"), SQL("r.amount")),
            rate_30=rate(SQL("p.paid_30"), SQL("r.amount")),
            paid_30=paid_30,
            paid_30_low=wilson(paid_30, -1),
            paid_30_high=wilson(paid_30, 1),
            responded=responded,
            responded_low=wilson(responded, -1),
            responded_high=wilson(responded, 1),
        )

    @api.model
    def _from(self):
        return SQL(
            """
              FROM dunning_communication dc
              JOIN reported rep ON rep.id = dc.id
              LEFT JOIN answered a ON a.communication_id = dc.id
              LEFT JOIN reminded r ON r.communication_id = dc.id
              LEFT JOIN payments p ON p.communication_id = dc.id
            """
        )

    @api.model
    def _where(self, company_ids=None, partner_ids=None):
        """Conditions on the rows (an extension's hook): the reported
        reminders (``reported``) already are those of ``partner_ids`` in
        ``company_ids``, sent or bounced. Filtering ``dc`` on them again made
        PostgreSQL expect a single row and join the sub-queries in nested
        loops, in a time growing with the square of the reminders refreshed
        (55 % of a run slice's refresh of 100 customers). An extension adds
        its conditions with AND."""
        return SQL("WHERE TRUE")
