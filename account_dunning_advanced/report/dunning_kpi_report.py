# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.tools import SQL


class DunningKpiReport(models.Model):
    """Collection KPIs per company and month, company currency.

    * DSO, simple method: average month-end receivable balance / credit sales
      of the period x days of the period (for one month: balance at month end
      / sales of the month x days of the month). Credit sales: customer
      invoices minus credit notes, tax included (receivables include tax).
    * Average payment delay: days late (payment date - due date, at least 0)
      of the invoice instalments fully paid in the month, amount-weighted.
    * Recovery rate: of the invoice instalments falling due in the month, the
      share of their amount collected to date (cohort rate).
    * Reminders per paid invoice: sent reminders of the instalments fully paid
      in the month, dated up to their payment / number of these instalments.
    * Promises: promises to pay due in the month, kept; disputes opened and
      resolved (resolved, rejected or settled by credit note) in the month.
    """

    _name = "dunning.kpi.report"
    _inherit = ["dunning.ratio.report.mixin"]
    _description = "Dunning KPIs"
    _auto = False
    _rec_name = "month"
    _order = "month desc, company_id"

    month = fields.Date(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    period_days = fields.Integer(string="Days", readonly=True)
    credit_sales = fields.Monetary(readonly=True)
    receivable_balance = fields.Monetary(
        string="Month-End Receivables", readonly=True, aggregator="avg"
    )
    dso = fields.Float(string="DSO (days)", readonly=True, aggregator="avg")
    paid_count = fields.Integer(string="Instalments Paid", readonly=True)
    paid_amount = fields.Monetary(string="Amount Paid", readonly=True)
    paid_delay_amount = fields.Float(
        string="Days Late x Amount", readonly=True, digits=(16, 2)
    )
    avg_payment_delay = fields.Float(
        string="Average Payment Delay (days)", readonly=True, aggregator="avg"
    )
    due_amount = fields.Monetary(string="Falling Due", readonly=True)
    collected_amount = fields.Monetary(string="Collected", readonly=True)
    recovery_rate = fields.Float(
        string="Recovery Rate (%)", readonly=True, aggregator="avg"
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
            "dso": ("receivable_balance", "credit_sales", 1.0),
        }

    @api.model
    def _ratio_value(self, group, ratio, numerator, denominator, factor):
        value = super()._ratio_value(group, ratio, numerator, denominator, factor)
        if ratio == "dso":
            # Average balance / sales of the whole group x its days.
            days = group.get("period_days") or 0
            return value * days if (group.get(denominator) or 0) > 0 else 0.0
        return value

    @api.model
    def read_group(
        self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True
    ):
        names = {spec.split(":")[0].strip() for spec in fields}
        if "dso" in names and "period_days" not in names:
            fields = list(fields) + ["period_days"]
        return super().read_group(domain, fields, groupby, offset, limit, orderby, lazy)

    @property
    def _table_query(self):
        return SQL(
            """
            WITH events AS (
                SELECT am.company_id,
                       date_trunc('month', am.invoice_date)::date AS month,
                       am.amount_total_signed AS credit_sales,
                       0 AS receivable_move, 0 AS paid_count, 0 AS paid_amount,
                       0 AS paid_delay_amount, 0 AS reminder_count,
                       0 AS due_amount, 0 AS collected_amount,
                       0 AS promise_count, 0 AS promise_kept,
                       0 AS dispute_opened, 0 AS dispute_resolved
                  FROM account_move am
                 WHERE am.state = 'posted'
                   AND am.move_type IN ('out_invoice', 'out_refund')
                UNION ALL
                SELECT aml.company_id, date_trunc('month', aml.date)::date,
                       0, aml.balance, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
                  FROM account_move_line aml
                  JOIN account_account aa ON aa.id = aml.account_id
                 WHERE aa.account_type = 'asset_receivable'
                   AND aml.parent_state = 'posted'
                UNION ALL
                SELECT company_id, date_trunc('month', paid_date)::date,
                       0, 0, 1, balance,
                       balance * GREATEST(paid_date - date_maturity, 0),
                       reminders, 0, 0, 0, 0, 0, 0
                  FROM (%(paid_items)s) paid
                UNION ALL
                SELECT aml.company_id, date_trunc('month', aml.date_maturity)::date,
                       0, 0, 0, 0, 0, 0, aml.balance,
                       aml.balance - aml.amount_residual, 0, 0, 0, 0
                  FROM account_move_line aml
                  JOIN account_move am ON am.id = aml.move_id
                 WHERE aml.display_type = 'payment_term'
                   AND aml.parent_state = 'posted'
                   AND am.move_type = 'out_invoice' AND aml.balance > 0
                UNION ALL
                %(promises)s
                UNION ALL
                %(disputes)s
            ),
            monthly AS (
                SELECT company_id, month,
                       SUM(credit_sales) AS credit_sales,
                       SUM(receivable_move) AS receivable_move,
                       SUM(paid_count) AS paid_count,
                       SUM(paid_amount) AS paid_amount,
                       SUM(paid_delay_amount) AS paid_delay_amount,
                       SUM(reminder_count) AS reminder_count,
                       SUM(due_amount) AS due_amount,
                       SUM(collected_amount) AS collected_amount,
                       SUM(promise_count) AS promise_count,
                       SUM(promise_kept) AS promise_kept,
                       SUM(dispute_opened) AS dispute_opened,
                       SUM(dispute_resolved) AS dispute_resolved
                  FROM events
                 WHERE month IS NOT NULL
                 GROUP BY company_id, month
            ),
            balances AS (
                SELECT m.*,
                       SUM(m.receivable_move) OVER (
                           PARTITION BY m.company_id ORDER BY m.month
                       ) AS receivable_balance,
                       ((m.month + INTERVAL '1 month')::date - m.month) AS period_days
                  FROM monthly m
            )
            SELECT (b.company_id * 100000
                    + EXTRACT(YEAR FROM b.month) * 12
                    + EXTRACT(MONTH FROM b.month))::int AS id,
                   b.month, b.company_id, company.currency_id, b.period_days,
                   b.credit_sales, b.receivable_balance,
                   CASE WHEN b.credit_sales > 0
                        THEN b.receivable_balance / b.credit_sales * b.period_days
                        ELSE 0 END AS dso,
                   b.paid_count, b.paid_amount, b.paid_delay_amount,
                   CASE WHEN b.paid_amount > 0
                        THEN b.paid_delay_amount / b.paid_amount
                        ELSE 0 END AS avg_payment_delay,
                   b.due_amount, b.collected_amount,
                   CASE WHEN b.due_amount > 0
                        THEN 100.0 * b.collected_amount / b.due_amount
                        ELSE 0 END AS recovery_rate,
                   b.reminder_count,
                   CASE WHEN b.paid_count > 0
                        THEN b.reminder_count::numeric / b.paid_count
                        ELSE 0 END AS reminders_per_paid,
                   b.promise_count, b.promise_kept,
                   CASE WHEN b.promise_count > 0
                        THEN 100.0 * b.promise_kept / b.promise_count
                        ELSE 0 END AS promise_kept_rate,
                   b.dispute_opened, b.dispute_resolved
              FROM balances b
              JOIN res_company company ON company.id = b.company_id
            """,
            paid_items=self._paid_items_query(),
            promises=self._promises_query(),
            disputes=self._disputes_query(),
        )

    def _paid_items_query(self):
        """Invoice instalments fully paid, with their payment date (latest
        partial reconciliation) and their sent reminders up to that date."""
        return SQL(
            """
            SELECT aml.company_id, aml.balance, aml.date_maturity, pay.paid_date,
                   (SELECT COUNT(*)
                      FROM dunning_communication_line dcl
                      JOIN dunning_communication dc ON dc.id = dcl.communication_id
                     WHERE dcl.move_line_id = aml.id AND dc.state = 'sent'
                       AND dc.date <= pay.paid_date) AS reminders
              FROM account_move_line aml
              JOIN account_move am ON am.id = aml.move_id
              JOIN (SELECT debit_move_id, MAX(max_date) AS paid_date
                      FROM account_partial_reconcile
                     GROUP BY debit_move_id) pay ON pay.debit_move_id = aml.id
             WHERE aml.display_type = 'payment_term' AND aml.parent_state = 'posted'
               AND am.move_type = 'out_invoice' AND aml.balance > 0
               AND aml.reconciled
            """
        )

    def _promises_query(self):
        return SQL(
            """
            SELECT company_id, date_trunc('month', date)::date,
                   0, 0, 0, 0, 0, 0, 0, 0, 1,
                   CASE WHEN state = 'kept' THEN 1 ELSE 0 END, 0, 0
              FROM dunning_promise
             WHERE state NOT IN ('cancelled', 'rejected')
            """
        )

    def _disputes_query(self):
        return SQL(
            """
            SELECT company_id, date_trunc('month', open_date)::date,
                   0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0
              FROM dunning_dispute
            UNION ALL
            SELECT company_id, date_trunc('month', resolution_date)::date,
                   0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
              FROM dunning_dispute
             WHERE state != 'open' AND resolution_date IS NOT NULL
            """
        )
