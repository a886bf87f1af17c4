# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL


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
    """

    _name = "dunning.kpi.report"
    _inherit = ["dunning.ratio.report.mixin"]
    _description = "Dunning KPIs"
    _auto = False
    _rec_name = "month"
    _order = "month desc, company_id"
    # flushed before the view is read, so it sees this transaction's changes
    _depends = {
        "account.move": [
            "state",
            "move_type",
            "company_id",
            "invoice_date",
            "amount_total_signed",
        ],
        "account.move.line": [
            "move_id",
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
        "dunning.promise": ["company_id", "date", "state"],
        "dunning.dispute": ["company_id", "open_date", "resolution_date", "state"],
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
        """The events, read once for the month series and the figures."""
        return SQL("WITH events AS (%s)", self._events())

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
                 WHERE ev.month IS NOT NULL
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
        event query's columns after ``company_id, month``."""
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

    def _event(self, month, source, where=None, **measures):
        """One event query, summed per company and month: ``company_id``,
        ``month`` (the month of the date expression ``month``), then the sum
        of every measure of _event_columns (0 unless given as an SQL
        expression). Summed here, each source gives a few rows per month to
        the month series instead of one per invoice or journal item (1.7
        million rows sorted at 500,000 invoices)."""
        unknown = set(measures) - set(self._event_columns())
        assert not unknown, unknown
        columns = [
            SQL(
                "SUM(%s) AS %s",
                measures.get(name, SQL("0")),
                SQL.identifier(name),
            )
            for name in self._event_columns()
        ]
        return SQL(
            "SELECT company_id, date_trunc('month', %s)::date AS month, %s "
            "FROM %s %s GROUP BY 1, 2",
            month,
            SQL(", ").join(columns),
            source,
            SQL("WHERE %s", where) if where else SQL(),
        )

    def _events(self):
        """Every dated fact a figure counts, summed per company and month."""
        return SQL(" UNION ALL ").join(self._event_queries())

    def _event_queries(self):
        return [
            self._event(
                SQL("invoice_date"),
                SQL("account_move"),
                SQL("state = 'posted' AND move_type = 'out_invoice'"),
                invoiced_amount=SQL("amount_total_signed"),
            ),
            self._event(
                SQL("invoice_date"),
                SQL("account_move"),
                SQL("state = 'posted' AND move_type = 'out_refund'"),
                refunded_amount=SQL("-amount_total_signed"),
            ),
            self._event(
                SQL("date"),
                SQL(
                    "(SELECT aml.company_id, aml.date, aml.balance"
                    " FROM account_move_line aml"
                    " JOIN account_account aa ON aa.id = aml.account_id"
                    " WHERE aa.account_type = 'asset_receivable'"
                    " AND aml.parent_state = 'posted') receivable"
                ),
                receivable_move=SQL("balance"),
            ),
            self._event(
                SQL("paid_date"),
                SQL("(%s) paid", self._paid_items_query()),
                paid_count=SQL("1"),
                paid_amount=SQL("balance"),
                paid_delay_amount=SQL(
                    "balance * GREATEST(paid_date - date_maturity, 0)"
                ),
                reminder_count=SQL("reminders"),
            ),
            self._event(
                SQL("date_maturity"),
                SQL("(%s) due", self._instalments_query()),
                due_amount=SQL("balance"),
                collected_amount=SQL("balance - amount_residual"),
            ),
            self._event(
                SQL("date"),
                SQL("dunning_promise"),
                SQL("state NOT IN ('cancelled', 'rejected')"),
                promise_count=SQL("1"),
                promise_kept=SQL("CASE WHEN state = 'kept' THEN 1 ELSE 0 END"),
            ),
            self._event(
                SQL("open_date"),
                SQL("dunning_dispute"),
                dispute_opened=SQL("1"),
            ),
            self._event(
                SQL("resolution_date"),
                SQL("dunning_dispute"),
                SQL("state != 'open' AND resolution_date IS NOT NULL"),
                dispute_resolved=SQL("1"),
            ),
        ]

    def _instalments_query(self):
        """The instalments (payment-term lines) of posted customer invoices."""
        return SQL(
            """
            SELECT aml.id, aml.company_id, aml.balance, aml.amount_residual,
                   aml.date_maturity, aml.reconciled
              FROM account_move_line aml
              JOIN account_move am ON am.id = aml.move_id
             WHERE aml.display_type = 'payment_term' AND aml.parent_state = 'posted'
               AND am.move_type = 'out_invoice' AND aml.balance > 0
            """
        )

    def _paid_items_query(self):
        """Invoice instalments fully paid, with their payment date (latest
        partial reconciliation) and their sent reminders up to that date."""
        return SQL(
            """
            SELECT inst.company_id, inst.balance, inst.date_maturity, pay.paid_date,
                   (SELECT COUNT(*)
                      FROM dunning_communication_line dcl
                      JOIN dunning_communication dc ON dc.id = dcl.communication_id
                     WHERE dcl.move_line_id = inst.id AND dc.state = 'sent'
                       AND dc.date <= pay.paid_date) AS reminders
              FROM (%s) inst
              JOIN (SELECT debit_move_id, MAX(max_date) AS paid_date
                      FROM account_partial_reconcile
                     GROUP BY debit_move_id) pay ON pay.debit_move_id = inst.id
             WHERE inst.reconciled
            """,
            self._instalments_query(),
        )
