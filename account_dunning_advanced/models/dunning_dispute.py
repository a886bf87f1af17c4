# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import _, api, fields, models
from odoo.exceptions import UserError


class DunningDispute(models.Model):
    """A customer contests an invoice: while a dispute is open, the invoice
    is never reminded."""

    _name = "dunning.dispute"
    _description = "Invoice Dispute"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "dunning.customer.reply.mixin",
        "dunning.worklist.touch",
    ]
    # the KPIs count disputes opened and resolved per month
    _dunning_worklist_fields = (
        "partner_id",
        "company_id",
        "state",
        "open_date",
        "resolution_date",
    )
    _order = "open_date desc, id desc"
    _check_company_auto = True

    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        required=True,
        index=True,
        check_company=True,
        domain=[("move_type", "in", ("out_invoice", "out_receipt"))],
    )
    partner_id = fields.Many2one(
        related="move_id.commercial_partner_id", store=True, index=True
    )
    company_id = fields.Many2one(related="move_id.company_id", store=True)
    currency_id = fields.Many2one(related="move_id.currency_id")
    amount_residual = fields.Monetary(
        related="move_id.amount_residual", string="Amount Due"
    )
    reason_id = fields.Many2one("dunning.dispute.reason", required=True, tracking=True)
    note = fields.Text()
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        tracking=True,
    )
    state = fields.Selection(
        [
            ("open", "Open"),
            ("resolved", "Resolved"),
            ("rejected", "Rejected"),
            ("credit_note", "Credit Note Issued"),
        ],
        default="open",
        required=True,
        tracking=True,
        index=True,
    )
    open_date = fields.Date(
        default=fields.Date.context_today, required=True, readonly=True
    )
    resolution_date = fields.Date(readonly=True)
    resolution_note = fields.Text()
    communication_id = fields.Many2one(
        "dunning.communication", string="Reminder", check_company=True
    )

    @api.depends("move_id", "reason_id")
    def _compute_display_name(self):
        for dispute in self:
            dispute.display_name = " - ".join(
                filter(None, [dispute.move_id.name, dispute.reason_id.name])
            )

    def init(self):
        # one open dispute per invoice, even from two requests at once (a
        # customer's form sent twice): the database refuses the second
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS dunning_dispute_open_move_uniq
            ON dunning_dispute (move_id) WHERE state = 'open'
            """
        )

    @api.model
    def _dunning_open_duplicates(self, vals):
        return self.search(
            [("move_id", "=", vals.get("move_id")), ("state", "=", "open")], limit=1
        )

    def _check_one_open(self, move_ids):
        """A collector opening (or reopening) a dispute on an invoice already
        disputed: said plainly, before the database refuses it."""
        open_disputes = self.search(
            [("move_id", "in", list(move_ids)), ("state", "=", "open")]
        )
        if open_disputes - self:
            raise UserError(
                _(
                    "%(invoices)s already has an open dispute: add to it instead.",
                    invoices=", ".join((open_disputes - self).move_id.mapped("name")),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        # the invoice's form passes it as a default, filled after this
        default = self.env.context.get("default_move_id")
        self._check_one_open(
            {vals.get("move_id", default) for vals in vals_list} - {None, False}
        )
        disputes = super(
            DunningDispute, self.with_context(mail_create_nolog=True)
        ).create(vals_list)
        self.env["dunning.response"]._dunning_register_records(disputes, "dispute")
        if not self.env.context.get("dunning_calls_closed_by_caller"):
            # a call about disputed invoices only is not needed any more
            for company, group in disputes.grouped("company_id").items():
                self.env["dunning.channel.call"]._close_settled(
                    company, group.move_id.commercial_partner_id.ids
                )
        for dispute in disputes:
            dispute.move_id.message_post(
                body=_(
                    "Dispute opened (%(reason)s): reminders stop for this invoice.",
                    reason=dispute.reason_id.name,
                )
            )
        return disputes

    def _close(self, state):
        if any(dispute.state != "open" for dispute in self):
            raise UserError(_("Only open disputes can be closed."))
        self.write({"state": state, "resolution_date": fields.Date.context_today(self)})
        still_open = self.search(
            [("move_id", "in", self.move_id.ids), ("state", "=", "open")]
        ).move_id
        label = dict(self._fields["state"]._description_selection(self.env))[state]
        for move in self.move_id - still_open:
            move.message_post(
                body=_("Dispute closed (%(state)s): reminders resume.", state=label)
            )

    def action_resolve(self):
        self._close("resolved")

    def action_reject(self):
        self._close("rejected")

    def action_credit_note(self):
        """Close the dispute and open the standard reversal wizard."""
        self.ensure_one()
        self._close("credit_note")
        return self.move_id.action_reverse()

    def action_reopen(self):
        self._check_one_open(set(self.move_id.ids))
        self.write({"state": "open", "resolution_date": False})

    def action_open_move(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.move_id.id,
            "view_mode": "form",
        }
