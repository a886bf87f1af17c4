# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import SUPERUSER_ID, api
from odoo.tests import new_test_user


def create_dunning_users(env, company=None):
    """A collector and a manager of the dunning, billing users of ``company``."""
    company = company or env.company
    common = {"company_id": company.id, "company_ids": [(6, 0, company.ids)]}
    collector = new_test_user(
        env,
        login=f"dunning_collector_{company.id}",
        groups="base.group_user,account_dunning_advanced.group_dunning_collector",
        name="Colette Collector",
        **common,
    )
    manager = new_test_user(
        env,
        login=f"dunning_manager_{company.id}",
        groups="base.group_user,account_dunning_advanced.group_dunning_manager",
        name="Marc Manager",
        **common,
    )
    return collector, manager


def as_job(records):
    """``records`` as Odoo's scheduled actions run the addon's jobs (run,
    dispatch, letter queue): as their user OdooBot (``base.user_root``),
    superuser in 18.0. Tests call the jobs directly with it."""
    return records.with_user(records.env.ref("base.user_root"))


def job_env(cr):
    """The environment of a scheduled action's worker on ``cr`` (OdooBot,
    superuser in 18.0), for tests that play a cron worker on a cursor of
    their own."""
    return api.Environment(cr, SUPERUSER_ID, {})


def waiting_for_a_lock(monitor, pid):
    """Whether the database backend ``pid`` waits for a lock (read on the
    test's ``monitor`` cursor): the moment a concurrent test lets the first
    transaction go on."""
    monitor.execute("SELECT 1 FROM pg_locks WHERE pid = %s AND NOT granted", [pid])
    waiting = bool(monitor.fetchone())
    monitor.rollback()
    return waiting
