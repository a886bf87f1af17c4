"""The daily run survives a killed process and concurrent workers, on real processes.

Each worker is an ``odoo shell`` process calling the scheduled action
(``dunning.run._cron_run``) the way Odoo's cron runner does, until the day's run is
done; it commits per batch of customers. One process is killed with SIGKILL in the
middle of the run, then the run is resumed by a new one; and three workers run the
same day at once. Either way each customer gets exactly one reminder, the day has one
finished run per company, and no worker logs an error.
"""

import os
import signal
import subprocess
import time

import pytest
from devenv import CACHE, error_lines

CUSTOMERS = 200

SETUP_SCRIPT = """
from datetime import timedelta
from odoo import Command, fields

company = env.ref("base.main_company")
standard = env.ref("account_dunning_advanced.dunning_scenario_standard")
standard.business_days_only = False
standard.level_ids.write({"attach_invoices": False})
company.write({"dunning_scenario_id": standard.id, "dunning_batch_size": 5})
today = fields.Date.context_today(env["dunning.run"].with_company(company))
partners = env["res.partner"].create([
    {"name": f"Worker customer {i:03d}", "is_company": True,
     "email": f"worker{i:03d}@example.com"}
    for i in range(%(customers)d)
])
moves = env["account.move"].with_company(company).create([
    {
        "move_type": "out_invoice",
        "partner_id": partner.id,
        "company_id": company.id,
        "invoice_date": today - timedelta(days=38),
        "invoice_date_due": today - timedelta(days=8),
        "invoice_line_ids": [Command.create({"name": "Service", "quantity": 1,
                                             "price_unit": 100.0, "tax_ids": []})],
    }
    for partner in partners
])
moves.action_post()
env.cr.commit()
"""

# the scheduled action, called again as Odoo's runner does while work remains
WORKER_SCRIPT = """
import time
from odoo import fields

company = env.ref("base.main_company")
today = fields.Date.context_today(env["dunning.run"].with_company(company))
for _call in range(200):
    env["dunning.run"]._cron_run()
    env.cr.commit()
    runs = env["dunning.run"].search(
        [("trigger", "=", "scheduled"), ("date", "=", today)]
    )
    if runs and set(runs.mapped("state")) == {"done"}:
        break
    time.sleep(0.2)
env.cr.commit()
print("WORKER-DONE")
"""


@pytest.fixture
def worker_db(installed_db, db_copy, project):
    db = db_copy(installed_db, "workers")
    setup = shell(project, db, SETUP_SCRIPT % {"customers": CUSTOMERS}, "setup")
    assert setup.wait(600) == 0
    return db


def shell(project, db, script, name):
    """An odoo shell process running script, its output in the run's logs."""
    log = open(project.logs / f"workers-{name}.log", "w")  # noqa: SIM115 - closed by the caller's process end
    proc = subprocess.Popen(
        project.odoo_cmd("shell", "-c", str(project.conf), "-d", db, "--no-http"),
        stdin=subprocess.PIPE,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=CACHE,
        start_new_session=True,
    )
    proc.stdin.write(script)
    proc.stdin.close()
    proc.log_path = project.logs / f"workers-{name}.log"
    return proc


def sql(project, db, query, params=()):
    return project.pg.sql(query, params, dbname=db)


def reminders_today(project, db):
    return sql(
        project,
        db,
        "SELECT p.id, count(c.id) FROM res_partner p "
        "LEFT JOIN dunning_communication c ON c.partner_id = p.id "
        "AND c.date = CURRENT_DATE WHERE p.name LIKE 'Worker customer %%' "
        "GROUP BY p.id",
    )


def assert_one_reminder_each_and_one_run(project, db):
    counts = reminders_today(project, db)
    assert len(counts) == CUSTOMERS
    assert {count for _partner, count in counts} == {1}
    runs = sql(
        project,
        db,
        "SELECT company_id, count(*), array_agg(state) FROM dunning_run "
        "WHERE trigger = 'scheduled' AND date = CURRENT_DATE GROUP BY company_id",
    )
    assert runs and all(count == 1 and states == ["done"] for _c, count, states in runs)


def assert_clean(proc):
    assert proc.wait(600) == 0, f"see {proc.log_path}"
    assert "WORKER-DONE" in proc.log_path.read_text(), f"see {proc.log_path}"
    assert error_lines(proc.log_path) == [], f"see {proc.log_path}"


def test_killed_worker_then_rerun(project, worker_db):
    db = worker_db
    first = shell(project, db, WORKER_SCRIPT, "killed")
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        done = sum(count for _partner, count in reminders_today(project, db))
        if done > 0 or first.poll() is not None:
            break
        time.sleep(0.05)
    assert first.poll() is None, "the run ended before it could be killed"
    assert 0 < done < CUSTOMERS
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    partial = sum(count for _partner, count in reminders_today(project, db))
    assert partial < CUSTOMERS
    second = shell(project, db, WORKER_SCRIPT, "rerun")
    assert_clean(second)
    assert_one_reminder_each_and_one_run(project, db)


def test_three_workers_at_once(project, worker_db):
    db = worker_db
    workers = [shell(project, db, WORKER_SCRIPT, f"worker{i}") for i in range(3)]
    for worker in workers:
        assert_clean(worker)
    assert_one_reminder_each_and_one_run(project, db)
