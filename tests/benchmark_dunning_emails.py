"""Benchmark of the reminder emails: template rendering and the send path.

Usage (on a SCRATCH database where account_dunning_advanced is installed; the
generated company is committed, the measured sends are rolled back):

    python3 tests/benchmark_dunning_emails.py -c /path/odoo.conf -d DB \
        --customers 500 --invoices 1000

It generates a company like benchmark_dunning.py and runs the dunning cycle
once (timed: it creates, renders and queues the reminders). Then, on the
queued email reminders of that run, it times the rendering of their email
templates alone (``mail.template`` rendering, one batch per template) and the
whole email step (``dunning.channel.email._create_mails``: rendering, mail
queue, chatter and invoice notes), and prints seconds, the Odoo process's CPU
time (steadier than wall time on a busy machine) and SQL queries per reminder.
"""

import sys

from benchmark_dunning import (
    generate_company_dataset,
    run_script,
    timed,
)

from odoo import fields

FIELDS = ("subject", "body_html", "email_from", "reply_to")


def _render(comms):
    with comms.env["dunning.reminder.content"]._render_memo():
        for template, group in comms.grouped(
            lambda c: c.env["dunning.channel.email"]._template(c)
        ).items():
            template._generate_template(group.ids, FIELDS)


def run(env, customers, invoices, tag):
    env, company = generate_company_dataset(env, customers, invoices, tag)
    Run = env["dunning.run"].with_company(company)
    today = fields.Date.context_today(Run)
    planned = Run._run_company(company, today, "preview", True)
    count = len(planned["communications"])
    real = timed(
        env,
        f"dunning run ({count} reminders)",
        count,
        lambda: Run._run_company(company, today, "manual", False),
    )
    env.cr.commit()
    comms = real.communication_ids.filtered(lambda c: c.mail_id)
    sys.stdout.write(
        f"{len(comms)} emails queued, {len(comms.line_ids)} reminded items\n"
    )
    for attempt in ("first", "second"):
        timed(env, f"email rendering ({attempt})", len(comms), lambda: _render(comms))
    env.cr.execute("SAVEPOINT bench_dispatch")
    timed(
        env,
        "email step (_create_mails)",
        len(comms),
        lambda: comms.env["dunning.channel.email"]._create_mails(comms),
    )
    env.cr.execute("ROLLBACK TO SAVEPOINT bench_dispatch")


def main():
    run_script(run, __doc__, customers=500, invoices=1000, rollback=True)


if __name__ == "__main__":
    main()
