# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import importlib.util
from datetime import datetime
from pathlib import Path

from odoo.tests import TransactionCase, tagged

MIGRATIONS = Path(__file__).parents[1] / "migrations" / "18.0.2.2.0"


def migration(stage):
    """The undecorated ``migrate(env, version)`` of a migration script."""
    path = MIGRATIONS / f"{stage}-preferred_channel_per_company.py"
    spec = importlib.util.spec_from_file_location(f"channel_{stage}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.migrate.__wrapped__


@tagged("post_install", "-at_install")
class TestDunningChannelMigration(TransactionCase):
    """18.0.2.1.0 -> 18.0.2.2.0: the one channel a customer chose (with its
    date and origin) becomes the choice of every company it belongs to."""

    def test_previous_choices_kept_in_the_customers_companies(self):
        main = self.env.company
        other = self.env["res.company"].create({"name": "Second Company"})
        Partner = self.env["res.partner"]
        shared = Partner.create({"name": "Shared"})
        own = Partner.create({"name": "Own", "company_id": main.id})
        untouched = Partner.create({"name": "Untouched"})
        self.env.flush_all()
        cr = self.env.cr
        # the columns as the pre-migration leaves them (18.0.2.1.0's values)
        cr.execute(
            """
            ALTER TABLE res_partner
              ADD COLUMN dunning_preferred_channel_global varchar,
              ADD COLUMN dunning_channel_changed_date_global timestamp,
              ADD COLUMN dunning_channel_changed_origin_global varchar;
            UPDATE res_partner
               SET dunning_preferred_channel_global = 'letter',
                   dunning_channel_changed_date_global = '2026-03-20 08:15:00',
                   dunning_channel_changed_origin_global = 'customer'
             WHERE id IN %s
            """,
            (tuple((shared | own).ids),),
        )
        migration("post")(self.env, "18.0.2.1.0")
        self.env.invalidate_all()
        chosen = {
            "dunning_preferred_channel": "letter",
            "dunning_channel_changed_date": datetime(2026, 3, 20, 8, 15),
            "dunning_channel_changed_origin": "customer",
        }
        none = dict.fromkeys(chosen, False)
        for company, expected in (
            (main, [chosen, chosen, none]),
            (other, [chosen, none, none]),
        ):
            self.assertRecordValues(
                (shared | own | untouched).with_company(company), expected
            )
        cr.execute(
            """
            SELECT column_name FROM information_schema.columns
             WHERE table_name = 'res_partner' AND column_name LIKE %s
            """,
            ("%_global",),
        )
        self.assertFalse(cr.fetchall())
