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

import sys

from benchmark_dunning import (
    generate_company_dataset,
    run_script,
    timed,
)

from odoo import fields

TONES = ("courtesy", "friendly", "formal", "final")
FORMER_BODY = (
    '<t t-call="account_dunning_advanced.dunning_reminder_email">'
    '<t t-set="tone" t-value="\'%s\'"></t></t>'
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
        env.registry.clear_cache("templates")
        timed(
            env,
            f"{label} ({attempt})",
            len(comms),
            lambda: env["dunning.channel.email"]._create_mails(comms),
        )
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
    run_script(run, __doc__, customers=200, invoices=400, rollback=True)


if __name__ == "__main__":
    main()
