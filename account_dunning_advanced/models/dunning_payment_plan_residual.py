# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models
from odoo.tools import SQL


class DunningPaymentPlanResidual(models.AbstractModel):
    """What is left to pay of payment plans, read in SQL: the one residual of
    a plan's invoices, what it collected and what each instalment still asks.
    The planner selects the active plans' instalments through it; the plans,
    their instalments and the reports show the same figures."""

    _name = "dunning.payment.plan.residual"
    _description = "Payment Plan Residuals"

    @api.model
    def _instalment_sql(self, company_ids=None, partner_ids=None, plan_ids=None):
        """SELECT of the instalments of payment plans that are not drafts, with
        what is left to pay of each: what the customer paid on the plan's
        invoices since it started pays its instalments in date order.

        Columns: id, plan_id, plan_state, company_id, partner_id, date, amount,
        amount_cumulative, amount_collected, amount_residual (all in the plan's
        currency), currency_id (the plan's), company_rate (company currency
        per unit of the plan's, at the invoices' own rates), move_id and
        move_name (the plan's oldest invoice still open, which the instalment
        pays first).
        """
        conditions = [SQL("plan.state != 'draft'")]
        if company_ids is not None:
            conditions.append(SQL("plan.company_id = ANY(%s)", list(company_ids)))
        if partner_ids is not None:
            conditions.append(
                SQL("pp.commercial_partner_id = ANY(%s)", list(partner_ids))
            )
        if plan_ids is not None:
            conditions.append(SQL("plan.id = ANY(%s)", list(plan_ids)))
        return SQL(
            """
            SELECT line.id, line.plan_id, line.plan_state, line.company_id,
                   line.partner_id, line.date, line.amount, line.amount_cumulative,
                   line.amount_collected,
                   LEAST(line.amount, GREATEST(
                       line.amount_cumulative - line.amount_collected, 0))
                       AS amount_residual,
                   line.move_id, line.move_name, line.currency_id, line.company_rate
              FROM (
                SELECT pl.id, pl.plan_id, plan.state AS plan_state,
                       plan.company_id, pp.commercial_partner_id AS partner_id,
                       pl.date, pl.amount,
                       SUM(pl.amount) OVER (
                           PARTITION BY pl.plan_id ORDER BY pl.date, pl.id
                       ) AS amount_cumulative,
                       paid.amount_collected, paid.move_id, paid.move_name,
                       plan.currency_id, paid.company_rate
                  FROM dunning_payment_plan_line pl
                  JOIN dunning_payment_plan plan ON plan.id = pl.plan_id
                  JOIN res_company comp ON comp.id = plan.company_id
                  JOIN res_partner pp ON pp.id = plan.partner_id
                  JOIN LATERAL (
                      SELECT GREATEST(COALESCE(plan.amount_start, 0)
                                      - COALESCE(SUM(%s), 0), 0)
                                 AS amount_collected,
                             CASE WHEN plan.currency_id = comp.currency_id THEN 1.0
                                  ELSE COALESCE(SUM(am.amount_total_signed)
                                      / NULLIF(SUM(am.amount_total), 0), 1.0)
                             END AS company_rate,
                             (array_agg(am.id ORDER BY am.invoice_date_due, am.id)
                                 FILTER (WHERE am.amount_residual_signed > 0))[1]
                                 AS move_id,
                             (array_agg(am.name ORDER BY am.invoice_date_due, am.id)
                                 FILTER (WHERE am.amount_residual_signed > 0))[1]
                                 AS move_name
                        FROM dunning_payment_plan_move_rel rel
                        JOIN account_move am ON am.id = rel.move_id
                       WHERE rel.plan_id = plan.id
                  ) paid ON TRUE
                 WHERE %s
              ) line
            """,
            self._plan_move_residual_sql("plan", "comp", "am"),
            SQL(" AND ").join(conditions),
        )

    @api.model
    def _plan_move_residual_sql(self, plan, company, move):
        """What is left to pay of the invoice ``move`` of the payment plan
        ``plan`` (``company`` its company), in the plan's currency: the one
        residual of a plan, summed for what it collected and what is due."""
        return SQL(
            "CASE WHEN %(plan)s.currency_id = %(company)s.currency_id "
            "THEN %(move)s.amount_residual_signed ELSE %(move)s.amount_residual END",
            plan=SQL.identifier(plan),
            company=SQL.identifier(company),
            move=SQL.identifier(move),
        )

    @api.model
    def _plan_amounts_due(self, plan_ids):
        """{plan id: what is left to pay of its invoices, in its currency},
        drafts included."""
        if not plan_ids:
            return {}
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT plan.id, COALESCE(SUM(%s), 0)
                  FROM dunning_payment_plan plan
                  JOIN res_company comp ON comp.id = plan.company_id
                  LEFT JOIN dunning_payment_plan_move_rel rel
                         ON rel.plan_id = plan.id
                  LEFT JOIN account_move am ON am.id = rel.move_id
                 WHERE plan.id = ANY(%s)
                 GROUP BY plan.id
                """,
                self._plan_move_residual_sql("plan", "comp", "am"),
                list(plan_ids),
            )
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _instalments(self, plan_ids):
        """{plan line id: row of :meth:`_instalment_sql`} of ``plan_ids``."""
        if not plan_ids:
            return {}
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT * FROM (%s) inst",
                self._instalment_sql(plan_ids=plan_ids),
            )
        )
        return {row["id"]: row for row in self.env.cr.dictfetchall()}
