# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models
from odoo.tools.misc import format_date


class DunningCommunication(models.Model):
    _inherit = "dunning.communication"

    def _dunning_compute_render_values(self, lang):
        """Add the invoices the customer approved on the e-invoicing platform,
        with the approval date: the reminder recalls it."""
        values = super()._dunning_compute_render_values(lang)
        moves = self.line_ids.move_id.filtered("dunning_einvoice_approved_date")
        values["einvoice_approvals"] = [
            {
                "number": move.name,
                "date": format_date(
                    self.env, move.dunning_einvoice_approved_date, lang_code=lang
                ),
            }
            for move in moves.sorted(lambda m: (m.dunning_einvoice_approved_date, m.id))
        ]
        return values
