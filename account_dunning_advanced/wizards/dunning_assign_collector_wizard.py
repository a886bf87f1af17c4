# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from ..models.dunning_worklist import ROW_ID_FACTOR


class DunningAssignCollectorWizard(models.TransientModel):
    """Mass reassignment from the worklist. Rows are kept as their packed ids
    (customer, company): worklist ids are too large for a relation table."""

    _name = "dunning.assign.collector.wizard"
    _description = "Reassign Collector"

    row_ids = fields.Json()
    partner_ids = fields.Many2many(
        "res.partner", compute="_compute_partner_ids", string="Customers"
    )
    collector_id = fields.Many2one(
        "res.users",
        string="New Collector",
        domain=lambda self: [
            (
                "groups_id",
                "in",
                self.env.ref("account_dunning_advanced.group_dunning_collector").ids,
            )
        ],
    )
    use_default = fields.Boolean(
        string="Use the Default Collector",
        help="The collector of the customer's typology, else its salesperson.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") == "dunning.worklist":
            values["row_ids"] = list(self.env.context.get("active_ids", []))
        return values

    @api.depends("row_ids")
    def _compute_partner_ids(self):
        for wizard in self:
            wizard.partner_ids = [
                row_id // ROW_ID_FACTOR for row_id in wizard.row_ids or []
            ]

    def _partners_by_company(self):
        rows = self.env["dunning.worklist"].browse(self.row_ids or []).exists()
        by_company = defaultdict(lambda: self.env["res.partner"])
        for row in rows:
            by_company[row.company_id] |= row.partner_id
        return by_company

    def action_confirm(self):
        self.ensure_one()
        if not self.env.user.has_group(
            "account_dunning_advanced.group_dunning_manager"
        ):
            raise AccessError(_("Only dunning managers reassign collectors."))
        for company, partners in self._partners_by_company().items():
            # with the manager's own rights: the manager group edits customers
            partners = partners.with_company(company)
            if self.use_default:
                partners.write({"dunning_collector_id": False})
                partners._dunning_fill_collectors()
            else:
                partners.write({"dunning_collector_id": self.collector_id.id})
        return {"type": "ir.actions.act_window_close"}
