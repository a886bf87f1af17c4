# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models


class DunningPreviewLine(models.TransientModel):
    """One reminder (or one skipped item) a run would produce, shown by the
    preview wizards: nothing is created in the database but these lines."""

    _name = "dunning.preview.line"
    _description = "Dunning Preview Line"
    _order = "skip_reason desc, partner_id, id"

    run_wizard_id = fields.Many2one("dunning.run.wizard", ondelete="cascade")
    send_wizard_id = fields.Many2one("dunning.send.wizard", ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    level_id = fields.Many2one("dunning.level", readonly=True)
    tone = fields.Char(readonly=True)
    channels = fields.Char(readonly=True)
    items = fields.Text(readonly=True, help="Invoices with the stage of each item.")
    move_ids = fields.Many2many("account.move", string="Invoices", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount_due = fields.Monetary(
        readonly=True,
        help="In the invoices' currency when they share one, else in company "
        "currency.",
    )
    penalty_amount = fields.Monetary(string="Penalties", readonly=True)
    company_currency_id = fields.Many2one("res.currency", readonly=True)
    amount_due_company = fields.Monetary(
        string="Amount Due (Company Currency)",
        currency_field="company_currency_id",
        readonly=True,
    )
    needs_approval = fields.Boolean(related="level_id.needs_approval")
    skip_reason = fields.Char(string="Skipped", readonly=True)

    @api.model
    def _values_from_plan(self, company, plan):
        """Line values for a plan of ``dunning.planner``."""
        channel_names = dict(
            email=self.env._("Email"),
            letter=self.env._("Letter"),
            sms=self.env._("SMS"),
            call=self.env._("Phone call"),
        )
        moves = self.env["account.move"].browse(
            {
                line["item"]["move_id"]
                for c in plan["communications"]
                for line in c["lines"]
            }
            | {s["move_id"] for s in plan["skips"]}
        )
        names = dict(zip(moves.ids, moves.mapped("name"), strict=True))
        values = []
        for comm in plan["communications"]:
            values.append(
                {
                    "partner_id": comm["partner_id"],
                    "level_id": comm["level"].id,
                    "tone": comm["level"].tone,
                    "channels": ", ".join(channel_names[ch] for ch in comm["channels"]),
                    "items": "\n".join(
                        f"{names[line['item']['move_id']]} "
                        f"({line['item']['date_maturity']}): {line['level'].name}"
                        for line in comm["lines"]
                    ),
                    "move_ids": [
                        (
                            6,
                            0,
                            list({line["item"]["move_id"] for line in comm["lines"]}),
                        )
                    ],
                    **self._amounts(company, comm),
                }
            )
        reasons = dict(
            self.env["dunning.run.log"]
            ._fields["reason"]
            ._description_selection(self.env)
        )
        for skip in plan["skips"]:
            values.append(
                {
                    "partner_id": skip["partner_id"],
                    "level_id": skip["level_id"],
                    "items": names.get(skip["move_id"], ""),
                    "move_ids": [(6, 0, [skip["move_id"]])],
                    "currency_id": company.currency_id.id,
                    "amount_due": skip["amount"],
                    "company_currency_id": company.currency_id.id,
                    "amount_due_company": skip["amount"],
                    "skip_reason": reasons.get(skip["reason"], skip["reason"]),
                }
            )
        return values

    @api.model
    def _amounts(self, company, comm):
        """Amounts of a planned reminder as the customer reads them: in the
        invoices' currency when they share one, else in company currency."""
        lines = comm["lines"]
        currencies = {line["item"]["currency_id"] for line in lines}
        values = {
            "company_currency_id": company.currency_id.id,
            "amount_due_company": comm["amount_due"],
            "currency_id": company.currency_id.id,
            "amount_due": comm["amount_due"],
            "penalty_amount": comm["penalty_interest"] + comm["penalty_indemnity"],
        }
        if len(currencies) == 1 and currencies != {company.currency_id.id}:
            values.update(
                currency_id=currencies.pop(),
                amount_due=sum(
                    line["item"]["amount_residual_currency"] for line in lines
                ),
                penalty_amount=sum(
                    line["penalty_interest_currency"]
                    + line["penalty_indemnity_currency"]
                    for line in lines
                ),
            )
        return values


class DunningPreviewMixin(models.AbstractModel):
    """What a preview wizard sums up from its lines: the amounts that would
    be reminded apart from the skipped ones, and why nothing would be sent."""

    _name = "dunning.preview.mixin"
    _description = "Dunning Preview Totals"

    preview_currency_id = fields.Many2one(
        "res.currency", compute="_compute_preview_totals"
    )
    amount_to_send = fields.Monetary(
        string="To Remind",
        currency_field="preview_currency_id",
        compute="_compute_preview_totals",
    )
    amount_skipped = fields.Monetary(
        string="Skipped",
        currency_field="preview_currency_id",
        compute="_compute_preview_totals",
    )
    reminder_count = fields.Integer(
        string="Reminders", compute="_compute_preview_totals"
    )
    preview_summary = fields.Text(compute="_compute_preview_totals")

    def _compute_preview_totals(self):
        for wizard in self:
            sent = wizard.line_ids.filtered(lambda line: not line.skip_reason)
            skipped = wizard.line_ids - sent
            wizard.preview_currency_id = wizard.company_id.currency_id
            # in company currency: the lines are in their invoices' currencies
            wizard.amount_to_send = sum(sent.mapped("amount_due_company"))
            wizard.amount_skipped = sum(skipped.mapped("amount_due_company"))
            wizard.reminder_count = len(sent)
            wizard.preview_summary = wizard._preview_summary(sent, skipped)

    def _preview_partner_ids(self):
        """The customers previewed: all (None) unless the wizard chose some."""
        return None

    def _preview_summary(self, sent, skipped):
        if sent:
            return self.env._(
                "%(count)s reminder(s) to send; %(skipped)s customer(s) skipped.",
                count=len(sent),
                skipped=len(skipped.partner_id - sent.partner_id),
            )
        if not skipped:
            overdue = self.env["dunning.planner"]._overdue_totals(
                self.company_id, self.date, self._preview_partner_ids()
            )
            if overdue:
                # overdue by the planner's rule, but no level reached yet
                # (grace days, the next level's delay)
                return self.env._(
                    "Nothing to remind yet: %(count)s customer(s) with overdue "
                    "items, none due for a reminder on this date.",
                    count=len(overdue),
                )
            return self.env._("Nothing to remind: no customer has an overdue item.")
        by_reason = {}
        for line in skipped:
            by_reason.setdefault(line.skip_reason, set()).add(line.partner_id.id)
        return self.env._(
            "Nothing to remind: %(count)s customer(s) skipped (%(reasons)s).",
            count=len(skipped.partner_id),
            reasons="; ".join(
                f"{reason}: {len(partners)}"
                for reason, partners in sorted(by_reason.items())
            ),
        )
