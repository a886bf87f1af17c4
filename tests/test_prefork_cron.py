"""The daily run finishes on a prefork server, as companies run Odoo.

A real ``--workers=2 --max-cron-threads=1`` server, whose cron worker is killed after
``--limit-time-real-cron=120`` seconds (Odoo's default; the worker's idle sleep of up
to 70 s counts against it, so a lower limit kills idle workers), runs the scheduled
action on a database where 150 customers owe the formal letter of the "Standard"
scenario today. The run must remind each of them once, the letter queue must render
each letter, and the day must have one finished run per company.
"""

import contextlib
import logging
import shutil
import subprocess
import time

import pytest
from devenv import ADDON, CACHE, error_lines, free_port, stop_process

LOGGER = logging.getLogger(__name__)

CUSTOMERS = 150
WAIT_SECONDS = 600

# Odoo shell script: 150 customers with an invoice 20 days late, reminded at the
# friendly level 10 days ago; today they owe the formal letter (email + letter).
SETUP_SCRIPT = """
from datetime import timedelta
from odoo import Command, fields

company = env.ref("base.main_company")
standard = env.ref("account_dunning_advanced.dunning_scenario_standard")
standard.business_days_only = False
# the invoice PDFs an email attaches are rendered one wkhtmltopdf call each, as Odoo
# renders invoices: left out here, this test is about the letters
formal = env.ref("account_dunning_advanced.dunning_level_standard_formal")
formal.attach_invoices = False
company.dunning_scenario_id = standard
today = fields.Date.context_today(env["dunning.run"].with_company(company))
france = env.ref("base.fr")
partners = env["res.partner"].create([
    {
        "name": f"Prefork customer {i:03d}",
        "is_company": True,
        "email": f"prefork{i:03d}@example.com",
        "street": f"{i} rue de la Paix",
        "zip": "75002",
        "city": "Paris",
        "country_id": france.id,
    }
    for i in range({customers})
])
moves = env["account.move"].with_company(company).create([
    {
        "move_type": "out_invoice",
        "partner_id": partner.id,
        "company_id": company.id,
        "invoice_date": today - timedelta(days=50),
        "invoice_date_due": today - timedelta(days=20),
        "invoice_line_ids": [
            Command.create({"name": "Consulting", "quantity": 1, "price_unit": 1000.0,
                            "tax_ids": []})
        ],
    }
    for partner in partners
])
moves.action_post()
env["dunning.run"]._run_company(
    company, today - timedelta(days=10), "manual", False, partner_ids=partners.ids
)
env["ir.config_parameter"].set_param("report.url", "{url}")
env.cr.commit()
print("PREFORK-TODAY", today.isoformat())
"""


@pytest.fixture(scope="module")
def prefork_db(installed_db, db_copy):
    return db_copy(installed_db, "prefork")


def sql(project, db, query, params=()):
    return project.pg.sql(query, params, dbname=db)


def test_daily_run_finishes_on_prefork_server(project, prefork_db):
    assert shutil.which("wkhtmltopdf"), "wkhtmltopdf is needed for the letters' PDFs"
    db = prefork_db
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    script = SETUP_SCRIPT.replace("{customers}", str(CUSTOMERS)).replace("{url}", url)
    shell = subprocess.run(
        project.odoo_cmd("shell", "-c", str(project.conf), "-d", db, "--no-http"),
        input=script,
        capture_output=True,
        text=True,
        cwd=CACHE,
        timeout=600,
        check=False,
    )
    assert "PREFORK-TODAY" in shell.stdout, shell.stderr[-3000:]
    today = shell.stdout.split("PREFORK-TODAY", 1)[1].split()[0]
    query = "SELECT id FROM res_partner WHERE name LIKE 'Prefork customer %%'"
    customers = [row[0] for row in sql(project, db, query)]
    assert len(customers) == CUSTOMERS
    # only the two dunning jobs run: no SMTP server here, and nothing else to wait for
    crons = dict(
        sql(
            project,
            db,
            "SELECT d.name, d.res_id FROM ir_model_data d WHERE d.module = %s "
            "AND d.name IN ('ir_cron_dunning_run', 'ir_cron_dunning_documents')",
            (ADDON,),
        )
    )
    sql(
        project,
        db,
        "UPDATE ir_cron SET active = (id = ANY(%s)), "
        "nextcall = now() at time zone 'UTC' + interval '1 day'",
        (list(crons.values()),),
    )

    log = project.logs / "prefork-server.log"
    # a script, not ``python -m odoo``: the prefork server starts its longpolling
    # process by running its own argv[0] again
    launcher = project.logs / "odoo-launcher.py"
    launcher.write_text("import odoo.cli\n\nodoo.cli.main()\n")
    cmd = [
        project.python, str(launcher),
        "-c", str(project.conf), "-d", db, f"--db-filter=^{db}$",
        "--workers=2", "--max-cron-threads=1", "--limit-time-real-cron=120",
        "--http-interface=127.0.0.1", f"--http-port={port}",
        f"--gevent-port={free_port(port + 1)}", f"--logfile={log}",
    ]  # fmt: skip
    server = subprocess.Popen(
        cmd,
        cwd=CACHE,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_server(url, server)
        started = time.time()
        sql(
            project,
            db,
            "UPDATE ir_cron SET nextcall = now() at time zone 'UTC' WHERE id = %s",
            (crons["ir_cron_dunning_run"],),
        )
        # cron workers listen on the "postgres" database, as Odoo's _notifydb sends
        sql(project, "postgres", "SELECT pg_notify('cron_trigger', %s)", (db,))
        run_done = None
        while time.time() - started < WAIT_SECONDS:
            time.sleep(5)
            running, pending = sql(
                project,
                db,
                """
                SELECT (SELECT count(*) FROM dunning_run
                         WHERE trigger = 'scheduled' AND date = %s
                           AND state = 'done'),
                       (SELECT count(*) FROM dunning_communication
                         WHERE letter_state = 'pending'
                            OR (email_state = 'pending' AND mail_id IS NULL))
                """,
                (today,),
            )[0]
            if running and run_done is None:
                run_done = time.time() - started
            if running and not pending:
                break
        elapsed = time.time() - started
    finally:
        stop_process(server)

    companies = sql(project, db, "SELECT count(*) FROM res_company")[0][0]
    runs = sql(
        project,
        db,
        "SELECT company_id, count(*), array_agg(state) FROM dunning_run "
        "WHERE trigger = 'scheduled' AND date = %s GROUP BY company_id",
        (today,),
    )
    assert len(runs) == companies, runs
    assert all(count == 1 and states == ["done"] for _c, count, states in runs), runs
    assert not sql(project, db, "SELECT id FROM dunning_run WHERE state = 'running'")
    reminders = sql(
        project,
        db,
        """
        SELECT c.partner_id, count(*), array_agg(lv.tone), array_agg(c.letter_state),
               array_agg(a.mimetype)
          FROM dunning_communication c
          JOIN dunning_level lv ON lv.id = c.level_id
          LEFT JOIN ir_attachment a ON a.id = c.letter_attachment_id
         WHERE c.partner_id = ANY(%s) AND c.date = %s
         GROUP BY c.partner_id
        """,
        (customers, today),
    )
    assert len(reminders) == CUSTOMERS, f"{len(reminders)} customers reminded today"
    for _partner, count, tones, letter_states, mimetypes in reminders:
        assert count == 1
        assert tones == ["formal"]
        assert letter_states == ["done"]
        assert mimetypes == ["application/pdf"]
    # no cron worker was killed, and no job given up
    timed_out = [
        line
        for line in error_lines(log)
        if ("WorkerCron" in line and "timeout" in line)
        or ("Job" in line and "timed out" in line)
    ]
    assert not timed_out, timed_out
    letters_span = sql(
        project,
        db,
        "SELECT extract(epoch FROM max(a.create_date) - min(a.create_date)) "
        "FROM dunning_communication c JOIN ir_attachment a "
        "ON a.id = c.letter_attachment_id WHERE c.partner_id = ANY(%s) AND c.date = %s",
        (customers, today),
    )[0][0]
    LOGGER.info(
        f"\nprefork: run done after {run_done:.0f}s, everything after {elapsed:.0f}s; "
        f"{CUSTOMERS} letters rendered within {float(letters_span):.0f}s "
        f"({CUSTOMERS / max(float(letters_span), 1):.1f} letters/s)"
    )


def wait_for_server(url, server, timeout=180):
    import urllib.request

    deadline = time.time() + timeout
    while time.time() < deadline:
        assert server.poll() is None, f"the server stopped (exit {server.returncode})"
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"{url}/web/login", timeout=5) as response:
                if response.status == 200:
                    return
        time.sleep(1)
    pytest.fail(f"{url} did not answer within {timeout}s")
