# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Each customer's reminder channel, chosen once for every company before,
becomes the choice of every company the customer belongs to: its own company
when it has one, else every company of the database. Before the upgrade each of
them applied that one choice: nobody who asked for letters gets an email
because of the upgrade; from now on each company's choice is its own."""

from openupgradelib import openupgrade
from psycopg2 import sql

# (field, column kept by the pre-migration, its value as stored in the jsonb)
CHANNEL_COLUMNS = [
    (
        "dunning_preferred_channel",
        "dunning_preferred_channel_global",
        "to_jsonb(p.{legacy})",
    ),
    (
        "dunning_channel_changed_date",
        "dunning_channel_changed_date_global",
        # the ORM's format for datetimes in company-dependent columns
        "to_jsonb(to_char(p.{legacy}, 'YYYY-MM-DD HH24:MI:SS'))",
    ),
    (
        "dunning_channel_changed_origin",
        "dunning_channel_changed_origin_global",
        "to_jsonb(p.{legacy})",
    ),
]


@openupgrade.migrate()
def migrate(env, version):
    for field, legacy, value in CHANNEL_COLUMNS:
        if not openupgrade.column_exists(env.cr, "res_partner", legacy):
            continue
        openupgrade.logged_query(
            env.cr,
            sql.SQL(
                """
                UPDATE res_partner p
                   SET {field} = (
                       SELECT jsonb_object_agg(c.id::text, {value})
                         FROM res_company c
                        WHERE p.company_id IS NULL OR c.id = p.company_id)
                 WHERE p.{legacy} IS NOT NULL
                """
            ).format(
                field=sql.Identifier(field),
                legacy=sql.Identifier(legacy),
                value=sql.SQL(value).format(legacy=sql.Identifier(legacy)),
            ),
        )
        openupgrade.logged_query(
            env.cr,
            sql.SQL("ALTER TABLE res_partner DROP COLUMN {legacy}").format(
                legacy=sql.Identifier(legacy)
            ),
        )
