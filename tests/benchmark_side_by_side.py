"""Side-by-side benchmark: this addon, its 18.0.1.0.0 release and OCA credit_control.

Not a test (``tests/benchmark_*.py`` are not collected): a script that prints figures.
It runs on a SCRATCH copy of a database filled by the shared generator
(``/work/shared/bench/gen_dataset.py``: customers ``BENCH-*``, invoices due around
AS_OF) where the addon is installed. The real run commits (that is what it measures),
so the copy cannot be measured twice.

    # 1. measure the addon (writes figures to a JSON file)
    python3 tests/benchmark_side_by_side.py -c ODOO.CONF -d DB measure \\
        --as-of 2026-11-18 --label current --json /tmp/current_1k.json \\
        [--entry run_company|cron] [--letters 20] [--report-url http://127.0.0.1:PORT]

    # 2. print the side-by-side table (any number of scales and columns)
    python3 tests/benchmark_side_by_side.py table \\
        --cc 1k=peer_cc_1k.log --v1 1k=v1_1k.json --new 1k=current_1k.json \\
        --cc 5k=peer_cc_5k.log --v1 5k=v1_5k.json --new 5k=current_5k.json

``measure`` also prints the table for its own scale when given ``--cc LOG`` (the output
of ``/work/shared/bench/peer_cc.py`` on a copy of the same data) and ``--baseline JSON``
(the figures of 18.0.1.0.0, measured with this script on another copy).

What ``measure`` does, with the addon's public entry points only:

* set-up (committed): a scenario "Bench email (Standard-like)" copied from the
  Standard scenario, every level sent by email only (no letter, SMS, call, approval or
  attached invoice PDF), made the company's default: the generated customers have no
  typology, so the company's default scenario applies to all of them;
* dry run: ``dunning.run._run_company(company, AS_OF, "preview", dry_run=True)``,
  twice (cold, then warm caches);
* real run, with ``--entry run_company`` (default):
  ``dunning.run._run_company(company, AS_OF, "scheduled", dry_run=False)``; with
  ``--entry cron``: the scheduled action ``dunning.run._cron_run()`` called again and
  again, as Odoo's cron runner does (an ``ir.cron.progress`` in the context, a commit
  after each call), until it reports no remaining work, the clock frozen at AS_OF;
  ``--cron-methods _cron_run,_cron_other`` runs more scheduled methods of the addon
  (on the model of the ``ir.cron`` calling them) in turn, each until done;
* letters (``--letters N``, 0 to skip): the company's scenario switched to a copy of
  Standard sending letters only, then a manual run for N reminded customers
  (``bypass_interval``), then any letter queue cron of the addon until it is empty;
  letters per second = PDF letters stored / wall time. wkhtmltopdf fetches the letter's
  stylesheets from ``report.url``: give ``--report-url`` of a running server on the
  database (``odoo server --workers=0 --max-cron-threads=0``), or the letters render
  unstyled.

Each phase reports wall time, the script's CPU time (less sensitive to the other
processes of a busy machine), SQL queries of the script's cursor
(``cr.sql_log_count``), queries per reminded customer, and the process peak RSS
(``getrusage``: the process peak so far) with the RSS before/after.
``odoo.modules.module.current_test`` is false, so the addon commits as in production.
Run one heavy thing at a time: the machine's noise moves absolute times, compare
ratios measured in the same session.
"""

import argparse
import json
import re
import resource
import sys
import time
from datetime import datetime, timedelta

import odoo
from odoo import SUPERUSER_ID, api, fields
from odoo.tools import SQL

EMAIL_SCENARIO = "Bench email (Standard-like)"
LETTER_SCENARIO = "Bench letter (Standard-like)"
STANDARD_XMLID = "account_dunning_advanced.dunning_scenario_standard"
CHANNELS = ("channel_email", "channel_letter", "channel_sms", "channel_call")
LEVEL_OFF = ("needs_approval", "manager_activity", "attach_invoices")
LEVEL_OFF += ("post_penalty_invoice", "set_litigation", "stop_reminders")
MAX_CRON_CALLS = 1000


def out(text=""):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def now():
    # not time.perf_counter: freezegun (cron entry) patches it
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds():
    """CPU time of this process (PostgreSQL's is not counted): less sensitive than
    wall time to the other processes of a busy machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def commit(env):
    env.cr.commit()  # pylint: disable=invalid-commit


# ----------------------------------------------------------------------------- set-up
def bench_scenario(env, company, name, channel):
    """A copy of Standard (or the company's scenario) sending by ``channel`` only."""
    Scenario = env["dunning.scenario"].with_context(active_test=False)
    scenario = Scenario.search([("name", "=", name)], limit=1)
    if not scenario:
        source = env.ref(STANDARD_XMLID, raise_if_not_found=False)
        source = source or company.dunning_scenario_id
        scenario = source.copy({"name": name})
        if not scenario.level_ids and source.level_ids:
            for level in source.level_ids:
                level.copy({"scenario_id": scenario.id})
    Level = env["dunning.level"]
    values = {f: f == channel for f in CHANNELS if f in Level._fields}
    values.update({f: False for f in LEVEL_OFF if f in Level._fields})
    scenario.level_ids.write(values)
    if scenario.company_id and scenario.company_id != company:
        scenario.company_id = company
    company.dunning_scenario_id = scenario
    return scenario


def describe_scenario(scenario):
    levels = []
    for level in scenario.level_ids:
        chans = [f[8:] for f in CHANNELS if f in level._fields and level[f]]
        offset = level.offset_days if "offset_days" in level._fields else "?"
        levels.append(f"{level.name} ({offset:+}d, {'/'.join(chans) or '-'})")
    return f"{scenario.name}: " + ", ".join(levels)


def dataset(env, company, as_of):
    env.cr.execute(
        SQL(
            """
SELECT count(*) FILTER (WHERE NOT l.reconciled),
       count(*) FILTER (WHERE NOT l.reconciled AND l.date_maturity <= %s),
       count(DISTINCT l.partner_id) FILTER (WHERE NOT l.reconciled)
  FROM account_move_line l JOIN account_account a ON a.id = l.account_id
 WHERE a.account_type = 'asset_receivable' AND l.parent_state = 'posted'
   AND l.company_id = %s AND l.debit > 0""",
            as_of,
            company.id,
        )
    )
    open_items, due_items, open_customers = env.cr.fetchone()
    customers = env["res.partner"].search_count([("ref", "=like", "BENCH-%")])
    return {
        "customers": customers,
        "open_items": open_items,
        "open_items_due": due_items,
        "customers_with_open_items": open_customers,
    }


# ---------------------------------------------------------------------------- measure
def measure(env, label, function):
    env.invalidate_all()
    cr = env.cr
    queries0, rss0, cpu0 = cr.sql_log_count, rss_mb(), cpu_seconds()
    start = now()
    result = function()
    seconds = now() - start
    figures = {
        "seconds": round(seconds, 3),
        "cpu": round(cpu_seconds() - cpu0, 2),
        "queries": cr.sql_log_count - queries0,
        "rss_before": round(rss0),
        "rss_after": round(rss_mb()),
        "peak_rss": round(peak_mb()),
    }
    out(
        f"  {label}: {seconds:.2f} s (CPU {figures['cpu']:.2f} s), "
        f"{figures['queries']} queries, RSS "
        f"{figures['rss_before']}->{figures['rss_after']} MB, "
        f"peak {figures['peak_rss']} MB"
    )
    return result, figures


def plan_customers(plan):
    """(customers, reminders, items) of a dry run's result, whatever its shape."""
    if isinstance(plan, dict) and "communications" in plan:
        comms = plan["communications"]
        items = sum(len(c.get("lines", ())) for c in comms)
        return len({c["partner_id"] for c in comms}), len(comms), items
    if hasattr(plan, "_name") and "partner_id" in plan._fields:
        return len(plan.partner_id), len(plan), 0
    return None, len(plan or ()), 0


def max_id(env, table):
    env.cr.execute(SQL("SELECT COALESCE(max(id), 0) FROM %s", SQL.identifier(table)))
    return env.cr.fetchone()[0]


def created_since(env, marks):
    """Reminders, reminded customers, queued emails created after ``marks``."""
    env.flush_all()
    env.cr.execute(
        SQL(
            """
SELECT (SELECT count(*) FROM dunning_communication WHERE id > %(c)s),
       (SELECT count(DISTINCT partner_id) FROM dunning_communication WHERE id > %(c)s),
       (SELECT count(*) FROM mail_mail WHERE id > %(m)s),
       (SELECT count(*) FROM mail_message WHERE id > %(g)s)""",
            c=marks["dunning_communication"],
            m=marks["mail_mail"],
            g=marks["mail_message"],
        )
    )
    comms, customers, mails, messages = env.cr.fetchone()
    env.cr.execute(
        SQL(
            "SELECT state, count(*) FROM mail_mail WHERE id > %s GROUP BY state",
            marks["mail_mail"],
        )
    )
    return {
        "reminders": comms,
        "customers_reminded": customers,
        "mails_queued": mails,
        "mail_states": dict(env.cr.fetchall()),
        "messages": messages,
    }


def marks_now(env):
    tables = ("dunning_communication", "mail_mail", "mail_message", "ir_attachment")
    return {table: max_id(env, table) for table in tables}


def frozen(as_of):
    from freezegun import freeze_time

    return freeze_time(
        datetime.combine(as_of, datetime.min.time()) + timedelta(hours=7)
    )


def dunning_crons(env, method):
    return (
        env["ir.cron"]
        .with_context(active_test=False)
        .search([("model_id.model", "like", "dunning.%")])
        .filtered(lambda c: method in (c.code or ""))
    )


def run_cron_until_done(env, model, method):
    """Call ``model.method()`` as Odoo's cron runner does, until no work remains.
    Returns the number of calls."""
    cron = dunning_crons(env, method)[:1]
    calls = 0
    while calls < MAX_CRON_CALLS:
        context = {"lastcall": fields.Datetime.now()}
        progress = env["ir.cron.progress"]
        if cron:
            progress = progress.create({"cron_id": cron.id, "remaining": 0, "done": 0})
            context.update(cron_id=cron.id, ir_cron_progress_id=progress.id)
        commit(env)
        getattr(env[model].with_context(**context), method)()
        commit(env)
        calls += 1
        if not progress or not progress.remaining or not progress.done:
            break
    return calls


def real_run(env, company, as_of, entry, cron_methods):
    Run = env["dunning.run"].with_company(company)
    if entry == "cron":
        calls = {}
        with frozen(as_of):
            for method in cron_methods:
                cron = dunning_crons(env, method)[:1]
                model = cron.model_id.model or "dunning.run"
                calls[method] = run_cron_until_done(env, model, method)
        return {"cron_calls": calls}
    run = Run._run_company(company, as_of, "scheduled", dry_run=False)
    commit(env)
    return {"run": run.name if run else None}


def letter_queue_methods(env):
    """(model, method) of the addon's letter queue crons, if it has one."""
    result = []
    crons = env["ir.cron"].search([("model_id.model", "like", "dunning.%")])
    for cron in crons:
        match = re.search(r"model\.(_cron\w*)\(", cron.code or "")
        words = (match[1] + (cron.cron_name or "")).lower() if match else ""
        if any(word in words for word in ("letter", "print", "pdf")):
            result.append((cron.model_id.model, match[1]))
    return result


def letters(env, company, as_of, count, report_url, reminded_customers):
    """Render ``count`` letters through the addon; (figures, letters per second)."""
    if report_url:
        env["ir.config_parameter"].set_param("report.url", report_url)
    scenario = bench_scenario(env, company, LETTER_SCENARIO, "channel_letter")
    commit(env)
    out(f"  letter scenario: {describe_scenario(scenario)}")
    partner_ids = reminded_customers[:count]
    marks = marks_now(env)
    Run = env["dunning.run"].with_company(company)

    def render():
        Run._run_company(
            company,
            as_of,
            "manual",
            False,
            partner_ids=partner_ids,
            bypass_interval=True,
        )
        commit(env)
        for model, method in letter_queue_methods(env):
            with frozen(as_of):
                run_cron_until_done(env, model, method)

    _result, figures = measure(env, f"letters for {len(partner_ids)} customers", render)
    env.cr.execute(
        SQL(
            """
SELECT count(*) FILTER (WHERE a.mimetype = 'application/pdf'), count(*)
  FROM ir_attachment a JOIN dunning_communication c
    ON a.res_model = 'dunning.communication' AND a.res_id = c.id
 WHERE a.id > %s AND c.id > %s""",
            marks["ir_attachment"],
            marks["dunning_communication"],
        )
    )
    pdfs, documents = env.cr.fetchone()
    figures.update(pdf_letters=pdfs, documents=documents)
    figures["letters_per_s"] = round(pdfs / figures["seconds"], 2) if pdfs else 0
    out(
        f"  letters: {pdfs} PDF ({documents} documents) in {figures['seconds']:.1f} s"
        f" = {figures['letters_per_s']} letters/s"
    )
    return figures


def reminded_partner_ids(env, marks):
    env.cr.execute(
        SQL(
            "SELECT DISTINCT partner_id FROM dunning_communication WHERE id > %s "
            "ORDER BY partner_id",
            marks["dunning_communication"],
        )
    )
    return [row[0] for row in env.cr.fetchall()]


def cmd_measure(env, args):
    company = env.company
    as_of = fields.Date.to_date(args.as_of)
    module = env["ir.module.module"].search([("name", "=", "account_dunning_advanced")])
    figures = {
        "label": args.label,
        "as_of": str(as_of),
        "addon_version": module.latest_version,
        "entry": args.entry,
        **dataset(env, company, as_of),
    }
    out(
        f"== {args.label}: account_dunning_advanced {module.latest_version} on "
        f"{env.cr.dbname}, as of {as_of}: {figures['customers']} customers, "
        f"{figures['open_items']} open items ({figures['open_items_due']} due)"
    )
    scenario = bench_scenario(env, company, EMAIL_SCENARIO, "channel_email")
    commit(env)
    out(f"  scenario: {describe_scenario(scenario)}")
    Run = env["dunning.run"].with_company(company)
    for key in ("dry_run", "dry_run_warm"):
        plan, figures[key] = measure(
            env, key, lambda: Run._run_company(company, as_of, "preview", dry_run=True)
        )
        commit(env)
    customers, reminders, items = plan_customers(plan)
    figures["dry_run"].update(customers=customers, reminders=reminders, items=items)
    out(
        f"  dry run plans {reminders} reminders to {customers} customers, {items} items"
    )
    marks = marks_now(env)
    result, figures["real_run"] = measure(
        env,
        f"real run ({args.entry})",
        lambda: real_run(env, company, as_of, args.entry, args.cron_methods.split(",")),
    )
    real = figures["real_run"]
    real.update(result)
    real.update(created_since(env, marks))
    real["customers_per_s"] = round(real["customers_reminded"] / real["seconds"], 1)
    out(
        f"  real run: {real['reminders']} reminders to {real['customers_reminded']} "
        f"customers, {real['mails_queued']} emails {real['mail_states']}, "
        f"{real['customers_per_s']} customers/s"
    )
    if args.letters:
        reminded = reminded_partner_ids(env, marks)
        figures["letters"] = letters(
            env, company, as_of, args.letters, args.report_url, reminded
        )
    return figures


# ------------------------------------------------------------------------------ table
CC_RESULT = re.compile(
    r"RESULT (\w+): ([\d.]+) s \| (\d+) queries \| [\d.]+ queries/customer \| "
    r"peak RSS (\d+) MB"
)
CC_SCALE = re.compile(r"RESULT scale: customers with lines=(\d+) lines=(\d+)")
CC_MAILS = re.compile(r"mail\.mail queued=(\d+) mail\.message created \S+=(\d+)")


def read_cc(path):
    """credit_control's figures from the output of peer_cc.py (all its phases)."""
    text = open(path).read()
    scale = CC_SCALE.search(text)
    phases = CC_RESULT.findall(text)
    if not scale or not phases:
        raise SystemExit(f"{path}: no RESULT lines of peer_cc.py")
    customers = int(scale[1])
    mails = CC_MAILS.search(text)
    seconds = sum(float(p[1]) for p in phases)
    return {
        "label": "credit_control",
        "real_run": {
            "seconds": round(seconds, 2),
            "queries": sum(int(p[2]) for p in phases),
            "peak_rss": max(int(p[3]) for p in phases),
            "customers_reminded": customers,
            "customers_per_s": round(customers / seconds, 1),
            "mails_queued": int(mails[1]) if mails else None,
            "messages": int(mails[2]) if mails else None,
        },
        "phases": {p[0]: float(p[1]) for p in phases},
    }


def read_figures(path):
    if path.endswith(".json"):
        with open(path) as fh:
            return json.load(fh)
    return read_cc(path)


def get(figures, *keys):
    value = figures
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def per_customer(figures, phase):
    queries = get(figures, phase, "queries")
    customers = get(figures, "real_run", "customers_reminded") or get(
        figures, phase, "customers"
    )
    return round(queries / customers, 2) if queries is not None and customers else None


ROWS = [
    # label, getter, ratio: "time" (lower is better) | "rate" (higher is) | None
    ("customers reminded", lambda f: get(f, "real_run", "customers_reminded"), None),
    ("dry run (s)", lambda f: get(f, "dry_run", "seconds"), "time"),
    ("dry run warm (s)", lambda f: get(f, "dry_run_warm", "seconds"), "time"),
    ("dry run CPU (s)", lambda f: get(f, "dry_run", "cpu"), "time"),
    ("dry run queries", lambda f: get(f, "dry_run", "queries"), "time"),
    ("dry run queries/customer", lambda f: per_customer(f, "dry_run"), "time"),
    ("real run, emails queued (s)", lambda f: get(f, "real_run", "seconds"), "time"),
    ("  Odoo process CPU (s)", lambda f: get(f, "real_run", "cpu"), "time"),
    ("  customers/s", lambda f: get(f, "real_run", "customers_per_s"), "rate"),
    ("  queries", lambda f: get(f, "real_run", "queries"), "time"),
    ("  queries/customer", lambda f: per_customer(f, "real_run"), "time"),
    ("  emails queued", lambda f: get(f, "real_run", "mails_queued"), None),
    ("  chatter messages", lambda f: get(f, "real_run", "messages"), None),
    ("  peak RSS (MB)", lambda f: get(f, "real_run", "peak_rss"), None),
    ("letters/s (wkhtmltopdf)", lambda f: get(f, "letters", "letters_per_s"), "rate"),
]


def fmt(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}"


def ratio(kind, base, new):
    if kind is None or not base or not new:
        return "-"
    return f"{(base / new if kind == 'time' else new / base):.1f}x"


def print_table(scale, columns):
    """columns: [(name, figures or None)]; ratios of the last column to the others,
    as "how many times better" (time: other / last; rate: last / other)."""
    present = [(name, f) for name, f in columns if f]
    if not present:
        return
    new_name, new = present[-1]
    bases = present[:-1]
    out(
        f"\n== {scale}: {fmt(new.get('customers'))} customers, "
        f"{fmt(new.get('open_items'))} open items, as of {new.get('as_of', '?')}"
    )
    heads = [name for name, _f in present] + [f"vs {name}" for name, _f in bases]
    widths = [max(12, len(head) + 2) for head in heads]
    out(f"{'':30}" + "".join(f"{h:>{w}}" for h, w in zip(heads, widths, strict=True)))
    for label, getter, kind in ROWS:
        values = [getter(f) for _name, f in present]
        if all(v is None for v in values):
            continue
        cells = [fmt(v) for v in values]
        cells += [ratio(kind, getter(f), values[-1]) for _name, f in bases]
        out(
            f"{label:30}"
            + "".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True))
        )
    if bases:
        out(
            f"(vs X: how many times better {new_name} is than X: faster, fewer queries)"
        )


def parse_scaled(pairs):
    result = {}
    for pair in pairs or ():
        scale, _sep, path = pair.partition("=")
        try:
            result[scale] = read_figures(path)
        except (OSError, ValueError, SystemExit) as error:
            out(f"(skipped {path}: {error})")
    return result


def cmd_table(args):
    cc, v1, new = parse_scaled(args.cc), parse_scaled(args.v1), parse_scaled(args.new)
    for scale in dict.fromkeys([*cc, *v1, *new]):
        print_table(
            scale,
            [
                ("credit_control", cc.get(scale)),
                ("18.0.1.0.0", v1.get(scale)),
                (args.new_name, new.get(scale)),
            ],
        )
    if len(new) > 1:
        out("\nqueries per reminded customer across scales (should stay constant):")
        for scale, figures in new.items():
            out(
                f"  {scale}: dry run {fmt(per_customer(figures, 'dry_run'))}, "
                f"real run {fmt(per_customer(figures, 'real_run'))}"
            )


# ------------------------------------------------------------------------------- main
def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n", 2)[2],
    )
    parser.add_argument("-c", "--config")
    parser.add_argument("-d", "--database")
    parser.add_argument("--addons-path", help="instead of the config's")
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("measure", help="measure the addon on a scratch database")
    m.add_argument("--as-of", default="2026-11-18")
    m.add_argument("--label", default="current")
    m.add_argument("--entry", choices=("run_company", "cron"), default="run_company")
    m.add_argument(
        "--cron-methods",
        default="_cron_run",
        help="with --entry cron: the scheduled methods run in turn, each until done",
    )
    m.add_argument("--letters", type=int, default=20, help="letters to render, 0: skip")
    m.add_argument("--report-url", help="URL of a server on the database (letters)")
    m.add_argument("--json", help="write the figures to this file")
    m.add_argument("--cc", help="output of peer_cc.py on the same data")
    m.add_argument("--baseline", help="figures (JSON) of 18.0.1.0.0 on the same data")
    t = sub.add_parser("table", help="print figures side by side")
    for name in ("cc", "v1", "new"):
        t.add_argument(f"--{name}", action="append", metavar="SCALE=FILE")
    t.add_argument("--new-name", default="current")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.command == "table":
        return cmd_table(args)
    if not (args.config and args.database):
        raise SystemExit("measure needs -c CONFIG -d DATABASE")
    options = ["-c", args.config, "-d", args.database]
    if args.addons_path:
        options.append(f"--addons-path={args.addons_path}")
    odoo.tools.config.parse_config(options)
    odoo.modules.module.current_test = False
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        figures = cmd_measure(env, args)
        commit(env)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(figures, fh, indent=1, default=str)
    baseline = read_figures(args.baseline) if args.baseline else None
    cc = read_figures(args.cc) if args.cc else None
    print_table(
        args.database,
        [("credit_control", cc), ("18.0.1.0.0", baseline), (args.label, figures)],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
