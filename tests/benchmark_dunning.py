"""Benchmark of the dunning engine on a generated company.

Usage (on a SCRATCH database where account_dunning_advanced is installed: the
engine commits per batch, so the generated company stays in the database):

    python3 tests/benchmark_dunning.py -c /path/odoo.conf -d DB \
        --customers 1000 --invoices 10000

It creates a company with a generic chart, N customers and M posted open
invoices (half in company currency, half in EUR) due between 60 days ago and
5 days ahead, cloned with set-based SQL from two invoices posted by the ORM.
Two untimed real runs 20 and 10 days ago give the items a history, so that
today's run reaches every level. Then it times today's dry run and real run
and prints time, SQL queries per customer, peak memory and communications.
The scenario is Standard-like with email and phone-call channels only: the
letters' PDF rendering (wkhtmltopdf) is not what this measures.
"""

import argparse
import resource
import sys
import time
import tracemalloc
from datetime import timedelta

import odoo
from odoo import SUPERUSER_ID, Command, api, fields
from odoo.tools import SQL


def _columns(env, table):
    env.cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = %s AND column_name != 'id' ORDER BY ordinal_position",
        [table],
    )
    return [name for (name,) in env.cr.fetchall()]


def _clone(env, table, source_where, overrides, from_extra):
    """INSERT the source row(s) of ``table`` once per row of ``from_extra``,
    with some columns replaced by SQL expressions."""
    columns = _columns(env, table)
    env.cr.execute(
        SQL(
            "INSERT INTO %s (%s) SELECT %s FROM %s src, %s WHERE %s",
            SQL.identifier(table),
            SQL(", ").join(SQL.identifier(c) for c in columns),
            SQL(", ").join(overrides.get(c, SQL.identifier("src", c)) for c in columns),
            SQL.identifier(table),
            from_extra,
            source_where,
        )
    )


def _company(env, tag):
    company = env["res.company"].create({"name": f"Dunning benchmark {tag}"})
    env.user.company_ids |= company
    env = env(context=dict(env.context, allowed_company_ids=[company.id]))
    env["account.chart.template"].try_loading(
        "generic_coa", company, install_demo=False
    )
    scenario = env["dunning.scenario"].create(
        {
            "name": f"Benchmark {tag}",
            "company_id": company.id,
            "business_days_only": False,
            "level_ids": [
                Command.create(
                    {"name": "Courtesy", "offset_days": -3, "tone": "courtesy"}
                ),
                Command.create(
                    {"name": "Friendly", "offset_days": 5, "tone": "friendly"}
                ),
                Command.create(
                    {
                        "name": "Formal",
                        "offset_days": 15,
                        "tone": "formal",
                        "include_penalties": True,
                    }
                ),
                Command.create(
                    {
                        "name": "Final notice",
                        "offset_days": 30,
                        "tone": "final",
                        "channel_call": True,
                        "include_penalties": True,
                    }
                ),
            ],
        }
    )
    company.write({"dunning_scenario_id": scenario.id, "dunning_batch_size": 200})
    return env, company


def _templates(env, company):
    eur = env.ref("base.EUR")
    eur.active = True
    partner = env["res.partner"].create(
        {"name": "Bench template", "is_company": True, "email": "t@bench.example"}
    )
    moves = env["account.move"].create(
        [
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": "2024-01-01",
                "invoice_date_due": "2024-01-31",
                "currency_id": currency.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Bench",
                            "quantity": 1,
                            "price_unit": 1000,
                            "tax_ids": [],
                        }
                    )
                ],
            }
            for currency in (company.currency_id, eur)
        ]
    )
    moves.action_post()
    return partner, moves


def generate_company_dataset(env, customers, invoices, tag):
    """(env of the new company, company) with ``customers`` customers and
    ``invoices`` open invoices spread over all levels."""
    env, company = _company(env, tag)
    partner, templates = _templates(env, company)
    env.flush_all()
    _clone(
        env,
        "res_partner",
        SQL("src.id = %s", partner.id),
        {
            "name": SQL("%s || g", f"Bench {tag} customer "),
            "complete_name": SQL("%s || g", f"Bench {tag} customer "),
            "ref": SQL("%s || g", f"BENCH{tag}-"),
            "email": SQL("'ap' || g || %s", f"@bench{tag}.example"),
        },
        SQL("generate_series(1, %s) g", customers),
    )
    env.cr.execute(
        SQL(
            "UPDATE res_partner SET commercial_partner_id = id "
            "WHERE ref LIKE %s RETURNING id",
            f"BENCH{tag}-%",
        )
    )
    partner_ids = sorted(row[0] for row in env.cr.fetchall())
    today = fields.Date.context_today(env["res.partner"])
    for index, template in enumerate(templates):
        count = invoices // 2 + (invoices % 2 if index == 0 else 0)
        prefix = f"BENCH{tag}/{index}/"
        # invoice g: customer g mod N, due between 60 days ago and 5 days ahead
        due = SQL("(%s::date - (mod(g * 7919, 66) - 5))", today)
        _clone(
            env,
            "account_move",
            SQL("src.id = %s", template.id),
            {
                "name": SQL("%s || g", prefix),
                "ref": SQL("%s || g", prefix),
                "partner_id": SQL(
                    "(%s::int[])[1 + mod(g, %s)]", partner_ids, customers
                ),
                "commercial_partner_id": SQL(
                    "(%s::int[])[1 + mod(g, %s)]", partner_ids, customers
                ),
                "invoice_date_due": due,
                "invoice_date": SQL("%s - 30", due),
                "date": SQL("%s - 30", due),
            },
            SQL("generate_series(1, %s) g", count),
        )
        _clone(
            env,
            "account_move_line",
            SQL("src.move_id = %s AND new.ref LIKE %s", template.id, prefix + "%"),
            {
                "move_id": SQL("new.id"),
                "move_name": SQL("new.name"),
                "partner_id": SQL("new.partner_id"),
                "date": SQL("new.date"),
                "date_maturity": SQL(
                    "CASE WHEN src.display_type = 'payment_term' "
                    "THEN new.invoice_date_due ELSE src.date_maturity END"
                ),
            },
            SQL("account_move new"),
        )
    env.cr.execute("ANALYZE")
    env.invalidate_all()
    env.cr.commit()
    return env, company


def timed(env, label, count, function, unit="reminder"):
    """Run ``function`` and print its wall time, Odoo CPU and SQL queries per
    ``unit`` (``count`` of them); return its result. Caches are emptied first:
    each measure starts cold."""
    env.invalidate_all()
    queries = env.cr.sql_log_count
    start, cpu = time.perf_counter(), time.process_time()
    result = function()
    env.flush_all()
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    queries = env.cr.sql_log_count - queries
    count = max(count, 1)
    sys.stdout.write(
        f"{label:<40} {elapsed:7.2f} s  {1000 * elapsed / count:6.2f} ms/{unit}"
        f"  (Odoo CPU {1000 * cpu / count:6.2f} ms)"
        f"  {queries / count:6.3f} queries/{unit} ({queries} queries)\n"
    )
    return result


def bench_arguments(description, customers=1000, invoices=10000):
    """The arguments every benchmark script takes: the Odoo config and the
    database, and the size of the generated data."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--customers", type=int, default=customers)
    parser.add_argument("--invoices", type=int, default=invoices)
    return parser


def open_registry(args):
    """The registry of the database the script measures, with its config."""
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    return odoo.modules.registry.Registry(args.database)


def _measure(env, label, function, customers, trace_memory):
    env.invalidate_all()
    cr = env.cr
    queries = cr.sql_log_count
    if trace_memory:
        tracemalloc.start()
    start = time.perf_counter()
    result = function()
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] if trace_memory else 0
    if trace_memory:
        tracemalloc.stop()
    queries = cr.sql_log_count - queries
    sys.stdout.write(
        f"{label:<34} {elapsed:8.2f} s  {queries:8d} queries  "
        f"{queries / max(customers, 1):7.2f} /customer  "
        + (f"peak {peak / 2**20:7.1f} MiB" if trace_memory else "")
        + "\n"
    )
    return result, elapsed


def run(env, customers, invoices, tag):
    start = time.perf_counter()
    env, company = generate_company_dataset(env, customers, invoices, tag)
    sys.stdout.write(
        f"generated {customers} customers, {invoices} invoices "
        f"in {time.perf_counter() - start:.1f} s\n"
    )
    Run = env["dunning.run"].with_company(company)
    today = fields.Date.context_today(Run)
    for days in (20, 10):
        past = Run._run_company(
            company, today - timedelta(days=days), "scheduled", False
        )
        sys.stdout.write(
            f"history run {past.date}: {past.communication_count} reminders "
            f"in {past.duration:.1f} s\n"
        )
    env.cr.commit()
    items = len(env["dunning.planner"]._select_open_items(company, today)["items"])
    plan, _t = _measure(
        env,
        f"dry run ({items} open items)",
        lambda: Run._run_company(company, today, "preview", True),
        customers,
        trace_memory=False,
    )
    _measure(
        env,
        "dry run, memory traced",
        lambda: Run._run_company(company, today, "preview", True),
        customers,
        trace_memory=True,
    )
    reminded = len({comm["partner_id"] for comm in plan["communications"]})
    real, elapsed = _measure(
        env,
        "real run",
        lambda: Run._run_company(company, today, "manual", False),
        reminded,
        trace_memory=False,
    )
    levels = {}
    for comm in real.communication_ids:
        levels[comm.level_id.name] = levels.get(comm.level_id.name, 0) + 1
    mails = env["mail.mail"].search_count(
        [("dunning_communication_id", "in", real.communication_ids.ids)]
    )
    peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sys.stdout.write(
        f"real run: {real.communication_count} reminders to "
        f"{real.reminded_partner_count} customers, {mails} queued emails, "
        f"{real.skipped_count} skipped, "
        f"{real.error_count} errors: {real.partner_count / elapsed:.1f} customers/s\n"
        f"per level: {levels}\n"
        f"process peak RSS {peak_rss_mib:.0f} MiB\n"
    )
    env.cr.commit()


def run_script(run, description, customers=1000, invoices=10000, rollback=False):
    """The main of a benchmark script measuring ``run(env, customers,
    invoices, tag)`` on a generated dataset; ``rollback``: leave nothing."""
    args = bench_arguments(description, customers, invoices).parse_args()
    registry = open_registry(args)
    tag = time.strftime("%H%M%S")
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        run(env, args.customers, args.invoices, tag)
        if rollback:
            cr.rollback()


def main():
    run_script(run, __doc__)


if __name__ == "__main__":
    main()
