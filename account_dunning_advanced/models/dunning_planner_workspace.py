# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.tools import SQL


class DunningPlanner(models.AbstractModel):
    _inherit = "dunning.planner"

    @api.model
    def _blocked_items(self, company, date, items):
        """Invoices under an active payment plan are reminded per instalment
        by the plan, not by the scenario."""
        blocked = super()._blocked_items(company, date, items)
        planned = self._planned_move_ids(company)
        if planned:
            for item in items["items"]:
                if item["move_id"] in planned:
                    blocked.setdefault(item["id"], "payment_plan")
        return blocked

    @api.model
    def _planned_move_ids(self, company):
        """Ids of the invoices of the company's active payment plans, in one
        query."""
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT rel.move_id
                  FROM dunning_payment_plan_move_rel rel
                  JOIN dunning_payment_plan plan ON plan.id = rel.plan_id
                 WHERE plan.company_id = %s AND plan.state = 'active'
                """,
                company.id,
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}


class DunningRunLog(models.Model):
    _inherit = "dunning.run.log"

    reason = fields.Selection(
        selection_add=[("payment_plan", "Invoice under a payment plan")],
        ondelete={"payment_plan": "cascade"},
    )
