# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models
from odoo.tools import SQL

BUCKETS = [
    ("0_not_due", "Not Due"),
    ("1_15", "1-15 Days"),
    ("2_30", "16-30 Days"),
    ("3_60", "31-60 Days"),
    ("4_90", "61-90 Days"),
    ("5_older", "Over 90 Days"),
    ("6_credit", "Credits"),
]

ITEM_TYPES = [
    ("invoice", "Invoice"),
    ("credit_note", "Credit Note"),
    ("payment", "Unapplied Payment"),
    ("other", "Other Entry"),
]


class DunningAgedReceivableReport(models.Model):
    """Open receivable items today, aged by due date (the accounting date
    when an item has none). The items are stored per customer
    (``dunning.report.store``: the planner's open items, kept exact by the
    worklist's marks); their age is computed when they are read. Each item
    in its own currency and in company currency; the age columns in company
    currency, so that they add up.
    Credit notes and unapplied payments (negative open amounts) are in their
    own "Credits" bucket, whatever their date: they are not receivables
    falling due but money the customer may apply."""

    _name = "dunning.aged.receivable.report"
    _inherit = ["dunning.report.store"]
    _description = "Aged Receivables Analysis"
    _auto = False
    _rec_name = "move_id"
    _order = "date_maturity, id"
    _store_table = "dunning_aged_receivable_row"
    # the open items and the customer's typology and collector only
    _store_ignored_sources = (
        "dunning.communication",
        "dunning.communication.open",
        "dunning.run.log",
        "dunning.promise",
        "dunning.dispute",
        "dunning.payment.plan",
        "dunning.partner.score",
        "mail.activity",
    )
    # flushed before the view is read, so it sees this transaction's changes
    _depends = {
        "account.move": [
            "name",
            "move_type",
            "payment_state",
            "dunning_excluded",
            "origin_payment_id",
            "statement_line_id",
        ],
        "account.move.line": [
            "move_id",
            "account_id",
            "company_id",
            "partner_id",
            "date",
            "date_maturity",
            "display_type",
            "parent_state",
            "reconciled",
            "currency_id",
            "amount_residual",
            "amount_residual_currency",
        ],
        "account.account": ["account_type"],
        "res.partner": [
            "commercial_partner_id",
            "dunning_typology_id",
            "dunning_collector_id",
        ],
    }

    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    company_currency_id = fields.Many2one("res.currency", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    typology_id = fields.Many2one("dunning.typology", readonly=True)
    collector_id = fields.Many2one("res.users", readonly=True)
    move_id = fields.Many2one("account.move", string="Entry", readonly=True)
    move_line_id = fields.Many2one("account.move.line", string="Item", readonly=True)
    date = fields.Date(readonly=True)
    date_maturity = fields.Date(string="Due Date", readonly=True)
    days_late = fields.Integer(readonly=True, aggregator="max")
    bucket = fields.Selection(BUCKETS, string="Age", readonly=True)
    item_type = fields.Selection(ITEM_TYPES, string="Type", readonly=True)
    amount_residual_currency = fields.Monetary(
        string="Amount Due in Currency",
        currency_field="currency_id",
        readonly=True,
        help="Open amount in the currency of the invoice or payment.",
    )
    amount_residual = fields.Monetary(
        string="Amount Due",
        currency_field="company_currency_id",
        readonly=True,
        help="Open amount in company currency.",
    )
    amount_not_due = fields.Monetary(
        string="Not Due", currency_field="company_currency_id", readonly=True
    )
    amount_1_15 = fields.Monetary(
        string="1-15", currency_field="company_currency_id", readonly=True
    )
    amount_16_30 = fields.Monetary(
        string="16-30", currency_field="company_currency_id", readonly=True
    )
    amount_31_60 = fields.Monetary(
        string="31-60", currency_field="company_currency_id", readonly=True
    )
    amount_61_90 = fields.Monetary(
        string="61-90", currency_field="company_currency_id", readonly=True
    )
    amount_older = fields.Monetary(
        string="Over 90", currency_field="company_currency_id", readonly=True
    )
    amount_credit = fields.Monetary(
        string="Credits",
        currency_field="company_currency_id",
        readonly=True,
        help="Credit notes and payments not yet applied to an invoice.",
    )

    @property
    def _table_query(self):
        return SQL("%s %s", self._select(), self._from())

    def _store_sql(self, company_ids=None, partner_ids=None):
        """The planner's open receivable items, payments and credit notes
        included, with their type and their customer's typology and collector
        in the company (a change of either marks the customer): what does not
        depend on the day."""
        open_items = self.env["dunning.planner"]._open_item_sql(
            company_ids, partner_ids, invoices_only=False
        )
        return SQL(
            """
            SELECT item.id, item.move_id, item.company_id, item.partner_id,
                   item.date, item.date_maturity, item.currency_id,
                   item.amount_residual, item.amount_residual_currency,
                   CASE WHEN item.move_type IN ('out_invoice', 'out_receipt')
                            THEN 'invoice'
                        WHEN item.move_type = 'out_refund' THEN 'credit_note'
                        WHEN move.origin_payment_id IS NOT NULL
                          OR move.statement_line_id IS NOT NULL THEN 'payment'
                        ELSE 'other' END AS item_type,
                   (cp.dunning_typology_id ->> item.company_id::text)::int
                       AS typology_id,
                   (cp.dunning_collector_id ->> item.company_id::text)::int
                       AS collector_id
              FROM (%s) item
              JOIN account_move move ON move.id = item.move_id
              JOIN res_partner cp ON cp.id = item.partner_id
             WHERE item.amount_residual != 0
            """,
            open_items,
        )

    def _store_indexes(self):
        # the list's order
        return [("date_maturity", "id")]

    def _select(self):
        return SQL(
            """
            SELECT a.id, a.id AS move_line_id, a.company_id,
                   a.currency_id, company.currency_id AS company_currency_id,
                   a.partner_id, a.move_id, a.date,
                   a.date_maturity, GREATEST(a.days_late, 0) AS days_late,
                   a.bucket, a.item_type, a.typology_id, a.collector_id,
                   a.amount_residual, a.amount_residual_currency,
                   CASE WHEN a.bucket = '0_not_due' THEN a.amount_residual
                        ELSE 0 END AS amount_not_due,
                   CASE WHEN a.bucket = '1_15' THEN a.amount_residual
                        ELSE 0 END AS amount_1_15,
                   CASE WHEN a.bucket = '2_30' THEN a.amount_residual
                        ELSE 0 END AS amount_16_30,
                   CASE WHEN a.bucket = '3_60' THEN a.amount_residual
                        ELSE 0 END AS amount_31_60,
                   CASE WHEN a.bucket = '4_90' THEN a.amount_residual
                        ELSE 0 END AS amount_61_90,
                   CASE WHEN a.bucket = '5_older' THEN a.amount_residual
                        ELSE 0 END AS amount_older,
                   CASE WHEN a.bucket = '6_credit' THEN a.amount_residual
                        ELSE 0 END AS amount_credit
            """
        )

    def _from(self):
        """The stored open items, aged today."""
        today = fields.Date.context_today(self)
        return SQL(
            """
              FROM (
                SELECT oi.*,
                       CASE WHEN oi.amount_residual < 0 THEN '6_credit'
                            WHEN oi.days_late <= 0 THEN '0_not_due'
                            WHEN oi.days_late <= 15 THEN '1_15'
                            WHEN oi.days_late <= 30 THEN '2_30'
                            WHEN oi.days_late <= 60 THEN '3_60'
                            WHEN oi.days_late <= 90 THEN '4_90'
                            ELSE '5_older' END AS bucket
                  FROM (
                    SELECT item.*,
                           %(today)s - COALESCE(item.date_maturity, item.date)
                               AS days_late
                      FROM (%(items)s) item
                  ) oi
              ) a
              -- a LEFT JOIN on a key that always matches: PostgreSQL leaves
              -- it out of the groupings that do not read the currency
              LEFT JOIN res_company company ON company.id = a.company_id
            """,
            today=today,
            items=self._store_rows(),
        )
