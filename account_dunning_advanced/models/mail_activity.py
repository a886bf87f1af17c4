# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import _, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    def action_dunning_log_outcome(self):
        """Open the call outcome wizard on a call activity of a customer."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Log Call Outcome"),
            "res_model": "dunning.call.outcome.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_activity_id": self.id},
        }
