# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

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
    _inherit = ["dunning.customer.reply.mixin"]
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
    # the invoices an open declaration holds: one open declaration per
    # invoice, refused by the unique index of this relation (see init)
    open_move_ids = fields.Many2many(
        "account.move",
        "dunning_payment_declaration_open_move_rel",
        "declaration_id",
        "move_id",
        compute="_compute_open_move_ids",
        store=True,
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

    def init(self):
        # one open declaration per invoice, even from two requests at once (a
        # customer's form sent twice): the database refuses the second
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS dunning_payment_declaration_open_move_uniq
            ON dunning_payment_declaration_open_move_rel (move_id)
            """
        )

    @api.depends("state", "move_ids")
    def _compute_open_move_ids(self):
        for declaration in self:
            declaration.open_move_ids = (
                declaration.move_ids if declaration.state == "open" else False
            )

    @api.constrains("state", "move_ids")
    def _check_one_open_per_invoice(self):
        """The unique index of ``open_move_ids`` raises for two transactions
        at once (Odoo's request then runs again); the ORM inserts relations
        with ``ON CONFLICT DO NOTHING``, so a duplicate seen here is refused
        here."""
        for declaration in self.filtered(lambda d: d.state == "open"):
            others = self.search(
                [
                    ("id", "!=", declaration.id),
                    ("move_ids", "in", declaration.move_ids.ids),
                    ("state", "=", "open"),
                ]
            )
            if others:
                raise ValidationError(
                    _(
                        "%(invoices)s already has an open payment declaration.",
                        invoices=", ".join(
                            (others.move_ids & declaration.move_ids).mapped("name")
                        ),
                    )
                )

    @api.model
    def _vals_move_ids(self, vals):
        """The invoice ids of ``vals["move_ids"]`` (commands or ids)."""
        field = self._fields["move_ids"]
        return field.convert_to_cache(vals.get("move_ids") or [], self.browse())

    @api.model
    def _dunning_open_duplicates(self, vals):
        """The open declarations of these invoices still holding them."""
        return self.search(
            [
                ("move_ids", "in", list(self._vals_move_ids(vals))),
                ("state", "=", "open"),
                ("hold_until", ">=", fields.Date.context_today(self)),
            ]
        )

    @api.model_create_multi
    def create(self, vals_list):
        today = fields.Date.context_today(self)
        companies = self.env["res.company"]
        # declared again once the hold of the previous declaration is over:
        # the new one replaces it
        over = self.search(
            [
                (
                    "move_ids",
                    "in",
                    [mid for vals in vals_list for mid in self._vals_move_ids(vals)],
                ),
                ("state", "=", "open"),
                ("hold_until", "<", today),
            ]
        )
        for declaration in over:
            declaration.write(
                {
                    "state": "cancelled",
                    "note": "\n".join(
                        filter(
                            None,
                            [
                                declaration.note,
                                _("Hold over; declared again on %(date)s.", date=today),
                            ],
                        )
                    ),
                }
            )
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
