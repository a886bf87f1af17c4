# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The customer counters of the finished runs, from their reminders and log.

"Customers Processed" counted the customers reminded only (a run that skipped
11 customers showed 0): it becomes reminded + skipped + failed, each with its
own new counter."""

from openupgradelib import openupgrade


@openupgrade.migrate()
def migrate(env, version):
    Run = env["dunning.run"]
    env.cr.execute("SELECT id FROM dunning_run WHERE state = 'done'")
    run_ids = [row[0] for row in env.cr.fetchall()]
    if not run_ids:
        return
    env.cr.execute(Run._counters_query(run_ids))
    rows = env.cr.fetchall()
    openupgrade.logged_query(
        env.cr,
        """
        UPDATE dunning_run run
           SET reminded_partner_count = c.reminded,
               skipped_partner_count = c.skipped,
               failed_partner_count = c.failed,
               partner_count = c.reminded + c.skipped + c.failed
          FROM (SELECT unnest(%s) AS id, unnest(%s) AS reminded,
                       unnest(%s) AS skipped, unnest(%s) AS failed) c
         WHERE run.id = c.id
        """,
        (
            [row[0] for row in rows],
            [row[2] for row in rows],
            [row[3] for row in rows],
            [row[4] for row in rows],
        ),
    )
