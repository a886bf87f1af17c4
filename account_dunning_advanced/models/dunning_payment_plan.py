# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

FREQUENCIES = [
    ("weekly", "Weekly"),
    ("biweekly", "Every 2 weeks"),
    ("monthly", "Monthly"),
]

STEPS = {
    "weekly": relativedelta(weeks=1),
    "biweekly": relativedelta(weeks=2),
    "monthly": relativedelta(months=1),
}


class DunningPaymentPlan(models.Model):
    """An instalment schedule agreed with a customer: while it is active, the
    planner holds its invoices back and reminds its instalments instead, as
    items of their own (due date and amount) under the customer's scenario."""

    _name = "dunning.payment.plan"
    _description = "Payment Plan"
    _inherit = ["mail.thread", "mail.activity.mixin", "dunning.worklist.touch"]
    _dunning_worklist_fields = ("partner_id", "company_id", "state", "move_ids")
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, tracking=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        help="The currency of the instalments: the invoices' own when they "
        "share a foreign currency, else the company's.",
    )
    move_ids = fields.Many2many(
        "account.move",
        "dunning_payment_plan_move_rel",
        "plan_id",
        "move_id",
        string="Invoices",
        check_company=True,
        domain="[('commercial_partner_id', '=', partner_id), "
        "('move_type', 'in', ('out_invoice', 'out_receipt')), "
        "('state', '=', 'posted'), ('payment_state', 'in', ('not_paid', 'partial'))]",
    )
    line_ids = fields.One2many(
        "dunning.payment.plan.line", "plan_id", string="Instalments", copy=True
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("active", "Active"),
            ("kept", "Kept"),
            ("broken", "Broken"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        tracking=True,
        index=True,
    )
    user_id = fields.Many2one(
        "res.users", string="Collector", default=lambda self: self.env.user
    )
    communication_id = fields.Many2one(
        "dunning.communication", string="Reminder", check_company=True
    )
    start_date = fields.Date(readonly=True)
    amount_start = fields.Monetary(
        string="Due at Start",
        currency_field="currency_id",
        readonly=True,
        help="Amount due on the invoices when the plan started, in the plan's "
        "currency.",
    )
    amount_total = fields.Monetary(
        string="Scheduled", currency_field="currency_id", compute="_compute_amounts"
    )
    amount_collected = fields.Monetary(
        string="Collected", currency_field="currency_id", compute="_compute_amounts"
    )

    @api.depends("company_id")
    def _compute_currency_id(self):
        for plan in self:
            plan.currency_id = plan.company_id.currency_id

    @api.constrains("currency_id", "move_ids", "company_id")
    def _check_currency(self):
        for plan in self:
            if plan.currency_id != plan.company_id.currency_id and (
                plan.move_ids.currency_id - plan.currency_id
            ):
                raise UserError(
                    _(
                        "A payment plan in %(currency)s covers invoices in "
                        "%(currency)s only.",
                        currency=plan.currency_id.name,
                    )
                )

    def _amount_due(self):
        """What is left to pay of the plan's invoices, in its currency."""
        self.ensure_one()
        due = self.env["dunning.payment.plan.residual"]._plan_amounts_due(self.ids)
        return due.get(self.id, 0.0)

    @api.depends("partner_id")
    def _compute_name(self):
        for plan in self:
            plan.name = _(
                "Payment plan of %(customer)s", customer=plan.partner_id.name or ""
            )

    @api.depends(
        "line_ids.amount", "move_ids.amount_residual_signed", "amount_start", "state"
    )
    def _compute_amounts(self):
        """Collected: paid on the plan's invoices since it started, in the
        plan's currency, by the planner's rule."""
        started = self.filtered(lambda p: p.state != "draft" and isinstance(p.id, int))
        figures = self.env["dunning.payment.plan.residual"]._instalments(started.ids)
        collected = {
            row["plan_id"]: row["amount_collected"] for row in figures.values()
        }
        for plan in self:
            plan.amount_total = sum(plan.line_ids.mapped("amount"))
            plan.amount_collected = collected.get(plan.id, 0.0)

    def action_activate(self):
        for plan in self:
            if not plan.line_ids or not plan.move_ids:
                raise UserError(_("A payment plan needs invoices and instalments."))
            plan.write(
                {
                    "state": "active",
                    "start_date": fields.Date.context_today(plan),
                    "amount_start": plan._amount_due(),
                }
            )
            plan.partner_id._dunning_post(
                _(
                    "Payment plan agreed: %(count)s instalments of %(invoices)s; "
                    "the scenario's reminders stop for these invoices.",
                    count=len(plan.line_ids),
                    invoices=", ".join(plan.move_ids.mapped("name")),
                )
            )

    def action_cancel(self):
        self.write({"state": "cancelled"})

    def action_draft(self):
        self.write({"state": "draft"})

    @api.model
    def _generate_lines(self, total, count, first_date, frequency, currency=None):
        """Commands of ``count`` instalments summing to ``total`` (in
        ``currency``, the company's by default); the last one takes the
        rounding difference."""
        currency = currency or self.env.company.currency_id
        share = currency.round(total / count)
        commands = []
        for index in range(count):
            amount = (
                share
                if index < count - 1
                else currency.round(total - share * (count - 1))
            )
            commands.append(
                (
                    0,
                    0,
                    {"date": first_date + STEPS[frequency] * index, "amount": amount},
                )
            )
        return commands

    @api.model
    def _cron_check_plans(self, today=None):
        """Close the plans whose instalments are all paid and break those with
        an instalment missed beyond the grace days; the instalments themselves
        are reminded by the dunning run."""
        today = today or fields.Date.context_today(self)
        plans = self.search([("state", "=", "active")])
        for plan in plans:
            partner = plan.partner_id.with_company(plan.company_id)
            grace = partner._dunning_grace_days()
            if all(plan.line_ids.mapped("paid")):
                plan.state = "kept"
            elif any(line._is_missed(today, grace) for line in plan.line_ids):
                plan._break()
        return plans

    def _break(self):
        self.ensure_one()
        self.state = "broken"
        note = _(
            "Instalment missed on the payment plan of %(customer)s: the "
            "scenario's reminders resume.",
            customer=self.partner_id.display_name,
        )
        self.message_post(body=note)
        partner = self.partner_id.with_company(self.company_id)
        partner._dunning_post(note)
        partner._dunning_schedule_collector_activity(_("Payment plan broken"), note)
