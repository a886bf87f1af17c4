# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

# a stored row's id packs its customer, company and month
ROW_ID_FACTOR = 100000


class DunningKpiReport(models.Model):
    """Collection KPIs per company and month, in company currency, from the
    company's first month with activity to the current month (never a future
    one). Every ratio is stored as a numerator and a denominator that add up,
    so a quarter, a year or the whole shows the formula applied to its sums
    (see readme/USAGE.md, "Reports"):

    * Net credit sales: posted customer invoices minus posted customer credit
      notes dated (invoice date) in the month, tax included (receivables
      include tax). Payments never count: they reduce receivables, not sales.
    * DSO (days sales outstanding, the standard "receivables / credit sales
      x days" over a rolling quarter, so that one month of few invoices does
      not make it jump): month-end receivables / the net credit sales of the
      three months ending with it x the days of those three months. For a
      group of months: their receivable-days over their three-month sales.
      Receivables: the balance of the receivable accounts at the month's end
      (days elapsed for the current month), counted as 0 when customer
      credits exceed debts: the DSO is never negative. No DSO when the
      three months' net credit sales are not positive (no sales, or more
      credit notes than invoices): a figure divided by nothing or by a
      negative amount means nothing.
    * Average payment delay: days late (payment date - due date, at least 0)
      of the invoice instalments fully paid in the month, amount-weighted.
    * Recovery rate: of the invoice instalments falling due in the month, the
      share of their amount collected to date (cohort rate).
    * Reminders per paid invoice: sent reminders of the instalments fully paid
      in the month, dated up to their payment / number of these instalments.
    * Promises: promises to pay due in the month, kept; disputes opened and
      resolved (resolved, rejected or settled by credit note) in the month.

    A ratio without a positive denominator (no sales, no payment) is
    undefined: blank in the pivot, not 0.

    The events are summed per customer, company and month in
    :meth:`_store_sql`, the one definition of what each figure counts, and
    kept in a table (``dunning.report.store``: recomputed for the customers a
    transaction changes); the view adds them up per company and month and
    computes what depends on the day (the current month's days) or on other
    months (balances, the rolling quarter) when it is read. Recomputing every
    event of the company per request took 1.4 s at 50,000 customers.
    """

    _name = "dunning.kpi.report"
    _inherit = ["dunning.ratio.report.mixin", "dunning.report.store"]
    _description = "Dunning KPIs"
    _auto = False
    _rec_name = "month"
    _order = "month desc, company_id"
    _store_table = "dunning_kpi_row"
    # reminders count once their items are paid (the payment marks the
    # customer); run logs, activities, plans and scores are no KPI
    _store_ignored_sources = (
        "dunning.communication.open",
        "dunning.run.log",
        "dunning.payment.plan",
        "dunning.partner.score",
        "mail.activity",
    )
    # flushed before the view is read, so it sees this transaction's changes
    _depends = {
        "res.partner": ["commercial_partner_id"],
        "account.move": [
            "partner_id",
            "state",
            "move_type",
            "company_id",
            "invoice_date",
            "amount_total_signed",
        ],
        "account.move.line": [
            "move_id",
            "partner_id",
            "account_id",
            "company_id",
            "date",
            "date_maturity",
            "display_type",
            "parent_state",
            "reconciled",
            "balance",
            "amount_residual",
        ],
        "account.account": ["account_type"],
        "account.partial.reconcile": ["debit_move_id", "max_date"],
        "dunning.communication": ["state", "date"],
        "dunning.communication.line": ["communication_id", "move_line_id"],
        "dunning.promise": ["partner_id", "company_id", "date", "state"],
        "dunning.dispute": [
            "partner_id",
            "company_id",
            "open_date",
            "resolution_date",
            "state",
        ],
    }

    month = fields.Date(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    period_days = fields.Integer(string="Days", readonly=True)
    invoiced_amount = fields.Monetary(
        string="Invoiced",
        readonly=True,
        help="Posted customer invoices dated in the month, tax included.",
    )
    refunded_amount = fields.Monetary(
        string="Credit Notes",
        readonly=True,
        help="Posted customer credit notes dated in the month, tax included.",
    )
    credit_sales = fields.Monetary(
        string="Net Credit Sales",
        readonly=True,
        help="Invoiced minus credit notes of the month. Payments never count. "
        "Negative when credit notes exceed invoices: the month then has no DSO.",
    )
    receivable_balance = fields.Monetary(
        string="Month-End Receivables",
        readonly=True,
        aggregator="avg",
        help="Balance of the receivable accounts at the end of the month (today "
        "for the current month): open invoices minus unapplied credits.",
    )
    dso_credit_sales = fields.Monetary(
        string="Net Credit Sales (3 Months)",
        readonly=True,
        help="Net credit sales of the month and the two months before it: the "
        "sales the DSO compares the receivables with.",
    )
    receivable_days = fields.Float(
        string="Receivable Balance-Days",
        readonly=True,
        digits=(16, 2),
        help="Month-end receivables (0 when negative) x the days of the month "
        "and the two months before it.",
    )
    dso = fields.Float(
        string="DSO (days)",
        readonly=True,
        aggregator="avg",
        help="Days sales outstanding over a rolling quarter: month-end "
        "receivables / net credit sales of the month and the two months before "
        "it x the days of those three months (for several months: their "
        "receivable balance-days / their three-month net credit sales). Blank "
        "when those net credit sales are not positive.",
    )
    paid_count = fields.Integer(string="Instalments Paid", readonly=True)
    paid_amount = fields.Monetary(string="Amount Paid", readonly=True)
    paid_delay_amount = fields.Float(
        string="Days Late x Amount", readonly=True, digits=(16, 2)
    )
    avg_payment_delay = fields.Float(
        string="Average Payment Delay (days)",
        readonly=True,
        aggregator="avg",
        help="Days between the due date and the payment (0 when paid on time) of "
        "the invoice instalments fully paid in the month, weighted by amount.",
    )
    due_amount = fields.Monetary(string="Falling Due", readonly=True)
    collected_amount = fields.Monetary(string="Collected", readonly=True)
    recovery_rate = fields.Float(
        string="Recovery Rate (%)",
        readonly=True,
        aggregator="avg",
        help="Of the invoice instalments falling due in the month, the share of "
        "their amount collected to date.",
    )
    reminder_count = fields.Integer(string="Reminders of Paid Items", readonly=True)
    reminders_per_paid = fields.Float(
        string="Reminders per Paid Invoice", readonly=True, aggregator="avg"
    )
    promise_count = fields.Integer(string="Promises Due", readonly=True)
    promise_kept = fields.Integer(string="Promises Kept", readonly=True)
    promise_kept_rate = fields.Float(
        string="Promises Kept (%)", readonly=True, aggregator="avg"
    )
    dispute_opened = fields.Integer(string="Disputes Opened", readonly=True)
    dispute_resolved = fields.Integer(string="Disputes Resolved", readonly=True)

    @api.model
    def _ratio_measures(self):
        return {
            "avg_payment_delay": ("paid_delay_amount", "paid_amount", 1.0),
            "recovery_rate": ("collected_amount", "due_amount", 100.0),
            "reminders_per_paid": ("reminder_count", "paid_count", 1.0),
            "promise_kept_rate": ("promise_kept", "promise_count", 100.0),
            "dso": ("receivable_days", "dso_credit_sales", 1.0),
        }

    def init(self):
        res = super().init()
        # the journal items without a customer, read live (_unstored_sql):
        # found among millions of lines by these (all but empty) indexes
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS dunning_aml_posted_no_partner_idx
                ON account_move_line (account_id)
             WHERE partner_id IS NULL AND parent_state = 'posted';
            CREATE INDEX IF NOT EXISTS dunning_aml_instalment_no_partner_idx
                ON account_move_line (company_id)
             WHERE partner_id IS NULL AND display_type = 'payment_term'
               AND parent_state = 'posted'
            """
        )
        return res

    # -- SQL ---------------------------------------------------------------------

    @property
    def _table_query(self):
        # see dunning.planner._screen_without_jit
        self.env["dunning.planner"]._screen_without_jit()
        return SQL(
            "%s %s %s %s %s",
            self._with(),
            self._select(),
            self._from(),
            self._where(),
            self._group_by(),
        )

    def _with(self):
        """The events per company and month, read once for the month series
        and the figures: the customers' stored rows, and the events no
        customer's change can reach, read live."""
        return SQL(
            """WITH events AS (
                SELECT r.company_id, r.month, %s
                  FROM (%s UNION ALL %s) r
                 GROUP BY r.company_id, r.month
            )""",
            self._sums("r"),
            self._monthly(self._store_rows()),
            self._monthly(self._unstored_sql()),
        )

    def _sums(self, alias):
        return SQL(", ").join(
            SQL("SUM(%s) AS %s", SQL.identifier(alias, name), SQL.identifier(name))
            for name in self._event_columns()
        )

    def _monthly(self, rows):
        """``rows`` (of the stored rows' columns) summed per company and
        month: a few rows per month to add up, hashed (PostgreSQL does not
        see how few groups the stored rows' union makes, and sorts them)."""
        return SQL(
            "SELECT s.company_id, s.month, %s FROM (%s) s"
            " GROUP BY s.company_id, s.month",
            self._sums("s"),
            rows,
        )

    def _this_month(self):
        return fields.Date.context_today(self).replace(day=1)

    def _period_days(self):
        """Days of the month ``m.month``; for the current month, the days
        elapsed, today included."""
        today = fields.Date.context_today(self)
        return SQL(
            "(LEAST((m.month + INTERVAL '1 month')::date, %s::date) - m.month)",
            today + relativedelta(days=1),
        )

    def _select(self):
        balance = SQL(
            "SUM(COALESCE(SUM(e.receivable_move), 0)) OVER ("
            "PARTITION BY m.company_id ORDER BY m.month)"
        )
        # customer credits above debts make no negative days outstanding
        outstanding = SQL("GREATEST(%s, 0)", balance)
        days = self._period_days()
        sales = SQL(
            "(COALESCE(SUM(e.invoiced_amount), 0)"
            " - COALESCE(SUM(e.refunded_amount), 0))"
        )
        # the DSO's rolling quarter: the month and the two before it
        quarter = SQL(
            "OVER (PARTITION BY m.company_id ORDER BY m.month "
            "ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)"
        )
        quarter_sales = SQL("SUM(%s) %s", sales, quarter)
        quarter_days = SQL("SUM(%s) %s", days, quarter)
        return SQL(
            """
            SELECT (m.company_id * 100000
                    + EXTRACT(YEAR FROM m.month) * 12
                    + EXTRACT(MONTH FROM m.month))::int AS id,
                   m.month, m.company_id, company.currency_id,
                   %(days)s AS period_days,
                   COALESCE(SUM(e.invoiced_amount), 0) AS invoiced_amount,
                   COALESCE(SUM(e.refunded_amount), 0) AS refunded_amount,
                   %(sales)s AS credit_sales,
                   %(quarter_sales)s AS dso_credit_sales,
                   %(balance)s AS receivable_balance,
                   %(outstanding)s * %(quarter_days)s AS receivable_days,
                   CASE WHEN %(quarter_sales)s > 0
                        THEN %(outstanding)s * %(quarter_days)s
                             / %(quarter_sales)s
                        END AS dso,
                   COALESCE(SUM(e.paid_count), 0)::bigint AS paid_count,
                   COALESCE(SUM(e.paid_amount), 0) AS paid_amount,
                   COALESCE(SUM(e.paid_delay_amount), 0) AS paid_delay_amount,
                   CASE WHEN SUM(e.paid_amount) > 0
                        THEN SUM(e.paid_delay_amount) / SUM(e.paid_amount)
                        END AS avg_payment_delay,
                   COALESCE(SUM(e.due_amount), 0) AS due_amount,
                   COALESCE(SUM(e.collected_amount), 0) AS collected_amount,
                   CASE WHEN SUM(e.due_amount) > 0
                        THEN 100.0 * SUM(e.collected_amount) / SUM(e.due_amount)
                        END AS recovery_rate,
                   COALESCE(SUM(e.reminder_count), 0) AS reminder_count,
                   CASE WHEN SUM(e.paid_count) > 0
                        THEN SUM(e.reminder_count)::numeric / SUM(e.paid_count)
                        END AS reminders_per_paid,
                   COALESCE(SUM(e.promise_count), 0)::bigint AS promise_count,
                   COALESCE(SUM(e.promise_kept), 0)::bigint AS promise_kept,
                   CASE WHEN SUM(e.promise_count) > 0
                        THEN 100.0 * SUM(e.promise_kept) / SUM(e.promise_count)
                        END AS promise_kept_rate,
                   COALESCE(SUM(e.dispute_opened), 0)::bigint AS dispute_opened,
                   COALESCE(SUM(e.dispute_resolved), 0)::bigint AS dispute_resolved
            """,
            days=days,
            balance=balance,
            outstanding=outstanding,
            sales=sales,
            quarter_sales=quarter_sales,
            quarter_days=quarter_days,
        )

    def _from(self):
        """Every month of each company, from its first event to the current
        month (months without events carry the balance over), and the month's
        events."""
        return SQL(
            """
              FROM (
                SELECT ev.company_id,
                       generate_series(
                           MIN(ev.month),
                           GREATEST(MAX(ev.month), %(this_month)s::date),
                           INTERVAL '1 month'
                       )::date AS month
                  FROM events ev
                 GROUP BY ev.company_id
              ) m
              JOIN res_company company ON company.id = m.company_id
              LEFT JOIN events e
                     ON e.company_id = m.company_id AND e.month = m.month
            """,
            this_month=self._this_month(),
        )

    def _where(self):
        return SQL("WHERE m.month <= %s::date", self._this_month())

    def _group_by(self):
        return SQL("GROUP BY m.company_id, m.month, company.currency_id")

    def _event_columns(self):
        """The measures an event adds to its month, in the order of every
        event query's columns after ``partner_id, company_id, month``."""
        return [
            "invoiced_amount",
            "refunded_amount",
            "receivable_move",
            "paid_count",
            "paid_amount",
            "paid_delay_amount",
            "reminder_count",
            "due_amount",
            "collected_amount",
            "promise_count",
            "promise_kept",
            "dispute_opened",
            "dispute_resolved",
        ]

    # counts among the measures: whole numbers in the stored rows
    _count_columns = (
        "paid_count",
        "reminder_count",
        "promise_count",
        "promise_kept",
        "dispute_opened",
        "dispute_resolved",
    )

    # -- Stored rows -------------------------------------------------------------

    def _store_sql(self, company_ids=None, partner_ids=None):
        """The events of the commercial entities ``partner_ids`` (ids) in
        ``company_ids`` (ids; None: every one), summed per customer, company
        and month: what the view's month series adds up. Nothing here depends
        on the day (the current month's days, the rolling quarter and the
        month-end balances are computed when the rows are read)."""
        # the customers' contacts, read once for every source (a few index
        # look-ups for a few customers)
        contacts = SQL("SELECT id, commercial_partner_id FROM res_partner")
        if partner_ids is not None:
            contacts = SQL(
                "%s WHERE commercial_partner_id = ANY(%s)", contacts, list(partner_ids)
            )
        return SQL(
            "WITH customers AS MATERIALIZED (%s) %s",
            contacts,
            self._rows_sql(
                self._event_queries(
                    self._customer_scope(company_ids, few=partner_ids is not None)
                )
            ),
        )

    def _unstored_sql(self):
        """The events of journal items without a customer (a receivable
        line entered by hand): no change of theirs marks a customer, so they
        are read live, through an index of their own (see :meth:`init`),
        in the columns of the stored rows (partner_id NULL)."""
        return self._rows_sql(
            self._event_queries(self._customer_scope(unstored=True), unstored=True)
        )

    def _rows_sql(self, queries):
        """The events of ``queries`` (see :meth:`_events`), summed per
        customer, company and month; events without a day count in no month
        (an instalment without due date), as in the month series."""
        # one id per customer, company and month (months since year 0)
        row_id = SQL(
            "(COALESCE(ev.partner_id, 0)::bigint * %(f)s + ev.company_id) * %(f)s"
            " + (EXTRACT(YEAR FROM ev.month) * 12 + EXTRACT(MONTH FROM ev.month))"
            "::bigint",
            f=ROW_ID_FACTOR,
        )
        sums = [
            SQL(
                "SUM(ev.%s)%s AS %s",
                SQL.identifier(name),
                SQL("::bigint") if name in self._count_columns else SQL(),
                SQL.identifier(name),
            )
            for name in self._event_columns()
        ]
        return SQL(
            """
            SELECT %s AS id, ev.partner_id, ev.company_id, ev.month, %s
              FROM (%s) ev
             WHERE ev.month IS NOT NULL
             GROUP BY ev.partner_id, ev.company_id, ev.month
            """,
            row_id,
            SQL(", ").join(sums),
            SQL(" UNION ALL ").join(queries),
        )

    def _customer_scope(self, company_ids=None, unstored=False, few=False):
        """``scope(table, alias, company)``: for an event source whose first
        table is ``table`` (SQL) named ``alias`` (its customer in
        ``partner_id``) and whose rows' company is ``company`` (SQL), (its
        rows in scope, as the start of a FROM clause, the customer's
        commercial entity, the conditions of the rows in scope): the rows of
        the contacts of the
        ``customers`` of :meth:`_store_sql`, or with ``unstored`` those
        without customer. With ``few`` customers, each one's rows are read
        by the index on the customer (a nested loop PostgreSQL would trade
        for a scan of the whole table from a few thousand customers on: the
        same cost per customer at any size)."""

        def scope(table, alias, company):
            conditions = []
            if company_ids is not None:
                conditions.append(SQL("%s = ANY(%s)", company, list(company_ids)))
            partner = SQL.identifier(alias, "partner_id")
            if unstored:
                conditions.append(SQL("%s IS NULL", partner))
                return (
                    SQL("%s %s", table, SQL.identifier(alias)),
                    SQL("NULL::int"),
                    conditions,
                )
            if few:
                rows = SQL(
                    "customers cust CROSS JOIN LATERAL ("
                    "SELECT * FROM %s %s WHERE %s = cust.id OFFSET 0) %s",
                    table,
                    SQL.identifier(alias),
                    partner,
                    SQL.identifier(alias),
                )
            else:
                rows = SQL(
                    "%s %s JOIN customers cust ON cust.id = %s",
                    table,
                    SQL.identifier(alias),
                    partner,
                )
            return rows, SQL("cust.commercial_partner_id"), conditions

        return scope

    def _events(self, scope, table, company, joins, conditions, events):
        """The events of the rows of ``table`` (a pair: table name, alias;
        its customer in ``partner_id``) and its ``joins`` (SQL) meeting
        ``conditions`` (SQL list), whose company is ``company``, for the
        customers of ``scope``: each row gives one event per item of ``events``, a list
        of (its day, {measure of _event_columns: SQL expression; 0 when not
        given}); an event whose day is NULL counts nowhere. Columns:
        ``partner_id`` (the commercial entity), ``company_id``, ``month``,
        then every measure. Several events from one row read it once."""
        rows, customer, in_scope = scope(SQL.identifier(table[0]), table[1], company)
        names = self._event_columns()
        for _day, measures in events:
            unknown = set(measures) - set(names)
            assert not unknown, unknown
        values = SQL(", ").join(
            SQL(
                "(%s, %s)",
                day,
                SQL(", ").join(measures.get(name, SQL("0")) for name in names),
            )
            for day, measures in events
        )
        return SQL(
            """
            SELECT %(customer)s AS partner_id, %(company)s AS company_id,
                   date_trunc('month', ev.day)::date AS month, %(columns)s
              FROM %(rows)s %(joins)s
             CROSS JOIN LATERAL (VALUES %(values)s) ev (day, %(columns)s)
             WHERE %(conditions)s
            """,
            customer=customer,
            company=company,
            columns=SQL(", ").join(SQL.identifier(name) for name in names),
            rows=rows,
            joins=joins,
            values=values,
            conditions=SQL(" AND ").join([*conditions, *in_scope] or [SQL("TRUE")]),
        )

    def _event_queries(self, scope, unstored=False):
        """Every dated fact a figure counts, for the customers of ``scope``
        (:meth:`_customer_scope`). With ``unstored``, only the sources whose
        rows may have no customer."""
        queries = []
        if not unstored:
            # a customer invoice or credit note is posted with its customer,
            # which a posted entry keeps (Odoo refuses both changes)
            queries.append(
                self._events(
                    scope,
                    ("account_move", "am"),
                    SQL("am.company_id"),
                    SQL(),
                    [
                        SQL("am.state = 'posted'"),
                        SQL("am.move_type IN ('out_invoice', 'out_refund')"),
                    ],
                    [
                        (
                            SQL("am.invoice_date"),
                            {
                                "invoiced_amount": SQL(
                                    "CASE WHEN am.move_type = 'out_invoice'"
                                    " THEN am.amount_total_signed ELSE 0 END"
                                ),
                                "refunded_amount": SQL(
                                    "CASE WHEN am.move_type = 'out_refund'"
                                    " THEN -am.amount_total_signed ELSE 0 END"
                                ),
                            },
                        )
                    ],
                )
            )
        queries += self._journal_item_events(scope, unstored)
        if not unstored:
            # a promise to pay is made by a customer (required)
            queries.append(
                self._events(
                    scope,
                    ("dunning_promise", "pr"),
                    SQL("pr.company_id"),
                    SQL(),
                    [SQL("pr.state NOT IN ('cancelled', 'rejected')")],
                    [
                        (
                            SQL("pr.date"),
                            {
                                "promise_count": SQL("1"),
                                "promise_kept": SQL(
                                    "CASE WHEN pr.state = 'kept' THEN 1 ELSE 0 END"
                                ),
                            },
                        )
                    ],
                )
            )
        # a dispute's customer is its invoice's, which a draft may lack
        queries.append(
            self._events(
                scope,
                ("dunning_dispute", "d"),
                SQL("d.company_id"),
                SQL(),
                [],
                [
                    (SQL("d.open_date"), {"dispute_opened": SQL("1")}),
                    (
                        SQL("CASE WHEN d.state != 'open' THEN d.resolution_date END"),
                        {"dispute_resolved": SQL("1")},
                    ),
                ],
            )
        )
        return queries

    def _journal_item_events(self, scope, unstored=False):
        """The events of the posted receivable journal items and invoice
        instalments, each item read once: its receivable amount on its
        date; for an instalment (payment-term line of a posted customer
        invoice), its amount falling due on its due date and, once fully
        paid, its payment on the date of its latest partial reconciliation,
        with its reminders sent up to that date."""
        instalment = SQL(
            "(aml.display_type = 'payment_term' AND am.move_type = 'out_invoice'"
            " AND aml.balance > 0)"
        )
        receivable = SQL("aa.account_type = 'asset_receivable'")
        joins = SQL(
            """
            JOIN account_account aa ON aa.id = aml.account_id
            LEFT JOIN account_move am ON am.id = aml.move_id
            -- the instalment's own reconciliations (an index look-up), when
            -- it is paid
            LEFT JOIN LATERAL (
                SELECT MAX(apr.max_date) AS paid_date
                  FROM account_partial_reconcile apr
                 WHERE %(instalment)s AND aml.reconciled
                   AND apr.debit_move_id = aml.id
            ) pay ON TRUE
            """,
            instalment=instalment,
        )
        reminders = SQL(
            """CASE WHEN pay.paid_date IS NOT NULL THEN (
                SELECT COUNT(*)
                  FROM dunning_communication_line dcl
                  JOIN dunning_communication dc ON dc.id = dcl.communication_id
                 WHERE dcl.move_line_id = aml.id AND dc.state = 'sent'
                   AND dc.date <= pay.paid_date) END"""
        )
        events = [
            (
                SQL("CASE WHEN %s THEN aml.date END", receivable),
                {"receivable_move": SQL("aml.balance")},
            ),
            (
                SQL("CASE WHEN %s THEN aml.date_maturity END", instalment),
                {
                    "due_amount": SQL("aml.balance"),
                    "collected_amount": SQL("aml.balance - aml.amount_residual"),
                },
            ),
            (
                SQL("pay.paid_date"),
                {
                    "paid_count": SQL("1"),
                    "paid_amount": SQL("aml.balance"),
                    "paid_delay_amount": SQL(
                        "aml.balance * GREATEST(pay.paid_date - aml.date_maturity, 0)"
                    ),
                    "reminder_count": reminders,
                },
            ),
        ]
        posted = SQL("aml.parent_state = 'posted'")
        if not unstored:
            conditions = [SQL("(%s OR aml.display_type = 'payment_term')", receivable)]
        else:
            # without a customer: the receivable items, then the instalments
            # on another account, each through its index (see init)
            conditions = [
                receivable,
                SQL("aml.display_type = 'payment_term' AND NOT %s", receivable),
            ]
        return [
            self._events(
                scope,
                ("account_move_line", "aml"),
                SQL("aml.company_id"),
                joins,
                [posted, condition],
                events,
            )
            for condition in conditions
        ]
