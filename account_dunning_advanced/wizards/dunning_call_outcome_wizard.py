# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.dunning_payment_plan import FREQUENCIES

OUTCOMES = [
    ("reached_promise", "Reached: will pay"),
    ("reached_dispute", "Reached: disputes invoices"),
    ("reached_plan", "Reached: asks for a payment plan"),
    ("not_reached", "Not reached"),
    ("wrong_contact", "Wrong contact"),
]


class DunningCallOutcomeWizard(models.TransientModel):
    """What happened on a dunning call; each outcome leaves its trace on the
    customer and closes the call activity."""

    _name = "dunning.call.outcome.wizard"
    _description = "Log Call Outcome"
    _check_company_auto = True

    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(
        "res.currency",
        string="Currency",
        help="The currency of the customer's open invoices when they share "
        "one, else the company's: the promise and the plan are in it.",
    )
    activity_id = fields.Many2one("mail.activity", string="Call Activity")
    communication_id = fields.Many2one(
        "dunning.communication", string="Reminder", check_company=True
    )
    outcome = fields.Selection(OUTCOMES, required=True, default="reached_promise")
    note = fields.Text()
    overdue_move_ids = fields.Many2many(
        "account.move", compute="_compute_overdue_moves", string="Open Invoices"
    )
    # promise
    promise_date = fields.Date()
    promise_amount = fields.Monetary(currency_field="currency_id")
    # disputes
    dispute_move_ids = fields.Many2many(
        "account.move",
        "dunning_call_outcome_dispute_move_rel",
        string="Disputed Invoices",
    )
    dispute_reason_id = fields.Many2one("dunning.dispute.reason", string="Reason")
    # payment plan
    plan_move_ids = fields.Many2many(
        "account.move", "dunning_call_outcome_plan_move_rel", string="Plan Invoices"
    )
    plan_count = fields.Integer(string="Instalments", default=3)
    plan_first_date = fields.Date(string="First Instalment")
    plan_frequency = fields.Selection(FREQUENCIES, default="monthly")
    # not reached
    reschedule_date = fields.Date(string="Call Again On")
    # wrong contact
    contact_id = fields.Many2one("res.partner", string="Right Contact")
    contact_phone = fields.Char(string="New Phone")
    contact_email = fields.Char(string="New Email")

    @api.depends("partner_id", "company_id")
    def _compute_overdue_moves(self):
        """The invoices of the customer's open items, by the planner's rule."""
        planner = self.env["dunning.planner"]
        for wizard in self:
            partner = wizard.partner_id.commercial_partner_id
            item_ids = (
                planner._open_item_ids(wizard.company_id.ids, partner.ids)
                if partner and wizard.company_id
                else []
            )
            wizard.overdue_move_ids = (
                self.env["account.move.line"].browse(item_ids).move_id
            )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") == "mail.activity" and context.get("active_id"):
            values.setdefault("activity_id", context["active_id"])
        activity = self.env["mail.activity"].browse(values.get("activity_id"))
        if activity and activity.res_model == "res.partner":
            values.setdefault("partner_id", activity.res_id)
            communication = self.env["dunning.communication"].search(
                [("activity_id", "=", activity.id)], limit=1
            )
            if communication:
                values.setdefault("communication_id", communication.id)
                values.setdefault("company_id", communication.company_id.id)
        if context.get("active_model") == "res.partner" and context.get("active_id"):
            values.setdefault("partner_id", context["active_id"])
        today = fields.Date.context_today(self)
        values.setdefault("promise_date", today + timedelta(days=7))
        values.setdefault("plan_first_date", today + timedelta(days=7))
        values.setdefault("reschedule_date", today + timedelta(days=2))
        return values

    @api.onchange("partner_id", "company_id")
    def _onchange_partner_amounts(self):
        moves = self.overdue_move_ids
        self.currency_id = self._invoice_currency(moves)
        self.promise_amount = self._open_amount(moves, self.currency_id)
        self.plan_move_ids = moves
        self.contact_id = self.partner_id.commercial_partner_id._dunning_contact()

    def _invoice_currency(self, moves):
        """The currency the invoices share, else the company's."""
        currencies = moves.currency_id
        return currencies if len(currencies) == 1 else self.company_id.currency_id

    def _open_amount(self, moves, currency):
        """What is left to pay of ``moves`` in ``currency``: their own
        currency's residual when they are all in it, else the company's."""
        if currency != self.company_id.currency_id and moves.currency_id == currency:
            return sum(moves.mapped("amount_residual"))
        return sum(moves.mapped("amount_residual_signed"))

    def _commercial_partner(self):
        return self.partner_id.commercial_partner_id.with_company(self.company_id)

    def action_confirm(self):
        self.ensure_one()
        wizard = self.with_company(self.company_id)
        # this call is closed with its outcome (``_log``), the customer's
        # other calls then when what they were about is settled
        summary = getattr(
            wizard.with_context(dunning_calls_closed_by_caller=True),
            f"_apply_{self.outcome}",
        )()
        wizard._log(summary)
        self.env["dunning.channel.call"]._close_settled(
            self.company_id, self._commercial_partner().ids
        )
        return {"type": "ir.actions.act_window_close"}

    def _apply_reached_promise(self):
        if not self.promise_date or self.promise_amount <= 0:
            raise UserError(_("A promise needs a date and a positive amount."))
        promise = self.env["dunning.promise"].create(
            {
                "partner_id": self._commercial_partner().id,
                "company_id": self.company_id.id,
                "date": self.promise_date,
                "amount": self.promise_amount,
                "currency_id": (self.currency_id or self.company_id.currency_id).id,
                "note": self.note,
                "communication_id": self.communication_id.id,
                "activity_id": self.activity_id.id,
            }
        )
        return _(
            "Promise to pay %(amount)s by %(date)s.",
            amount=promise._amount_label(),
            date=promise.date,
        )

    def _apply_reached_dispute(self):
        if not self.dispute_move_ids or not self.dispute_reason_id:
            raise UserError(_("Choose the disputed invoices and a reason."))
        self.env["dunning.dispute"].create(
            [
                {
                    "move_id": move.id,
                    "reason_id": self.dispute_reason_id.id,
                    "note": self.note,
                    "communication_id": self.communication_id.id,
                }
                for move in self.dispute_move_ids
            ]
        )
        return _(
            "Disputes %(invoices)s (%(reason)s).",
            invoices=", ".join(self.dispute_move_ids.mapped("name")),
            reason=self.dispute_reason_id.name,
        )

    def _apply_reached_plan(self):
        if not self.plan_move_ids or self.plan_count < 1 or not self.plan_first_date:
            raise UserError(_("A payment plan needs invoices and instalments."))
        plan_model = self.env["dunning.payment.plan"]
        currency = self._invoice_currency(self.plan_move_ids)
        total = self._open_amount(self.plan_move_ids, currency)
        plan = plan_model.create(
            {
                "partner_id": self._commercial_partner().id,
                "company_id": self.company_id.id,
                "currency_id": currency.id,
                "move_ids": [(6, 0, self.plan_move_ids.ids)],
                "communication_id": self.communication_id.id,
                "line_ids": plan_model._generate_lines(
                    total,
                    self.plan_count,
                    self.plan_first_date,
                    self.plan_frequency,
                    currency=currency,
                ),
            }
        )
        plan.action_activate()
        return _(
            "Payment plan: %(count)s instalments from %(date)s.",
            count=self.plan_count,
            date=self.plan_first_date,
        )

    def _apply_not_reached(self):
        if not self.reschedule_date:
            raise UserError(_("Choose when to call again."))
        partner = self._commercial_partner()
        user = self.activity_id.user_id or partner._dunning_collector()
        # boundary: collectors neither write reminders nor schedule activities
        # on customers (Odoo's mail_post_access): the call they were given is
        # scheduled again as the run schedules it
        reminders = self.communication_id.sudo()
        if self.activity_id:
            reminders |= reminders.search([("activity_id", "=", self.activity_id.id)])
        if reminders:
            # the reminders' call again: in Calls to Make, closed when settled
            self.env["dunning.channel.call"].sudo()._schedule(
                reminders,
                self.reschedule_date,
                user=user,
                note=Markup("<p>%s</p>") % self.note if self.note else None,
                closing=self.activity_id,
            )
        else:
            activity_type = self.activity_id.activity_type_id or self.env.ref(
                "account_dunning_advanced.mail_activity_type_dunning_call"
            )
            partner.sudo().activity_schedule(
                activity_type_id=activity_type.id,
                date_deadline=self.reschedule_date,
                summary=_("Call again about overdue invoices"),
                note=self.note,
                user_id=user.id,
            )
        return _("Not reached; call again on %(date)s.", date=self.reschedule_date)

    def _apply_wrong_contact(self):
        contact = self.contact_id or self._commercial_partner()
        values = {}
        if self.contact_phone:
            values["phone"] = self.contact_phone
        if self.contact_email:
            values["email"] = self.contact_email
        if values:
            # with the collector's own rights on contacts: who may not edit
            # this contact gets Odoo's access error, nothing is written
            contact.write(values)
        return _(
            "Wrong contact; now %(contact)s %(details)s.",
            contact=contact.display_name,
            details=" ".join(filter(None, [contact.phone, contact.email])),
        )

    def _log(self, summary):
        """One trace of the call: feedback on the activity, message on the
        customer and on the reminder."""
        label = dict(OUTCOMES)[self.outcome]
        outcome_label = (
            dict(self._fields["outcome"]._description_selection(self.env))[self.outcome]
            or label
        )
        body = Markup("<p><b>%s</b>: %s</p>") % (
            _("Call outcome: %(outcome)s", outcome=outcome_label),
            summary,
        )
        if self.note:
            body += Markup("<p>%s</p>") % self.note
        if self.activity_id:
            self.activity_id.action_feedback(feedback=f"{outcome_label}: {summary}")
        else:
            self._commercial_partner()._dunning_post(body)
        if self.communication_id:
            self.communication_id.message_post(body=body)
