"""Benchmark of the reminder email bodies: text in the template's own body
(editable, translated per language) against the former body that only called
a view with a tone.

Usage (on a SCRATCH database where account_dunning_advanced is installed; the
generated company is committed, the measured sends are rolled back):

    python3 tests/benchmark_dunning_email_templates.py -c /path/odoo.conf -d DB \
        --customers 200 --invoices 400

or, with the project's server up, from ``./setup/odoo shell -d DB``::

    import sys; sys.path.insert(0, "tests")
    import benchmark_dunning_email_templates as b; b.run(env, 200, 400, "x")

It generates a company like benchmark_dunning.py, runs the dunning cycle once
(untimed), then times the email step of those reminders
(``dunning.channel.email._create_mails``: rendering, mail queue, chatter),
twice per kind of body, each time rolled back: the addon's templates as
shipped, then the same templates with the former body (``<t
t-call="...dunning_reminder_email"><t t-set="tone" .../></t>``, rendered from
the compiled view). Prints ms per reminder, the Odoo process's CPU time
(steadier than wall time on a busy machine) and SQL queries per reminder.
"""

import argparse
import sys
import time

from benchmark_dunning import generate_company_dataset

import odoo
from odoo import SUPERUSER_ID, api, fields

TONES = ("courtesy", "friendly", "formal", "final")
FORMER_BODY = (
    '<t t-call="account_dunning_advanced.dunning_reminder_email">'
    '<t t-set="tone" t-value="\'%s\'"></t></t>'
)


def _timed(env, label, comms):
    env.invalidate_all()
    env.registry.clear_cache("templates")
    queries = env.cr.sql_log_count
    start, cpu = time.perf_counter(), time.process_time()
    env["dunning.channel.email"]._create_mails(comms)
    env.flush_all()
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    queries = env.cr.sql_log_count - queries
    count = max(len(comms), 1)
    sys.stdout.write(
        f"{label:<40} {elapsed:6.2f} s  {1000 * elapsed / count:6.2f} ms/reminder"
        f"  (Odoo CPU {1000 * cpu / count:6.2f} ms)"
        f"  {queries / count:5.2f} queries/reminder\n"
    )


def _measure(env, label, comms, bodies=None):
    for attempt in ("cold", "warm"):
        env.cr.execute("SAVEPOINT bench_bodies")
        if bodies:
            for tone, body in bodies.items():
                env.ref(f"account_dunning_advanced.mail_template_dunning_{tone}").write(
                    {"body_html": body}
                )
        if attempt == "warm":
            # the same render once more: caches (compiled views) are warm
            env["dunning.channel.email"]._create_mails(comms[:1])
        _timed(env, f"{label} ({attempt})", comms)
        env.flush_all()
        env.cr.execute("ROLLBACK TO SAVEPOINT bench_bodies")
        env.invalidate_all()


def run(env, customers, invoices, tag):
    env, company = generate_company_dataset(env, customers, invoices, tag)
    Run = env["dunning.run"].with_company(company)
    today = fields.Date.context_today(Run)
    real = Run._run_company(company, today, "manual", False)
    env.cr.commit()
    comms = real.communication_ids.filtered(lambda c: c.mail_id)
    tones = ", ".join(sorted(set(comms.mapped("tone"))))
    sys.stdout.write(f"{len(comms)} email reminders ({tones})\n")
    _measure(env, "body with its text (shipped)", comms)
    _measure(
        env,
        "former body calling a view",
        comms,
        {tone: FORMER_BODY % tone for tone in TONES},
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--invoices", type=int, default=400)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    registry = odoo.modules.registry.Registry(args.database)
    tag = time.strftime("%H%M%S")
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        run(env, args.customers, args.invoices, tag)
        cr.rollback()


if __name__ == "__main__":
    main()
