"""Several scheduled actions share one daily run, on real processes.

Odoo runs one instance of a scheduled action at a time: with the "dunning workers"
system parameter at 2, the daily action creates a copy of itself the first time the
run has work, triggers it, and both claim the run's customers batch by batch
(``SKIP LOCKED``). Each worker is an ``odoo shell`` process calling its own action's
method the way Odoo's cron runner does (the job's ``cron_id`` and an
``ir.cron.progress`` in the context, a commit after each call). Both work, each
customer gets exactly one reminder, the day has one finished run, and no worker logs
an error (no deadlock, no serialization failure).
"""

import pytest
from test_crash_and_concurrent_workers import (
    CUSTOMERS,
    _setup,
    assert_clean,
    assert_one_reminder_each_and_one_run,
    shell,
    sql,
)

WORKERS_PARAM = "account_dunning_advanced.cron_workers"

# One worker: the daily action (``main``) or its copy (``copy``), whose job starts
# once the daily action created and triggered it; then Odoo's runner: jobs of up to
# 10 calls, each call with its progress record, while work is done and remains.
CRON_SCRIPT = """
import time
from odoo import api, fields

company = env.ref("base.main_company")
today = fields.Date.context_today(env["dunning.run"].with_company(company))
main = env.ref("account_dunning_advanced.ir_cron_dunning_run")
Cron = env["ir.cron"].with_context(active_test=False)
cron = main
if "%(role)s" == "copy":
    for _wait in range(1200):
        cron = Cron.search([("code", "=", main.code), ("id", "!=", main.id),
                            ("active", "=", True)], limit=1)
        if cron and env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]):
            break
        env.cr.rollback()
        time.sleep(0.1)
    assert cron, "the daily action created no copy"
    print("WORKER-COPY", cron.name)
cron_id = cron.id
env.cr.commit()
done_total = 0
for _job in range(100):
    # each job in a cursor of its own, with its own time budget, as Odoo's runner
    with env.registry.cursor() as cr:
        job_env = api.Environment(cr, env.uid, {})
        job_cron = job_env["ir.cron"].browse(cron_id)
        for _call in range(10):
            job_cron, progress = job_cron.with_context(cron_id=cron_id)._add_progress()
            cr.commit()
            job_env["dunning.run"].with_context(
                cron_id=cron_id, ir_cron_progress_id=progress.id
            )._cron_run()
            cr.commit()
            done_total += progress.done
            if not progress.remaining or not progress.done:
                break
    runs = env["dunning.run"].search(
        [("trigger", "=", "scheduled"), ("date", "=", today)]
    )
    if runs and set(runs.mapped("state")) == {"done"}:
        break
    env.cr.rollback()
    time.sleep(0.2)
print("WORKER-CUSTOMERS", done_total)
print("WORKER-DONE")
"""


@pytest.fixture
def two_workers_db(installed_db, db_copy, project):
    db = db_copy(installed_db, "cronworkers")
    _setup(project, db, CUSTOMERS, True)
    sql(
        project,
        db,
        "INSERT INTO ir_config_parameter (key, value) VALUES (%s, '2')",
        (WORKERS_PARAM,),
    )
    return db


@pytest.fixture
def one_worker_db(installed_db, db_copy, project):
    db = db_copy(installed_db, "cronalone")
    _setup(project, db, CUSTOMERS, True)
    return db


def _customers_done(proc):
    text = proc.log_path.read_text()
    return int(text.split("WORKER-CUSTOMERS", 1)[1].split()[0])


def test_two_scheduled_actions_share_the_run(project, two_workers_db):
    db = two_workers_db
    # the copy's process starts first and waits for the daily action's trigger
    copy = shell(project, db, CRON_SCRIPT % {"role": "copy"}, "cron-copy")
    main = shell(project, db, CRON_SCRIPT % {"role": "main"}, "cron-main")
    assert_clean(main)
    assert_clean(copy)
    assert_one_reminder_each_and_one_run(project, db)
    crons = sql(
        project,
        db,
        "SELECT c.cron_name, c.active FROM ir_cron c JOIN ir_act_server a "
        "ON a.id = c.ir_actions_server_id WHERE a.code = 'model._cron_run()' "
        "ORDER BY c.id",
    )
    assert [active for _name, active in crons] == [True, True], crons
    assert crons[1][0].endswith("(worker 2)"), crons
    # both worked: the copy claimed customers the daily action did not
    main_done, copy_done = _customers_done(main), _customers_done(copy)
    assert main_done > 0 and copy_done > 0, (main_done, copy_done)
    assert main_done + copy_done >= CUSTOMERS


def test_one_worker_by_default_creates_no_copy(project, one_worker_db):
    db = one_worker_db
    main = shell(project, db, CRON_SCRIPT % {"role": "main"}, "cron-alone")
    assert_clean(main)
    assert_one_reminder_each_and_one_run(project, db)
    crons = sql(
        project,
        db,
        "SELECT count(*) FROM ir_cron c JOIN ir_act_server a "
        "ON a.id = c.ir_actions_server_id WHERE a.code = 'model._cron_run()'",
    )
    assert crons == [(1,)]
