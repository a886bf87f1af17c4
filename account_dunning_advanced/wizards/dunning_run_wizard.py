# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import _, fields, models
from odoo.tools import format_date


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

    def action_run(self):
        self.ensure_one()
        if self.dry_run:
            return self._action_preview()
        # the scheduled job does the run, committed slice by slice: the
        # request only records it (the user watches it on the run)
        run = self.env["dunning.run"]._request(self.company_id, self.date)
        return run._action_open_form()

    def _action_preview(self):
        plan = self.env["dunning.run"]._run_company(
            self.company_id, self.date, "preview", dry_run=True
        )
        self.line_ids.unlink()
        lines = self.env["dunning.preview.line"]._values_from_plan(
            self.company_id, plan
        )
        self.write(
            {
                "previewed": True,
                "line_ids": [(0, 0, values) for values in lines],
            }
        )
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
