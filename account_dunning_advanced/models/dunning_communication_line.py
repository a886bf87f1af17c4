# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

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
    # indexed with what the planner reads of an invoice's lines (``init``)
    move_id = fields.Many2one("account.move", string="Invoice", required=True)
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

    @api.model
    def _dunning_insert(self, vals_list):
        """``create(vals_list)`` for the lines of the run's new reminders, in
        one INSERT: the ORM's create converts, caches and defaults the
        values of each line one by one, and it is the run's biggest batch
        (several lines per reminder). Nothing else happens on create: no
        computed stored field, no constraint method, no tracking; the values
        go through the fields' own conversion, the unique indexes check them
        as on create; the fields reading the lines (the reminders' and
        invoices' ``line_ids``, computed histories) are told, as ``create``
        tells them."""
        if not vals_list:
            return self.browse()
        self._check_engine_only()
        communications = self.env["dunning.communication"].browse(
            {vals["communication_id"] for vals in vals_list}
        )
        communications._check_not_approved()
        rows = []
        for vals in vals_list:
            communication = communications.browse(vals["communication_id"])
            rows.append(
                {
                    **vals,
                    "state": communication.state,
                    "partner_id": communication.partner_id.id,
                    "company_id": communication.company_id.id,
                }
            )
        names = sorted(rows[0])
        if any(sorted(row) != names for row in rows):
            return self.create(vals_list)
        fields = [self._fields[name] for name in names]
        now = self.env.cr.now()
        magic = [self.env.uid, self.env.uid, now, now]
        values = [
            SQL(
                ", ".join(["%s"] * (len(fields) + len(magic))),
                *(
                    field.convert_to_column_insert(row[field.name], self, row)
                    for field in fields
                ),
                *magic,
            )
            for row in rows
        ]
        self.flush_model()
        self.env.cr.execute(
            SQL(
                "INSERT INTO dunning_communication_line (%s) VALUES %s RETURNING id",
                SQL(", ").join(
                    SQL.identifier(name)
                    for name in [
                        *names,
                        "create_uid",
                        "write_uid",
                        "create_date",
                        "write_date",
                    ]
                ),
                SQL(", ").join(SQL("(%s)", value) for value in values),
            )
        )
        lines = self.browse([row[0] for row in self.env.cr.fetchall()])
        # what reads the lines reads them again: the reminders' and invoices'
        # line lists, the histories computed from them
        lines.modified(names, create=True)
        for field in self._fields.values():
            if field.type == "many2one" and field.name in names:
                for inverse in self.pool.field_inverses[field]:
                    self.env[inverse.model_name].invalidate_model([inverse.name])
        return lines

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
        # The planner reads the lines of each open item's invoice (the levels
        # reached, the indemnity charged): from the index alone, without
        # visiting the table (about 1 s of the 50,000 customers' plan), in
        # place of the ORM's index on the invoice.
        self.env.cr.execute(
            """
            DROP INDEX IF EXISTS dunning_communication_line__move_id_index;
            CREATE INDEX IF NOT EXISTS dunning_communication_line_move_cover_idx
            ON dunning_communication_line (move_id)
            INCLUDE (move_line_id, level_id, state, penalty_indemnity)
            """
        )
