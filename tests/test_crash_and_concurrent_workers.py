"""The daily run survives a killed process and concurrent workers, on real processes.

Each worker is an ``odoo shell`` process calling the scheduled action
(``dunning.run._cron_run``) the way Odoo's cron runner does, until the day's run is
done; it commits per batch of customers. One process is killed with SIGKILL at
several moments of the run (after its first batch, half-way), then the run is
resumed by a new one; three workers run the same day at once; and the letter queue's
worker is killed while it renders, then resumed. Each customer gets exactly one
reminder (one letter), the day has one finished run per company whose counters are
right, and no worker logs an error (no false "duplicate key" either).
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
company.partner_id.write({"street": "1 Main Street", "city": "Springfield",
                          "zip": "12345"})
standard = env.ref("account_dunning_advanced.dunning_scenario_standard")
standard.business_days_only = False
standard.level_ids.write({"attach_invoices": False})
company.write({"dunning_scenario_id": standard.id, "dunning_batch_size": 5})
today = fields.Date.context_today(env["dunning.run"].with_company(company))
partners = env["res.partner"].create([
    {"name": f"Worker customer {i:03d}", "is_company": True,
     # without email: a letter
     "email": %(with_email)s and f"worker{i:03d}@example.com",
     "street": f"{i} Main Street", "city": "Springfield", "zip": "12345"}
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


# the letter queue's scheduled action, called again while letters are pending
LETTER_WORKER_SCRIPT = """
Communication = env["dunning.communication"]
env["ir.config_parameter"].set_param(
    "account_dunning_advanced.letter_batch_size", "1"
)
env.cr.commit()
for _call in range(200):
    Communication._cron_produce_documents()
    env.cr.commit()
    if not Communication.search_count([("letter_state", "=", "pending")]):
        break
print("WORKER-DONE")
"""
LETTERS = 6


def _setup(project, db, customers, with_email):
    script = SETUP_SCRIPT % {"customers": customers, "with_email": with_email}
    setup = shell(project, db, script, "setup")
    assert setup.wait(600) == 0, f"see {setup.log_path}"


@pytest.fixture
def worker_db(installed_db, db_copy, project):
    db = db_copy(installed_db, "workers")
    _setup(project, db, CUSTOMERS, True)
    return db


@pytest.fixture
def letter_db(installed_db, db_copy, project):
    db = db_copy(installed_db, "letters")
    _setup(project, db, LETTERS, False)
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


# The day of the run is the company's (its user's time zone), not the
# database server's CURRENT_DATE: around midnight UTC the two differ.
RUN_DAY = "(SELECT max(date) FROM dunning_run WHERE trigger = 'scheduled')"


def reminders_today(project, db):
    return sql(
        project,
        db,
        "SELECT p.id, count(c.id) FROM res_partner p "
        "LEFT JOIN dunning_communication c ON c.partner_id = p.id "
        f"AND c.date = {RUN_DAY} WHERE p.name LIKE 'Worker customer %%' "
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
        f"WHERE trigger = 'scheduled' AND date = {RUN_DAY} GROUP BY company_id",
    )
    assert runs and all(count == 1 and states == ["done"] for _c, count, states in runs)
    # the counters of a run resumed after a kill count what it did (the
    # database's demo customers are reminded too, in both demo companies)
    counters = sql(
        project,
        db,
        "SELECT r.communication_count, r.reminded_partner_count, r.error_count, "
        "(SELECT count(*) FROM dunning_communication c WHERE c.run_id = r.id), "
        "(SELECT count(DISTINCT partner_id) FROM dunning_communication c "
        " WHERE c.run_id = r.id), "
        "r.company_id = (SELECT res_id FROM ir_model_data "
        "                 WHERE module = 'base' AND name = 'main_company') "
        "FROM dunning_run r WHERE r.trigger = 'scheduled' "
        f"AND r.date = {RUN_DAY}",
    )
    assert [row[-1] for row in counters].count(True) == 1
    for reminders, customers, errors, real_reminders, real_customers, ours in counters:
        assert (reminders, customers, errors) == (real_reminders, real_customers, 0)
        # the workers' customers are the main company's
        assert reminders >= CUSTOMERS or not ours


def assert_clean(proc):
    assert proc.wait(600) == 0, f"see {proc.log_path}"
    assert "WORKER-DONE" in proc.log_path.read_text(), f"see {proc.log_path}"
    assert error_lines(proc.log_path) == [], f"see {proc.log_path}"


def _kill_when(proc, reached, timeout=300):
    """SIGKILL the worker's process group once ``reached()`` is true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if reached() or proc.poll() is not None:
            break
        time.sleep(0.05)
    assert (
        proc.poll() is None
    ), f"the worker ended before it could be killed: {proc.log_path}"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _reminded(project, db):
    return sum(count for _partner, count in reminders_today(project, db))


@pytest.mark.parametrize(
    "moment, done_at_least",
    [("after-first-batch", 1), ("half-way", CUSTOMERS // 2)],
)
def test_killed_worker_then_rerun(project, worker_db, moment, done_at_least):
    db = worker_db
    first = shell(project, db, WORKER_SCRIPT, f"killed-{moment}")
    _kill_when(first, lambda: _reminded(project, db) >= done_at_least)
    partial = _reminded(project, db)
    assert done_at_least <= partial < CUSTOMERS
    second = shell(project, db, WORKER_SCRIPT, f"rerun-{moment}")
    assert_clean(second)
    assert_one_reminder_each_and_one_run(project, db)


def _letters(project, db):
    """[(reminder, letter state, letters attached to it)] of today's reminders."""
    return sql(
        project,
        db,
        "SELECT c.id, c.letter_state, count(a.id) FROM dunning_communication c "
        "JOIN res_partner p ON p.id = c.partner_id "
        "LEFT JOIN ir_attachment a ON a.res_model = 'dunning.communication' "
        "AND a.res_id = c.id AND a.mimetype = 'application/pdf' "
        f"WHERE c.date = {RUN_DAY} AND p.name LIKE 'Worker customer %%' "
        "GROUP BY c.id, c.letter_state ORDER BY c.id",
    )


def test_killed_letter_worker_then_rerun(project, letter_db):
    """The letter queue's worker dies while rendering: the rerun renders the
    letters left, none twice."""
    db = letter_db
    assert_clean(shell(project, db, WORKER_SCRIPT, "letter-run"))
    assert {state for _c, state, _n in _letters(project, db)} == {"pending"}
    first = shell(project, db, LETTER_WORKER_SCRIPT, "letters-killed")
    _kill_when(
        first,
        lambda: any(state == "done" for _c, state, _n in _letters(project, db)),
    )
    letters = _letters(project, db)
    assert len(letters) == LETTERS
    assert any(state == "pending" for _c, state, _n in letters), "killed too late"
    assert_clean(shell(project, db, LETTER_WORKER_SCRIPT, "letters-rerun"))
    assert _letters(project, db) == [(comm, "done", 1) for comm, _s, _n in letters]


def test_three_workers_at_once(project, worker_db):
    db = worker_db
    workers = [shell(project, db, WORKER_SCRIPT, f"worker{i}") for i in range(3)]
    for worker in workers:
        assert_clean(worker)
    assert_one_reminder_each_and_one_run(project, db)
