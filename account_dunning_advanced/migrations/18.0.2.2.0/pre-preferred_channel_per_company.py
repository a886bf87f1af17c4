# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The customer's reminder channel, and when and by whom it was chosen, become
company-dependent (one jsonb column of values per company): keep the plain
columns under other names, so that the ORM creates the new ones and the
post-migration fills them."""

from openupgradelib import openupgrade

# (field, column kept for the post-migration)
CHANNEL_COLUMNS = [
    ("dunning_preferred_channel", "dunning_preferred_channel_global"),
    ("dunning_channel_changed_date", "dunning_channel_changed_date_global"),
    ("dunning_channel_changed_origin", "dunning_channel_changed_origin_global"),
]


@openupgrade.migrate()
def migrate(env, version):
    env.cr.execute(
        """
        SELECT column_name FROM information_schema.columns
         WHERE table_name = 'res_partner' AND column_name IN %s
           AND data_type != 'jsonb'
        """,
        (tuple(field for field, _legacy in CHANNEL_COLUMNS),),
    )
    plain = {row[0] for row in env.cr.fetchall()}
    openupgrade.rename_columns(
        env.cr,
        {
            "res_partner": [
                (field, legacy) for field, legacy in CHANNEL_COLUMNS if field in plain
            ]
        },
    )
