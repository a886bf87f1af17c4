# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date, timedelta

from odoo import api, fields, models


class DunningPaymentPlanLine(models.Model):
    _name = "dunning.payment.plan.line"
    _description = "Payment Plan Instalment"
    _order = "plan_id, date, id"

    plan_id = fields.Many2one(
        "dunning.payment.plan", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="plan_id.company_id", store=True)
    partner_id = fields.Many2one(related="plan_id.partner_id")
    currency_id = fields.Many2one(related="plan_id.currency_id")
    date = fields.Date(required=True)
    amount = fields.Monetary(currency_field="currency_id", required=True)
    amount_cumulative = fields.Monetary(
        currency_field="currency_id", compute="_compute_paid"
    )
    amount_residual = fields.Monetary(
        string="Left to Pay", currency_field="currency_id", compute="_compute_paid"
    )
    paid = fields.Boolean(compute="_compute_paid")
    communication_line_ids = fields.One2many(
        "dunning.communication.line", "plan_line_id", string="Reminders"
    )
    reminded_date = fields.Date(
        string="Last Reminder", compute="_compute_reminded_date"
    )

    @api.depends(
        "plan_id.line_ids.amount",
        "plan_id.line_ids.date",
        "plan_id.state",
        "plan_id.amount_start",
        "plan_id.move_ids.amount_residual_signed",
    )
    def _compute_paid(self):
        """What is left of each instalment, by the planner's rule; a draft
        plan has collected nothing yet."""
        started = self.filtered(
            lambda ln: ln.plan_id.state not in (False, "draft")
            and isinstance(ln.id, int)
        )
        figures = self.env["dunning.payment.plan.residual"]._instalments(
            started.plan_id.ids
        )
        for line in started:
            row = figures.get(line.id, {})
            line.amount_cumulative = row.get("amount_cumulative", line.amount)
            line.amount_residual = row.get("amount_residual", line.amount)
            line.paid = line.currency_id.is_zero(line.amount_residual)
        for plan_lines in (self - started).grouped("plan_id").values():
            cumulative = 0.0
            for line in plan_lines.sorted(lambda ln: (ln.date or date.max, ln.id)):
                cumulative += line.amount
                line.amount_cumulative = cumulative
                line.amount_residual = line.amount
                line.paid = False

    @api.depends("communication_line_ids.communication_id.date")
    def _compute_reminded_date(self):
        for line in self:
            dates = line.communication_line_ids.filtered(
                lambda cl: cl.state not in ("cancelled", "rejected")
            ).communication_id.mapped("date")
            line.reminded_date = max(dates, default=False)

    def _dunning_label(self):
        """How a reminder names the instalment, in the reminder's language."""
        self.ensure_one()
        lines = self.plan_id.line_ids.sorted(lambda ln: (ln.date, ln.id))
        return self.env._(
            "Payment plan instalment %(number)s of %(count)s",
            number=lines.ids.index(self.id) + 1,
            count=len(lines),
        )

    def _is_missed(self, today, grace_days):
        self.ensure_one()
        return not self.paid and self.date + timedelta(days=grace_days) < today
