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
]


class DunningAgedReceivableReport(models.Model):
    """Open receivable items today (Odoo's own index on unreconciled posted
    items by account serves this view), aged by due date (the accounting date
    when an item has none), in company currency. Unapplied payments and
    credit notes count too, negatively, as in the accounting aged balance."""

    _name = "dunning.aged.receivable.report"
    _description = "Aged Receivables Analysis"
    _auto = False
    _rec_name = "move_id"
    _order = "date_maturity, id"

    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    typology_id = fields.Many2one("dunning.typology", readonly=True)
    collector_id = fields.Many2one("res.users", readonly=True)
    move_id = fields.Many2one("account.move", string="Entry", readonly=True)
    move_line_id = fields.Many2one("account.move.line", string="Item", readonly=True)
    date = fields.Date(readonly=True)
    date_maturity = fields.Date(string="Due Date", readonly=True)
    days_late = fields.Integer(readonly=True, aggregator="max")
    bucket = fields.Selection(BUCKETS, string="Age", readonly=True)
    amount_residual = fields.Monetary(string="Amount Due", readonly=True)
    amount_not_due = fields.Monetary(string="Not Due", readonly=True)
    amount_1_15 = fields.Monetary(string="1-15", readonly=True)
    amount_16_30 = fields.Monetary(string="16-30", readonly=True)
    amount_31_60 = fields.Monetary(string="31-60", readonly=True)
    amount_61_90 = fields.Monetary(string="61-90", readonly=True)
    amount_older = fields.Monetary(string="Over 90", readonly=True)

    @property
    def _table_query(self):
        return SQL("%s %s %s", self._select(), self._from(), self._where())

    def _select(self):
        return SQL(
            """
            SELECT a.id, a.id AS move_line_id, a.company_id,
                   company.currency_id, a.partner_id, a.move_id, a.date,
                   a.date_maturity, GREATEST(a.days_late, 0) AS days_late,
                   a.bucket,
                   (cp.dunning_typology_id ->> a.company_id::text)::int
                       AS typology_id,
                   (cp.dunning_collector_id ->> a.company_id::text)::int
                       AS collector_id,
                   a.amount_residual,
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
                        ELSE 0 END AS amount_older
            """
        )

    def _from(self):
        """The planner's open receivable items, payments and credit notes
        included, aged."""
        today = fields.Date.context_today(self)
        return SQL(
            """
              FROM (
                SELECT oi.*,
                       CASE WHEN oi.days_late <= 0 THEN '0_not_due'
                            WHEN oi.days_late <= 15 THEN '1_15'
                            WHEN oi.days_late <= 30 THEN '2_30'
                            WHEN oi.days_late <= 60 THEN '3_60'
                            WHEN oi.days_late <= 90 THEN '4_90'
                            ELSE '5_older' END AS bucket
                  FROM (
                    SELECT item.*,
                           %(today)s - COALESCE(item.date_maturity, item.date)
                               AS days_late
                      FROM (%(open_items)s) item
                  ) oi
              ) a
              JOIN res_partner cp ON cp.id = a.partner_id
              JOIN res_company company ON company.id = a.company_id
            """,
            today=today,
            open_items=self.env["dunning.planner"]._open_item_sql(invoices_only=False),
        )

    def _where(self):
        return SQL("WHERE a.amount_residual != 0")
