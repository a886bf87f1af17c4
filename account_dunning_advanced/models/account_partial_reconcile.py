# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        partials._update_dunning_scores()
        return partials

    def _update_dunning_scores(self):
        """Rescore, per company, the customers whose receivable was just
        (partly) settled: one upsert per company, not per partner."""
        lines = (self.debit_move_id | self.credit_move_id).filtered(
            lambda line: line.account_type == "asset_receivable" and line.partner_id
        )
        score_model = self.env["dunning.partner.score"].sudo()
        for company in lines.company_id:
            partners = lines.filtered(
                lambda line, c=company: line.company_id == c
            ).partner_id.commercial_partner_id
            score_model._recompute(company, partners.ids)
