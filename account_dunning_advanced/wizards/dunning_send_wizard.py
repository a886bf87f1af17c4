# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import _, api, fields, models
from odoo.exceptions import UserError


class DunningSendWizard(models.TransientModel):
    """ "Send reminder now" and "Preview next reminders" for chosen customers
    (or the customers of chosen invoices): the same rules as the daily run."""

    _name = "dunning.send.wizard"
    _inherit = ["dunning.preview.mixin"]
    _description = "Send Reminders Now"

    mode = fields.Selection(
        [("send", "Send now"), ("preview", "Preview")], required=True, default="send"
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    partner_ids = fields.Many2many("res.partner", string="Customers", required=True)
    date = fields.Date(required=True, default=fields.Date.context_today)
    bypass_interval = fields.Boolean(
        string="Ignore the Minimum Interval",
        help="Send even if the customer was reminded less than the scenario's "
        "minimum number of days ago.",
    )
    previewed = fields.Boolean(readonly=True)
    line_ids = fields.One2many("dunning.preview.line", "send_wizard_id", readonly=True)
    run_id = fields.Many2one("dunning.run", readonly=True)

    @api.model
    def action_open(self, records, mode):
        """Window action of the wizard for invoices or customers."""
        if records._name == "account.move":
            partners = records.commercial_partner_id
            company = records.company_id[:1] or self.env.company
        else:
            partners = records.commercial_partner_id
            company = self.env.company
        wizard = self.create(
            {
                "mode": mode,
                "company_id": company.id,
                "partner_ids": [(6, 0, partners.ids)],
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": _("Preview Next Reminders")
            if mode == "preview"
            else _("Send Reminder Now"),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_confirm(self):
        self.ensure_one()
        if self.mode == "preview":
            return self.action_preview()
        return self.action_send()

    def action_preview(self):
        self.ensure_one()
        plan = self.env["dunning.run"]._run_company(
            self.company_id,
            self.date,
            "preview",
            dry_run=True,
            partner_ids=self.partner_ids.commercial_partner_id.ids,
            bypass_interval=self.bypass_interval,
        )
        self.line_ids.unlink()
        values = self.env["dunning.preview.line"]._values_from_plan(
            self.company_id, plan
        )
        self.write({"previewed": True, "line_ids": [(0, 0, v) for v in values]})
        return self._reopen()

    def action_send(self):
        self.ensure_one()
        if self.date != fields.Date.context_today(self):
            raise UserError(_("Reminders are sent as of today; preview other dates."))
        run = self.env["dunning.run"]._request(
            self.company_id,
            self.date,
            partner_ids=self.partner_ids.commercial_partner_id.ids,
            bypass_interval=self.bypass_interval,
        )
        self.run_id = run
        return run._action_open_form()

    def _preview_partner_ids(self):
        return self.partner_ids.commercial_partner_id.ids

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "name": _("Preview Next Reminders"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }
