# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

# what the collector may change on a customer's declaration: the rest is what
# the customer said
COLLECTOR_FIELDS = frozenset({"state", "note"})


class DunningPaymentDeclaration(models.Model):
    """A customer states, from the link of a reminder, that invoices are
    already paid. While the declaration is open and its hold not over, the
    planner holds those invoices back ("declared paid"); their reconciliation
    ends it anyway, as it closes the items."""

    _name = "dunning.payment.declaration"
    _description = "Payment Declared by the Customer"
    _order = "create_date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    move_ids = fields.Many2many(
        "account.move",
        "dunning_payment_declaration_move_rel",
        "declaration_id",
        "move_id",
        string="Invoices",
        readonly=True,
        check_company=True,
    )
    payment_date = fields.Date(required=True, readonly=True)
    amount = fields.Monetary(currency_field="currency_id", readonly=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    reference = fields.Char(string="Payment Reference", readonly=True)
    attachment_ids = fields.Many2many(
        "ir.attachment", string="Proof of Payment", readonly=True
    )
    hold_until = fields.Date(
        string="Held Back Until",
        required=True,
        readonly=True,
        help="The invoices are not reminded until this date unless the payment "
        "is reconciled before.",
    )
    state = fields.Selection(
        [("open", "Open"), ("cancelled", "Cancelled")],
        default="open",
        required=True,
        index=True,
    )
    note = fields.Text()

    @api.model_create_multi
    def create(self, vals_list):
        today = fields.Date.context_today(self)
        companies = self.env["res.company"]
        for vals in vals_list:
            if not vals.get("hold_until"):
                company = companies.browse(vals["company_id"])
                vals["hold_until"] = today + timedelta(
                    days=company.dunning_declared_paid_days
                )
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and (
            set(vals) - COLLECTOR_FIELDS
            or vals.get("state", "cancelled") != "cancelled"
        ):
            raise UserError(_("A payment declared by a customer cannot be changed."))
        return super().write(vals)

    def action_cancel(self):
        """Lift the hold: the invoices are reminded again by the next run."""
        self.filtered(lambda d: d.state == "open").write({"state": "cancelled"})

    @api.depends("partner_id", "payment_date", "amount")
    def _compute_display_name(self):
        for declaration in self:
            declaration.display_name = _(
                "%(customer)s: %(amount)s paid on %(date)s",
                customer=declaration.partner_id.name or "",
                amount=declaration.currency_id.format(declaration.amount),
                date=declaration.payment_date or "",
            )
