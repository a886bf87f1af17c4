# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from .dunning_communication import STATES

# more than any currency's decimals: the amounts keep the rounding of their
# currency they come with
AMOUNT_DIGITS = (16, 6)


class DunningCommunicationLine(models.Model):
    """One reminded item (an invoice instalment, or a payment plan's) in one
    reminder, with its figures frozen at the moment of the reminder."""

    _name = "dunning.communication.line"
    _description = "Reminded Item"
    _order = "communication_id, date_maturity, id"

    communication_id = fields.Many2one(
        "dunning.communication", required=True, ondelete="cascade", index=True
    )
    # Copied from the reminder when the line is made (a reminder's customer
    # and company never change) and the state kept equal to the reminder's by
    # its ``write``: plain columns, so that creating thousands of lines
    # computes nothing record by record and rewrites none of them.
    state = fields.Selection(STATES, readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", readonly=True, index=True
    )
    company_id = fields.Many2one("res.company", string="Company", readonly=True)
    move_line_id = fields.Many2one(
        "account.move.line",
        string="Item",
        index=True,
        help="The invoice instalment reminded; empty for a payment plan's "
        "instalment.",
    )
    plan_line_id = fields.Many2one(
        "dunning.payment.plan.line",
        string="Plan Instalment",
        index="btree_not_null",
        help="The payment plan's instalment reminded; the invoice is the "
        "plan's oldest one still open, which the instalment pays first.",
    )
    move_id = fields.Many2one(
        "account.move", string="Invoice", required=True, index=True
    )
    level_id = fields.Many2one(
        "dunning.level",
        string="Stage",
        required=True,
        help="The level this item reached in this reminder.",
    )
    date_maturity = fields.Date(string="Due Date")
    days_late = fields.Integer(help="Negative: days until the due date.")
    currency_id = fields.Many2one("res.currency", required=True)
    company_currency_id = fields.Many2one("res.currency", required=True)
    # The figures as they stood when the reminder was made, already rounded
    # in their currency where they come from (journal items, the planner's
    # penalties): numeric columns the form shows as amounts of
    # ``currency_id`` / ``company_currency_id``. Not Monetary fields, whose
    # insert looks up the currency of each value of each line again.
    amount_residual_currency = fields.Float(string="Amount Due", digits=AMOUNT_DIGITS)
    amount_residual = fields.Float(
        string="Amount Due (Company Currency)", digits=AMOUNT_DIGITS
    )
    penalty_interest = fields.Float(
        string="Interest (Company Currency)", digits=AMOUNT_DIGITS
    )
    penalty_indemnity = fields.Float(
        string="Indemnity (Company Currency)", digits=AMOUNT_DIGITS
    )
    penalty_interest_currency = fields.Float(
        string="Late-Payment Interest",
        digits=AMOUNT_DIGITS,
        help="In the invoice's currency, as the customer reads it.",
    )
    penalty_indemnity_currency = fields.Float(
        string="Recovery Indemnity",
        digits=AMOUNT_DIGITS,
        help="The fixed indemnity charged on this invoice, converted to its "
        "currency on the reminder's date.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_engine_only()
        communications = self.env["dunning.communication"].browse(
            {vals.get("communication_id") for vals in vals_list} - {None, False}
        )
        communications._check_not_approved()
        for vals in vals_list:
            if vals.get("communication_id"):
                communication = communications.browse(vals["communication_id"])
                vals.update(
                    state=communication.state,
                    partner_id=communication.partner_id.id,
                    company_id=communication.company_id.id,
                )
        return super().create(vals_list)

    def write(self, vals):
        # the state follows its reminder's (``dunning.communication.write``)
        if set(vals) - {"state"}:
            self._check_engine_only()
            self.communication_id._check_not_approved()
            if vals.get("communication_id"):
                self.communication_id.browse(
                    vals["communication_id"]
                )._check_not_approved()
        return super().write(vals)

    def unlink(self):
        self._check_engine_only()
        return super().unlink()

    def _check_engine_only(self):
        if not self.env.su:
            raise AccessError(
                _("The items of a reminder change only through its actions.")
            )

    def init(self):
        # The database itself refuses the same level twice for one item, even
        # from two workers: reminders rejected or cancelled before they left do
        # not count (the planner keeps the cancelled ones' level as reached).
        self.env.cr.execute(
            """
            DROP INDEX IF EXISTS dunning_communication_line_item_level_uniq;
            DROP INDEX IF EXISTS dunning_communication_line_plan_level_uniq;
            CREATE UNIQUE INDEX IF NOT EXISTS dunning_communication_line_item_level_sent
            ON dunning_communication_line (move_line_id, level_id)
            WHERE state NOT IN ('cancelled', 'rejected');
            CREATE UNIQUE INDEX IF NOT EXISTS dunning_communication_line_plan_level_sent
            ON dunning_communication_line (plan_line_id, level_id)
            WHERE state NOT IN ('cancelled', 'rejected') AND plan_line_id IS NOT NULL
            """
        )
