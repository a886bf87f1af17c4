# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.tools import format_date
from odoo.tools.misc import formatLang

# customers whose lines the dry run lists; the totals count every customer
PREVIEW_LIMIT_PARAM = "account_dunning_advanced.preview_customer_limit"
DEFAULT_PREVIEW_LIMIT = 200


class DunningRunWizard(models.TransientModel):
    _name = "dunning.run.wizard"
    _inherit = ["dunning.preview.mixin"]
    _description = "Run Dunning"

    date = fields.Date(required=True, default=fields.Date.context_today)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    dry_run = fields.Boolean(
        default=True, help="Only show what would be sent: nothing is created."
    )
    previewed = fields.Boolean(readonly=True)
    line_ids = fields.One2many("dunning.preview.line", "run_wizard_id", readonly=True)
    # the whole plan's figures: the lines are those of the first customers only
    preview_totals = fields.Json(readonly=True)
    preview_hidden_count = fields.Integer(
        string="Customers Not Shown",
        readonly=True,
        help="Customers of the run whose lines the preview does not list: "
        "the totals count them.",
    )
    preview_hidden_message = fields.Char(compute="_compute_preview_levels")
    preview_levels = fields.Html(
        string="Reminders per Level",
        compute="_compute_preview_levels",
        sanitize=False,
    )

    def _preview_totals(self):
        if self.preview_totals:
            return self.preview_totals
        return super()._preview_totals()

    @api.depends("preview_totals", "preview_hidden_count")
    def _compute_preview_levels(self):
        for wizard in self:
            totals = wizard.preview_totals or {}
            shown = totals.get("customers", 0) - wizard.preview_hidden_count
            wizard.preview_hidden_message = (
                _(
                    "%(hidden)s more customers not shown: the list shows the "
                    "%(shown)s customers with the largest amounts, reminded ones "
                    "first; the totals count every customer.",
                    hidden=formatLang(self.env, wizard.preview_hidden_count, digits=0),
                    shown=formatLang(self.env, shown, digits=0),
                )
                if wizard.preview_hidden_count
                else False
            )
            wizard.preview_levels = wizard._preview_levels_table(
                totals.get("levels") or []
            )

    def _preview_levels_table(self, rows):
        """The plan's reminders per level and channels, as an HTML table."""
        if not rows:
            return False
        currency = self.company_id.currency_id
        # the levels of every scenario meet here: "Standard / D+5 Friendly..."
        levels = (
            self.env["dunning.level"]
            .with_context(dunning_level_with_scenario=True)
            .browse([r["level_id"] for r in rows])
            .exists()
        )
        names = dict(zip(levels.ids, levels.mapped("display_name"), strict=True))
        head = Markup(
            "<thead><tr><th>%s</th><th>%s</th><th class='text-end'>%s</th>"
            "<th class='text-end'>%s</th><th class='text-end'>%s</th></tr></thead>"
        ) % (_("Level"), _("Channels"), _("Reminders"), _("Customers"), _("Amount"))
        body = Markup("").join(
            Markup(
                "<tr><td>%s</td><td>%s</td><td class='text-end'>%s</td>"
                "<td class='text-end'>%s</td><td class='text-end'>%s</td></tr>"
            )
            % (
                names.get(row["level_id"], ""),
                row["channels"],
                formatLang(self.env, row["reminders"], digits=0),
                formatLang(self.env, row["customers"], digits=0),
                formatLang(self.env, row["amount"], currency_obj=currency),
            )
            for row in rows
        )
        return Markup(
            "<table class='table table-sm o_dunning_preview_levels'>%s<tbody>%s"
            "</tbody></table>"
        ) % (head, body)

    def action_run(self):
        self.ensure_one()
        if self.dry_run:
            return self._action_preview()
        # the scheduled job does the run, committed slice by slice: the
        # request only records it (the user watches it on the run)
        run = self.env["dunning.run"]._request(self.company_id, self.date)
        return run._action_open_form()

    def _preview_limit(self):
        """How many customers the dry run lists (a system parameter): the
        lines of 50,000 customers took 20 s to create and no one reads
        them in a dialog; the totals and the levels count them all."""
        try:
            limit = int(
                self.env["ir.config_parameter"]
                .sudo()
                .get_param(PREVIEW_LIMIT_PARAM, DEFAULT_PREVIEW_LIMIT)
            )
        except ValueError:
            limit = DEFAULT_PREVIEW_LIMIT
        return max(limit, 1)

    def _action_preview(self):
        Line = self.env["dunning.preview.line"]
        company, date = self.company_id, self.date
        # as the run plans: the company's days off read once
        planner = self.env["dunning.planner"].with_context(dunning_holidays={})
        # the whole plan's objects are summed up with the collector paused
        # too: with them alive, each of its full collections walked them all
        # (2 s of the totals at 50,000 customers)
        with planner._without_gc():
            items = planner._select_open_items(company, date)
            # the totals count reminders and amounts due: the penalties are
            # figures of the lines shown, planned again for their customers
            # alone from the same selection (a customer's plan depends on
            # its own items only)
            plan = planner._plan(company, date, items, penalties=False)
            totals = Line._totals_from_plan(plan)
            shown = Line._largest_customers(plan, self._preview_limit())
            del plan
            listed = set(shown)
            shown_plan = planner._plan(
                company,
                date,
                dict(
                    items,
                    items=[it for it in items["items"] if it["partner_id"] in listed],
                ),
            )
            del items
        self.line_ids.unlink()
        lines = Line._values_from_plan(self.company_id, shown_plan, shown)
        self.write(
            {
                "previewed": True,
                "preview_totals": totals,
                "preview_hidden_count": totals["customers"] - len(shown),
                "line_ids": [(0, 0, values) for values in lines],
            }
        )
        # the totals are computed from the plan just stored
        self.invalidate_recordset()
        return {
            "type": "ir.actions.act_window",
            "name": _(
                "Preview of the Run of %(date)s", date=format_date(self.env, self.date)
            ),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "context": dict(self.env.context, dialog_size="extra-large"),
        }
