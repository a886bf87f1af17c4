# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


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
            totals = wizard._preview_totals()
            wizard.preview_currency_id = wizard.company_id.currency_id
            # in company currency: the lines are in their invoices' currencies
            wizard.amount_to_send = totals["amount_to_send"]
            wizard.amount_skipped = totals["amount_skipped"]
            wizard.reminder_count = totals["reminders"]
            wizard.preview_summary = wizard._preview_summary(totals)

    def _preview_totals(self):
        """What the preview sums up, from its lines: {amount_to_send,
        amount_skipped (company currency), reminders, skipped_customers (with
        skipped items and no reminder), reasons ({skip reason label:
        customers})}. A preview showing only some customers' lines gives
        the whole plan's instead."""
        sent = self.line_ids.filtered(lambda line: not line.skip_reason)
        skipped = self.line_ids - sent
        by_reason = {}
        for line in skipped:
            by_reason.setdefault(line.skip_reason, set()).add(line.partner_id.id)
        return {
            "amount_to_send": sum(sent.mapped("amount_due_company")),
            "amount_skipped": sum(skipped.mapped("amount_due_company")),
            "reminders": len(sent),
            "skipped_customers": len(skipped.partner_id - sent.partner_id),
            "reasons": {reason: len(ids) for reason, ids in by_reason.items()},
        }

    def _preview_partner_ids(self):
        """The customers previewed: all (None) unless the wizard chose some."""
        return None

    def _preview_summary(self, totals):
        if totals["reminders"]:
            return self.env._(
                "%(count)s reminder(s) to send; %(skipped)s customer(s) skipped.",
                count=totals["reminders"],
                skipped=totals["skipped_customers"],
            )
        if not totals["reasons"]:
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
        # no f-string among _()'s arguments: it hides the call from the export
        reasons = "; ".join(
            f"{reason}: {count}" for reason, count in sorted(totals["reasons"].items())
        )
        return self.env._(
            "Nothing to remind: %(count)s customer(s) skipped (%(reasons)s).",
            count=totals["skipped_customers"],
            reasons=reasons,
        )
