# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models


class DunningWorklistTouch(models.AbstractModel):
    """Records the worklist's rows read: creating, deleting them or writing
    one of ``_dunning_worklist_fields`` marks their customers' rows to be
    computed again (``dunning.worklist._touch``)."""

    _name = "dunning.worklist.touch"
    _description = "Record Read by the Dunning Worklist"

    # fields of the record that the worklist's rows read
    _dunning_worklist_fields = ("partner_id", "company_id", "state")

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._dunning_touch_worklist()
        return records

    def write(self, vals):
        touch = not set(self._dunning_worklist_fields).isdisjoint(vals)
        if touch:
            # the customer before the change too
            self._dunning_touch_worklist()
        result = super().write(vals)
        if touch:
            self._dunning_touch_worklist()
        return result

    def unlink(self):
        # records already deleted in SQL are no customer's (the uninstall hook
        # empties the history tables before Odoo unlinks the demo records)
        self.exists()._dunning_touch_worklist()
        return super().unlink()

    def _dunning_touch_worklist(self):
        self.env["dunning.worklist"]._touch_records(self)
