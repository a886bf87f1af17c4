"""Scale benchmark: the daily email run by 1 or N workers, its cost per customer.

Not a test (``tests/benchmark_*.py`` are not collected): a script that prints
figures. It runs on a SCRATCH copy of a database made by
``tests/benchmark_scale_dataset.py`` (or the shared generator's, the addon
installed); the run commits, so the copy cannot be measured twice.

    python3 tests/benchmark_scale_run.py -c ODOO.CONF -d COPY --as-of 2026-11-18 \\
        --workers 2 [--json out.json]

What it does, with the addon's public entry points only:

* set-up (committed): the "Bench email (Standard-like)" scenario of
  ``benchmark_side_by_side.py`` (every level by email only) as the company's
  default; the "dunning workers" system parameter set to ``--workers``;
* dry run, cold then warm (``_run_company(..., dry_run=True)``);
* real run: ``--workers`` processes, each playing one cron worker of Odoo: the
  first runs the daily scheduled action (``dunning.run._cron_run``) as Odoo's
  runner does (jobs of up to 10 calls in one cursor, ``cron_id`` and an
  ``ir.cron.progress`` in the context, a commit after each call) until no work is
  left; the others wait for the copies of that action the daily action creates and
  triggers (``account_dunning_advanced.cron_workers``), then run them the same way.
  The clock is frozen at AS_OF 07:00 (ticking).

Letters (``--letters N``): the letter queue instead of the email run. Set-up (not
timed): the "Bench letter (Standard-like)" scenario of ``benchmark_side_by_side.py``
(every level by letter only) as the company's default, the "dunning workers"
parameter, a manual run for the first N customers the dry run would remind
(``bypass_interval``), which queues their letters. Then ``--workers`` processes each
play one cron worker of the letter queue ("Dunning: render reminder letters", which
makes and triggers its copies, each claiming the next letters with ``SKIP
LOCKED``) until none is left. ``--serve`` starts a server on the copy (no worker,
no cron) for the letters' stylesheets, which wkhtmltopdf fetches from
``report.url``, and renders one letter first (the server builds its asset bundles on
the first request); without it letters render unstyled unless ``--report-url``
names a running server. Figures: PDF letters stored / wall time, CPU of the
workers, of their wkhtmltopdf children (``RUSAGE_CHILDREN``), of their PostgreSQL
backends and of the stylesheet server:

    python3 tests/benchmark_scale_run.py -c ODOO.CONF -d COPY --letters 400 \\
        --workers 2 --serve [--json out.json]

Figures: wall time of the real run (first worker started to last worker done),
CPU of the worker processes (user + system), CPU of their PostgreSQL backends
(``/proc/<backend pid>/stat`` of each job's connection, before and after the job:
the server must run on this machine), SQL queries of the workers' cursors, and
each per reminded customer, with the machine's load average at start and end
(2 cores shared with other processes: compare CPU figures, not wall times).
"""

import argparse
import json
import os
import re
import resource
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import odoo
from odoo import SUPERUSER_ID, api, fields
from odoo.tools import SQL

sys.path.insert(0, str(Path(__file__).parent))
from benchmark_side_by_side import (  # noqa: E402
    EMAIL_SCENARIO,
    LETTER_SCENARIO,
    bench_scenario,
    created_since,
    dataset,
    frozen,
    marks_now,
    measure,
)

WORKERS_PARAM = "account_dunning_advanced.cron_workers"
MAIN_CRON = "account_dunning_advanced.ir_cron_dunning_run"
DOCUMENTS_CRON = "account_dunning_advanced.ir_cron_dunning_documents"
LETTER_REPORT = "account_dunning_advanced.action_report_dunning_letter"
# the scheduled action each worker plays: (its xmlid, model, method)
JOBS = {
    "email": (MAIN_CRON, "dunning.run", "_cron_run"),
    "letters": (DOCUMENTS_CRON, "dunning.communication", "_cron_produce_documents"),
}
CLOCK_TICK = os.sysconf("SC_CLK_TCK")


def out(text=""):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def load():
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def monotonic():
    # not time.monotonic: freezegun patches it; this clock is the machine's, the
    # same in every worker process
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def cpu_seconds(who=resource.RUSAGE_SELF):
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def children_cpu():
    """CPU seconds of the finished child processes (wkhtmltopdf)."""
    return cpu_seconds(resource.RUSAGE_CHILDREN)


def backend_cpu(cr):
    """CPU seconds so far of the PostgreSQL backend serving ``cr``."""
    cr.execute("SELECT pg_backend_pid()")
    pid = cr.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as fh:
            parts = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(parts[11]) + int(parts[12])) / CLOCK_TICK


# ------------------------------------------------------------------ per statement
STATEMENTS = {}


def normalized(query):
    text = query.decode() if isinstance(query, bytes) else str(query)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"'[^']*'", "?", text)
    text = re.sub(r"\b\d+(\.\d+)?\b", "N", text)
    text = re.sub(r"(\(|ARRAY\[)(N|\?)(, ?(N|\?))+", r"\1N..", text)
    text = re.sub(
        r"(\((N|\?|NULL|DEFAULT)(, ?(N|\?|NULL|DEFAULT|\S+))*\), ?)+", "(..), ", text
    )
    return text[:160]


def profile_statements():
    """Time spent in each statement shape (the server's time seen from the
    client: execution + transfer), summed over the worker."""
    from odoo import sql_db

    execute = sql_db.Cursor.execute

    def timed(self, query, params=None, log_exceptions=True):
        start, cpu = monotonic(), time.thread_time()
        try:
            return execute(self, query, params, log_exceptions)
        finally:
            key = normalized(getattr(query, "code", query))
            row = STATEMENTS.setdefault(key, [0, 0.0, 0, 0.0])
            row[0] += 1
            row[1] += monotonic() - start
            row[2] += max(self._obj.rowcount, 0)
            row[3] += time.thread_time() - cpu

    sql_db.Cursor.execute = timed


# ------------------------------------------------------------------------- a worker
def worker_cron(env, role, xmlid=MAIN_CRON):
    main = env.ref(xmlid)
    if role == 0:
        return main
    Cron = env["ir.cron"].with_context(active_test=False)
    for _wait in range(6000):
        crons = Cron.search(
            [("code", "=", main.code), ("id", "!=", main.id), ("active", "=", True)],
            order="id",
        )
        if len(crons) >= role:
            return crons[role - 1]
        env.cr.rollback()
        time.sleep(0.05)
    raise SystemExit(f"worker {role}: the scheduled action created no copy")


def run_job(registry, cron_id, model="dunning.run", method="_cron_run"):
    """One job of Odoo's cron runner: up to 10 calls in one cursor."""
    done = remaining = calls = 0
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"cron_id": cron_id})
        cpu0 = backend_cpu(cr)
        cron = env["ir.cron"].browse(cron_id)
        for _call in range(10):
            cron, progress = cron._add_progress()
            cr.commit()  # pylint: disable=invalid-commit
            records = env[model].with_context(
                cron_id=cron_id,
                ir_cron_progress_id=progress.id,
                lastcall=fields.Datetime.now(),
            )
            getattr(records, method)()
            cr.commit()  # pylint: disable=invalid-commit
            calls += 1
            done += progress.done
            remaining = progress.remaining
            if not remaining or not progress.done:
                break
        pg_cpu = backend_cpu(cr) - cpu0
        queries = cr.sql_log_count
    return calls, done, remaining, pg_cpu, queries


def cmd_worker(registry, args):
    if args.statements:
        profile_statements()
    as_of = fields.Date.to_date(args.as_of)
    xmlid, model, method = JOBS[args.mode]
    cpu0, children0 = cpu_seconds(), children_cpu()
    figures = {"calls": 0, "done": 0, "pg_cpu": 0.0, "queries": 0}
    with frozen(as_of):
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            cron_id = worker_cron(env, args.role, xmlid).id
        start = monotonic()
        idle = 0
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        for _job in range(1000):
            calls, done, remaining, pg_cpu, queries = run_job(
                registry, cron_id, model, method
            )
            figures["calls"] += calls
            figures["done"] += done
            figures["pg_cpu"] += pg_cpu
            figures["queries"] += queries
            if not remaining:
                break
            if args.max_seconds and monotonic() - start > args.max_seconds:
                break  # a sample of the run (the biggest databases)
            idle = 0 if done else idle + 1
            if idle >= 3:
                break  # the others hold what is left
            if not done:
                time.sleep(0.2)
    figures.update(start=start, end=monotonic(), seconds=monotonic() - start)
    if args.profile:
        profiler.disable()
        profiler.dump_stats(args.profile)
    if args.statements:
        top = sorted(STATEMENTS.items(), key=lambda kv: -kv[1][1])[: args.statements]
        figures["statements"] = [
            {
                "calls": c,
                "ms": round(t * 1000, 1),
                "rows": r,
                "sql": k,
                "client_cpu_ms": round(u * 1000, 1),
            }
            for k, (c, t, r, u) in top
        ]
    figures["cpu"] = cpu_seconds() - cpu0
    figures["children_cpu"] = children_cpu() - children0
    out("WORKER " + json.dumps(figures))


# ---------------------------------------------------------------------- the measure
def cmd_measure(registry, args):
    as_of = fields.Date.to_date(args.as_of)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env.company
        figures = {"workers": args.workers, **dataset(env, company, as_of)}
        out(
            f"== {env.cr.dbname}, as of {as_of}: {figures['customers']} customers, "
            f"{figures['open_items']} open items ({figures['open_items_due']} due), "
            f"{args.workers} worker(s); load {load()}"
        )
        bench_scenario(env, company, EMAIL_SCENARIO, "channel_email")
        env["ir.config_parameter"].set_param(WORKERS_PARAM, str(args.workers))
        cr.commit()  # pylint: disable=invalid-commit
        Run = env["dunning.run"].with_company(company)
        for key in ("dry_run", "dry_run_warm"):
            _plan, figures[key] = measure(
                env,
                key,
                lambda: Run._run_company(company, as_of, "preview", dry_run=True),
            )
            cr.commit()  # pylint: disable=invalid-commit
        marks = marks_now(env)
    figures["load_start"] = load()
    workers, seconds = run_workers(args, "email")
    figures["load_end"] = load()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        real = created_since(env, marks)
    customers = real["customers_reminded"] or 1
    real.update(
        seconds=round(seconds, 2),
        cpu=round(sum(w["cpu"] for w in workers), 2),
        pg_cpu=round(sum(w["pg_cpu"] for w in workers), 2),
        queries=sum(w["queries"] for w in workers),
        per_worker=workers,
    )
    real["customers_per_s"] = round(customers / seconds, 1)
    real["ms_cpu_per_customer"] = round(1000 * real["cpu"] / customers, 2)
    real["ms_pg_per_customer"] = round(1000 * real["pg_cpu"] / customers, 2)
    real["queries_per_customer"] = round(real["queries"] / customers, 2)
    figures["real_run"] = real
    out(
        f"  real run, {args.workers} worker(s): {real['reminders']} reminders to "
        f"{real['customers_reminded']} customers in {seconds:.1f} s "
        f"({real['customers_per_s']}/s); Odoo CPU {real['cpu']} s "
        f"({real['ms_cpu_per_customer']} ms/customer), PostgreSQL backends "
        f"{real['pg_cpu']} s ({real['ms_pg_per_customer']} ms/customer), "
        f"{real['queries']} queries ({real['queries_per_customer']}/customer); "
        f"per worker: "
        + ", ".join(f"{w['done']} customers, {w['cpu']:.1f} s CPU" for w in workers)
        + f"; load {figures['load_start']} -> {figures['load_end']}"
    )
    for number, worker in enumerate(workers):
        for row in worker.get("statements", ()):
            out(
                f"  w{number} {row['ms']:9.1f} ms {row['calls']:6d} calls "
                f"{row['ms'] / row['calls']:7.2f} ms/call {row['rows']:8d} rows "
                f"(Odoo CPU {row['client_cpu_ms']:.0f} ms)  "
                f"{row['sql']}"
            )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(figures, fh, indent=1, default=str)


def run_workers(args, mode):
    """Start ``args.workers`` worker processes playing the scheduled action of
    ``mode`` and its copies; (their figures, seconds from the first one's first
    job to the last one's end: not the processes' start-up)."""
    base = [sys.executable, __file__, "-c", args.config, "-d", args.database]
    procs = [
        subprocess.Popen(
            [
                *base,
                "worker",
                "--as-of",
                args.as_of,
                "--role",
                str(role),
                "--mode",
                mode,
                "--statements",
                str(args.statements),
                *(["--profile", f"{args.profile}.{role}"] if args.profile else []),
            ],  # fmt: skip
            stdout=subprocess.PIPE,
            text=True,
        )
        for role in range(args.workers)
    ]
    workers = []
    for proc in procs:
        text, _err = proc.communicate()
        line = [x for x in text.splitlines() if x.startswith("WORKER ")]
        if proc.returncode or not line:
            raise SystemExit(f"a worker failed (exit {proc.returncode}):\n{text}")
        workers.append(json.loads(line[-1][7:]))
    seconds = max(w["end"] for w in workers) - min(w["start"] for w in workers)
    return workers, seconds


# --------------------------------------------------------------------------- letters
def serve(args):
    """An HTTP server on the copy (no worker, no cron) from which wkhtmltopdf
    fetches the letters' stylesheets, as in production; (process, its URL)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "odoo",
            "server",
            "-c",
            args.config,
            "-d",
            args.database,
            f"--db-filter=^{args.database}$",
            f"--http-port={port}",
            "--workers=0",
            "--max-cron-threads=0",
            "--log-level=warn",
        ],  # fmt: skip
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _wait in range(600):
        try:
            urllib.request.urlopen(url + "/web/health", timeout=5)
            return proc, url
        except urllib.error.HTTPError:
            return proc, url  # it answers
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("the server for the letters' stylesheets did not start")


def process_cpu(pid):
    try:
        with open(f"/proc/{pid}/stat") as fh:
            parts = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(parts[11]) + int(parts[12])) / CLOCK_TICK


def cmd_letters(registry, args):
    """The letter queue by ``--workers`` processes, each playing one cron worker
    of the document queue (its scheduled action or one of the copies it makes,
    ``account_dunning_advanced.cron_workers``), for the letters of
    ``--letters`` reminded customers created beforehand by a manual run."""
    as_of = fields.Date.to_date(args.as_of)
    server, url = serve(args) if args.serve else (None, args.report_url)
    try:
        with registry.cursor() as cr, frozen(as_of):
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.company
            out(
                f"== {cr.dbname}, as of {as_of}: letters of {args.letters} customers"
                f", {args.workers} worker(s), stylesheets from {url or '(none)'}"
                f"; load {load()}"
            )
            bench_scenario(env, company, LETTER_SCENARIO, "channel_letter")
            env["ir.config_parameter"].set_param(WORKERS_PARAM, str(args.workers))
            if url:
                env["ir.config_parameter"].set_param("report.url", url)
            Run = env["dunning.run"].with_company(company)
            plan = Run._run_company(
                company, as_of, "preview", dry_run=True, bypass_interval=True
            )
            partners = sorted({c["partner_id"] for c in plan["communications"]})
            partners = partners[: args.letters]
            cr.commit()  # pylint: disable=invalid-commit
            marks = marks_now(env)
            start = monotonic()
            Run._run_company(
                company, as_of, "manual", False, partners, bypass_interval=True
            )
            cr.commit()  # pylint: disable=invalid-commit
            queued = env["dunning.dispatch"]._pending_count()
            out(
                f"  {queued} letters queued by a manual run for {len(partners)} "
                f"customers in {monotonic() - start:.1f} s (not counted)"
            )
            if url and queued:
                # the server builds its asset bundles on their first request
                report = env.ref(
                    "account_dunning_advanced.action_report_dunning_letter"
                )
                pending = env["dunning.dispatch"]._lock_pending(1, [])
                env["ir.actions.report"]._render_qweb_pdf(report, pending.ids)
                cr.rollback()
        server_cpu0 = process_cpu(server.pid) if server else 0.0
        load_start = load()
        workers, seconds = run_workers(args, "letters")
        server_cpu = process_cpu(server.pid) - server_cpu0 if server else 0.0
    finally:
        if server:
            server.terminate()
            server.wait()
    with registry.cursor() as cr:
        cr.execute(
            SQL(
                """SELECT count(*) FILTER (WHERE a.mimetype = 'application/pdf'),
                          count(*)
                     FROM ir_attachment a JOIN dunning_communication c
                       ON a.res_model = 'dunning.communication' AND a.res_id = c.id
                    WHERE a.id > %s AND c.id > %s""",
                marks["ir_attachment"],
                marks["dunning_communication"],
            )
        )
        pdfs, documents = cr.fetchone()
        env = api.Environment(cr, SUPERUSER_ID, {})
        left = env["dunning.dispatch"]._pending_count()
    cpu = sum(w["cpu"] for w in workers)
    children = sum(w["children_cpu"] for w in workers)
    pg_cpu = sum(w["pg_cpu"] for w in workers)
    per = 1000 / (pdfs or 1)
    figures = {
        "workers": args.workers,
        "letters": pdfs,
        "documents": documents,
        "left": left,
        "seconds": round(seconds, 2),
        "letters_per_s": round(pdfs / seconds, 2),
        "cpu": round(cpu, 2),
        "wkhtmltopdf_cpu": round(children, 2),
        "pg_cpu": round(pg_cpu, 2),
        "server_cpu": round(server_cpu, 2),
        "queries": sum(w["queries"] for w in workers),
        "load_start": load_start,
        "load_end": load(),
        "per_worker": workers,
    }
    out(
        f"  {args.workers} worker(s): {pdfs} PDF letters ({documents} documents, "
        f"{left} left) in {seconds:.1f} s = {figures['letters_per_s']} letters/s; "
        f"CPU: workers {cpu:.1f} s ({cpu * per:.0f} ms/letter), their wkhtmltopdf "
        f"{children:.1f} s ({children * per:.0f} ms/letter), PostgreSQL backends "
        f"{pg_cpu:.1f} s, stylesheet server {server_cpu:.1f} s; "
        f"{figures['queries']} queries; per worker: "
        + ", ".join(
            f"{w['done']} letters, {w['calls']} calls, {w['cpu']:.1f} + "
            f"{w['children_cpu']:.1f} s CPU"
            for w in workers
        )
        + f"; load {load_start} -> {figures['load_end']}"
    )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(figures, fh, indent=1, default=str)


def cmd_explain(registry, args):
    """EXPLAIN ANALYZE of every statement of the open-item selection, for the
    whole company (the dry run, the planning) and for one batch of customers
    (what each batch of the run selects again), in a rolled back transaction."""
    from odoo import sql_db

    as_of = fields.Date.to_date(args.as_of)
    execute = sql_db.Cursor.execute
    plans = []

    def explained(self, query, params=None, log_exceptions=True):
        if isinstance(query, SQL):
            text, explain = query.code, SQL("EXPLAIN (ANALYZE, BUFFERS) %s", query)
        else:
            text = query
            explain = SQL("EXPLAIN (ANALYZE, BUFFERS) " + query, *(params or ()))
        if text.lstrip().upper().startswith("SELECT"):
            execute(self, explain)
            plans.append([row[0] for row in self._obj.fetchall()])
        return execute(self, query, params, log_exceptions)

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env.company
        planner = env["dunning.planner"].with_context(dunning_holidays={})
        cr.execute(
            "SELECT id FROM res_partner WHERE ref LIKE 'BENCH-%%' ORDER BY id LIMIT %s",
            [company.dunning_batch_size],
        )
        batch = [row[0] for row in cr.fetchall()]
        env.flush_all()
        sql_db.Cursor.execute = explained
        try:
            for label, partner_ids in (("company", None), ("batch", batch)):
                plans.clear()
                planner._select_open_items(company, as_of, partner_ids)
                for plan in plans:
                    out(f"---- {label}: {plan[-1]}")
                    for line in plan:
                        out("  " + line)
        finally:
            sql_db.Cursor.execute = execute
            cr.rollback()


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n", 2)[2],
    )
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("explain", help="EXPLAIN ANALYZE of the open-item selection")
    worker = sub.add_parser("worker", help="(internal) one cron worker")
    worker.add_argument("--as-of", required=True)
    worker.add_argument("--role", type=int, required=True)
    worker.add_argument("--statements", type=int, default=0)
    worker.add_argument("--mode", choices=tuple(JOBS), default="email")
    worker.add_argument("--max-seconds", type=float, default=0)
    worker.add_argument("--profile")
    parser.add_argument("--as-of", default="2026-11-18")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--json")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=0,
        help="stop each worker after its job that passed this many seconds: a sample"
        " of the run (its planning included) on the biggest databases",
    )
    parser.add_argument(
        "--statements", type=int, default=0, help="print the N costliest statements"
    )
    parser.add_argument(
        "--profile",
        help="cProfile each worker's run into PROFILE.<worker> (pstats files)",
    )
    parser.add_argument(
        "--letters",
        type=int,
        default=0,
        help="instead of the email run: the letter queue, for the letters of N"
        " customers (a letter-only scenario, a manual run queues them first)",
    )
    parser.add_argument(
        "--serve",
        action="store_true",
        help="with --letters: start a server on the copy for the letters'"
        " stylesheets (wkhtmltopdf fetches them from report.url)",
    )
    parser.add_argument("--report-url", help="with --letters: a running server's URL")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    odoo.modules.module.current_test = False
    registry = odoo.modules.registry.Registry(args.database)
    if args.command == "worker":
        cmd_worker(registry, args)
    elif args.command == "explain":
        cmd_explain(registry, args)
    elif args.letters:
        cmd_letters(registry, args)
    else:
        cmd_measure(registry, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
