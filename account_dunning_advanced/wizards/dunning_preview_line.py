# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import defaultdict

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
    move_ids = fields.Many2many(
        "account.move", string="Invoices", compute="_compute_move_ids"
    )
    # the invoices' ids: a preview lists the largest customers, thousands of
    # invoices, which a relation table took a third of a second to write
    move_ids_data = fields.Json(string="Invoice Ids", readonly=True)
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

    @api.depends("move_ids_data")
    def _compute_move_ids(self):
        # an invoice deleted since the preview is left out (one query)
        existing = set(
            self.env["account.move"]
            .browse({mid for line in self for mid in line.move_ids_data or []})
            .exists()
            .ids
        )
        for line in self:
            line.move_ids = self.env["account.move"].browse(
                [mid for mid in line.move_ids_data or [] if mid in existing]
            )

    @api.model
    def _channel_names(self):
        return dict(
            email=self.env._("Email"),
            letter=self.env._("Letter"),
            sms=self.env._("SMS"),
            call=self.env._("Phone call"),
        )

    @api.model
    def _skip_reason_labels(self):
        return dict(
            self.env["dunning.run.log"]
            ._fields["reason"]
            ._description_selection(self.env)
        )

    @api.model
    def _totals_from_plan(self, plan):
        """What a preview sums up (``dunning.preview.mixin._preview_totals``)
        over the whole plan, whichever lines it shows, plus ``customers``
        (reminded or skipped) and ``levels``: [{level_id, channels,
        reminders, customers, amount}] per level and channels, the largest
        amount first."""
        reasons = self._skip_reason_labels()
        reminded = {comm["partner_id"] for comm in plan["communications"]}
        by_reason = {}
        for skip in plan["skips"]:
            label = reasons.get(skip["reason"], skip["reason"])
            by_reason.setdefault(label, set()).add(skip["partner_id"])
        skipped = {skip["partner_id"] for skip in plan["skips"]} - reminded
        channel_names = self._channel_names()
        levels = {}
        for comm in plan["communications"]:
            key = (comm["level"].id, tuple(comm["channels"]))
            row = levels.setdefault(
                key,
                {
                    "level_id": comm["level"].id,
                    "channels": ", ".join(channel_names[ch] for ch in key[1]),
                    "reminders": 0,
                    "customers": set(),
                    "amount": 0.0,
                },
            )
            row["reminders"] += 1
            row["customers"].add(comm["partner_id"])
            row["amount"] += comm["amount_due"]
        return {
            "amount_to_send": sum(
                comm["amount_due"] for comm in plan["communications"]
            ),
            "amount_skipped": sum(skip["amount"] for skip in plan["skips"]),
            "reminders": len(plan["communications"]),
            "reminded_customers": len(reminded),
            "skipped_customers": len(skipped),
            "customers": len(reminded | skipped),
            "reasons": {label: len(ids) for label, ids in by_reason.items()},
            "levels": [
                dict(row, customers=len(row["customers"]))
                for row in sorted(levels.values(), key=lambda r: -r["amount"])
            ],
        }

    @api.model
    def _largest_customers(self, plan, limit):
        """Ids of the ``limit`` customers a preview lists when it cannot list
        them all: the reminded ones with the largest amounts to remind, then
        the skipped ones with the largest amounts skipped."""
        reminded, skipped = defaultdict(float), defaultdict(float)
        for comm in plan["communications"]:
            reminded[comm["partner_id"]] += comm["amount_due"]
        for skip in plan["skips"]:
            if skip["partner_id"] not in reminded:
                skipped[skip["partner_id"]] += skip["amount"]
        ordered = sorted(reminded, key=lambda pid: (-reminded[pid], pid))
        ordered += sorted(skipped, key=lambda pid: (-skipped[pid], pid))
        return ordered[:limit]

    @api.model
    def _values_from_plan(self, company, plan, partner_ids=None):
        """Line values for a plan of ``dunning.planner``: of every customer,
        or of the customers ``partner_ids`` only."""
        if partner_ids is not None:
            shown = set(partner_ids)
            plan = {
                "communications": [
                    c for c in plan["communications"] if c["partner_id"] in shown
                ],
                "skips": [s for s in plan["skips"] if s["partner_id"] in shown],
            }
        channel_names = self._channel_names()
        # the names the plan read with its items: the ORM reads only the
        # skipped ones (reading every reminded invoice took 20 s at 50,000
        # customers)
        names = {
            line["item"]["move_id"]: line["item"]["move_name"]
            for c in plan["communications"]
            for line in c["lines"]
        }
        moves = self.env["account.move"].browse(
            {s["move_id"] for s in plan["skips"]} - names.keys()
        )
        names.update(zip(moves.ids, moves.mapped("name"), strict=True))
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
                    "move_ids_data": list(
                        dict.fromkeys(line["item"]["move_id"] for line in comm["lines"])
                    ),
                    **self._amounts(company, comm),
                }
            )
        reasons = self._skip_reason_labels()
        for skip in plan["skips"]:
            values.append(
                {
                    "partner_id": skip["partner_id"],
                    "level_id": skip["level_id"],
                    "items": names.get(skip["move_id"], ""),
                    "move_ids_data": [skip["move_id"]],
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
