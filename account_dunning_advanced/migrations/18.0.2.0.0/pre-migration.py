# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""18.0.1.0.0 -> 18.0.2.0.0, before the models are updated.

* The dispute flag, reason and note of invoices become computed from the disputes:
  keep the old columns under other names so that the post-migration turns flags set
  by hand into disputes.
* Two levels of one scenario may no longer share an offset: move the later ones one
  day further, so that the new unique constraint applies.
"""

import logging

from openupgradelib import openupgrade

_logger = logging.getLogger(__name__)

LEGACY_DISPUTE_COLUMNS = {
    "account_move": [
        ("dunning_dispute", "dunning_dispute_legacy"),
        ("dunning_dispute_reason_id", "dunning_dispute_reason_legacy"),
        ("dunning_dispute_note", "dunning_dispute_note_legacy"),
    ]
}


def _separate_level_offsets(cr):
    cr.execute(
        """
        SELECT id, scenario_id, offset_days
          FROM dunning_level
         ORDER BY scenario_id, offset_days, sequence, id
        """
    )
    taken = {}
    for level_id, scenario_id, offset in cr.fetchall():
        used = taken.setdefault(scenario_id, set())
        new_offset = offset
        while new_offset in used:
            new_offset += 1
        used.add(new_offset)
        if new_offset != offset:
            _logger.warning(
                "Dunning level %s: offset %s already used in its scenario, moved to %s",
                level_id,
                offset,
                new_offset,
            )
            openupgrade.logged_query(
                cr,
                "UPDATE dunning_level SET offset_days = %s WHERE id = %s",
                (new_offset, level_id),
            )


@openupgrade.migrate()
def migrate(env, version):
    if openupgrade.column_exists(env.cr, "account_move", "dunning_dispute"):
        openupgrade.rename_columns(env.cr, LEGACY_DISPUTE_COLUMNS)
    _separate_level_offsets(env.cr)
