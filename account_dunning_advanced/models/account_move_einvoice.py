# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from .dunning_einvoice_status import EINVOICE_STATUSES

EINVOICE_FIELDS = (
    "dunning_einvoice_status",
    "dunning_einvoice_status_date",
    "dunning_einvoice_approved_date",
)


class AccountMove(models.Model):
    _inherit = "account.move"

    dunning_einvoice_status_ids = fields.One2many(
        "dunning.einvoice.status", "move_id", string="Lifecycle Statuses"
    )
    # Written by the statuses themselves (not computed: no recomputation of
    # every invoice when the module is installed); the planner reads them.
    dunning_einvoice_status = fields.Selection(
        EINVOICE_STATUSES,
        string="E-invoicing Status",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The latest lifecycle status exchanged through the e-invoicing "
        "platforms.",
    )
    dunning_einvoice_status_date = fields.Date(
        string="E-invoicing Status Date", readonly=True, copy=False
    )
    dunning_einvoice_approved_date = fields.Date(
        string="Approved On",
        readonly=True,
        copy=False,
        help="The latest approval (full or partial) by the customer on the "
        "e-invoicing platform: the reminders mention it.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._dunning_check_einvoice_vals(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._dunning_check_einvoice_vals(vals)
        return super().write(vals)

    def _dunning_check_einvoice_vals(self, vals):
        if not self.env.context.get("dunning_einvoice_refresh") and set(
            EINVOICE_FIELDS
        ) & set(vals):
            raise AccessError(
                _(
                    "The e-invoicing status of an invoice follows its lifecycle "
                    "statuses: record a status instead."
                )
            )

    def _dunning_refresh_einvoice_status(self):
        """Copy the latest lifecycle status of these invoices on them, one
        write per distinct value."""
        latest = self.env["dunning.einvoice.status"]._latest_of(self.ids)
        groups = defaultdict(list)
        for move in self:
            status, day, approved = latest.get(move.id, (False, False, False))
            groups[(status, day, approved)].append(move.id)
        for (status, day, approved), ids in groups.items():
            self.browse(ids).sudo().with_context(dunning_einvoice_refresh=True).write(
                dict(zip(EINVOICE_FIELDS, (status, day, approved), strict=True))
            )

    @api.model
    def dunning_import_einvoice_statuses(self, rows):
        """JSON-RPC entry point of the platforms' feeds: record the lifecycle
        statuses of ``rows`` (list of dicts: invoice or move_id, status (an
        official code like "210"), date, comment, optional source). Each row
        is checked and recorded on its own; returns one result per row."""
        return self.env["dunning.einvoice.status"]._dunning_import(
            rows or [], source="platform"
        )

    def action_dunning_add_einvoice_status(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Record a Lifecycle Status"),
            "res_model": "dunning.einvoice.status",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_id": self.id, "default_source": "manual"},
        }
