# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models


def write_touching(records, vals, fields, write):
    """``write(vals)`` (the model's ``super().write``) of ``records``; when
    ``vals`` writes one of ``fields``, their customers' worklist rows are
    marked (``_dunning_touch_worklist``) before the write, for the customer
    before the change, and after it."""
    touch = not set(fields).isdisjoint(vals)
    if touch:
        records._dunning_touch_worklist()
    result = write(vals)
    if touch:
        records._dunning_touch_worklist()
    return result


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
        return write_touching(self, vals, self._dunning_worklist_fields, super().write)

    def unlink(self):
        # records already deleted in SQL are no customer's (the uninstall hook
        # empties the history tables before Odoo unlinks the demo records)
        self.exists()._dunning_touch_worklist()
        return super().unlink()

    def _dunning_touch_worklist(self):
        self.env["dunning.worklist"]._touch_records(self)
