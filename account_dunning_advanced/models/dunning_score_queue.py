# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models

RESCORE_CRON = "account_dunning_advanced.ir_cron_dunning_rescore"


class DunningScoreQueue(models.Model):
    """Customers whose receivable changed since their score was computed.

    A reconciliation only adds a row here and triggers the rescoring action:
    scoring is a query over the customer's whole year, too slow for the
    transaction that posts a payment. The same customer may be queued several
    times; the action rescores it once."""

    _name = "dunning.score.queue"
    _description = "Customer To Rescore"
    _order = "id"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")

    @api.model
    def _enqueue(self, lines):
        """Queue the commercial partners of the receivable ``lines`` for
        rescoring in their company, and wake the rescoring action up."""
        lines = lines.filtered(
            lambda line: line.account_type == "asset_receivable" and line.partner_id
        )
        pairs = {
            (line.partner_id.commercial_partner_id.id, line.company_id.id)
            for line in lines
        }
        if not pairs:
            return self
        queued = self.sudo().create(
            [
                {"partner_id": partner_id, "company_id": company_id}
                for partner_id, company_id in sorted(pairs)
            ]
        )
        cron = self.env.ref(RESCORE_CRON, raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()
        return queued
