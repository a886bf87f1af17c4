# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import float_compare


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
    paid = fields.Boolean(compute="_compute_paid")
    reminded_date = fields.Date(readonly=True, copy=False)

    @api.depends(
        "plan_id.line_ids.amount",
        "plan_id.line_ids.date",
        "plan_id.amount_collected",
    )
    def _compute_paid(self):
        for plan in self.plan_id:
            collected = plan.amount_collected
            cumulative = 0.0
            for line in plan.line_ids.sorted(lambda ln: (ln.date, ln.id)):
                cumulative += line.amount
                line.amount_cumulative = cumulative
                line.paid = plan.state != "draft" and (
                    float_compare(
                        collected,
                        cumulative,
                        precision_rounding=plan.currency_id.rounding,
                    )
                    >= 0
                )
        for line in self.filtered(lambda ln: not ln.plan_id):
            line.amount_cumulative = line.amount
            line.paid = False

    def _is_missed(self, today):
        self.ensure_one()
        if self.paid:
            return False
        partner = self.plan_id.partner_id.with_company(self.company_id)
        return self.date + timedelta(days=partner._dunning_grace_days()) < today

    def _send_reminder(self, template, today):
        """Post the rendered instalment email on the plan: the mail queue sends
        it to the customer, the chatter keeps it."""
        if not self:
            return
        rendered = template._generate_template(
            self.ids, ("subject", "body_html", "email_from", "reply_to")
        )
        for line in self:
            plan = line.plan_id
            contact = plan.partner_id._dunning_contact()
            values = rendered[line.id]
            plan.with_context(mail_notify_force_send=False).message_post(
                subject=values.get("subject"),
                body=values.get("body_html"),
                email_from=values.get("email_from") or None,
                reply_to=values.get("reply_to") or None,
                partner_ids=contact.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        self.write({"reminded_date": today})
