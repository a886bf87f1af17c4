# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    # Scores are recomputed by a scheduled action, not in the transaction
    # that reconciles a payment: a reconciliation only queues its customers.

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        partials._dunning_queue_rescore()
        partials._dunning_touch_worklist()
        return partials

    def unlink(self):
        self._dunning_queue_rescore()
        self._dunning_touch_worklist()
        return super().unlink()

    def _dunning_touch_worklist(self):
        self.env["dunning.worklist"]._touch_records(
            self.debit_move_id | self.credit_move_id
        )

    def _dunning_queue_rescore(self):
        self.env["dunning.score.queue"]._enqueue(
            self.debit_move_id | self.credit_move_id
        )
