"""Scale dataset: 50,000 customers / 500,000 invoices with a history, in minutes.

Not a test (``tests/benchmark_*.py`` are not collected): a script that builds the
databases the scale benchmarks run on. Two phases, each on a SCRATCH database:

    # 1. history, on a copy of the shared generator's 1k database where the addon
    #    is installed (/work/shared/bench/gen_dataset.py, seed 42, as of AS_OF):
    #    a year of use replayed in date order -- 4,000 older invoices (due over
    #    the 280 days before the generator's), their payments (on time, after
    #    one to three reminders, in two parts, some never), e-invoicing
    #    lifecycle statuses, 27 runs of the addon's own engine (every two weeks
    #    from 52 weeks back, emails delivered, skips logged), promises (kept,
    #    broken, cancelled, open), disputes (open, resolved, rejected, opened by
    #    the platform) -- deterministic (--seed); then the checks below
    python3 tests/benchmark_scale_dataset.py -c CONF -d SEED_DB history \\
        --as-of 2026-11-18 --seed 42 [--old-invoices 4000]

    # 2. multiply, on a copy of that database: every BENCH customer with all its
    #    rows (invoices, payments and their moves, move lines, partial and full
    #    reconciliations, reminders and their lines, promises, disputes, emails'
    #    messages, followers...) copied FACTOR - 1 times in SQL, as Odoo's own
    #    ``odoo-bin populate`` does (odoo/tools/populate.py: one INSERT ... SELECT
    #    over generate_series per table, ids shifted, foreign keys remapped), but
    #    keeping the accounting invariants: the copies keep their dates and
    #    amounts (balanced moves, same residuals and reconciliations), get names
    #    numbered after the originals' in each sequence (INV/2026/01001...),
    #    customer names/refs/emails numbered on (BENCH-01001...).
    python3 tests/benchmark_scale_dataset.py -c CONF -d BIG_DB multiply --factor 50

    # 3. the checks alone (each phase ends with them, the exit status says): moves
    #    balanced, numbers unique and matching their sequence, residuals equal to
    #    the balance less the reconciliations, payment states, reminders of the
    #    customer's own invoices dated between issue and payment, statuses after
    #    issue; and the rows and size of the tables the history fills
    python3 tests/benchmark_scale_dataset.py -c CONF -d DB check

Odoo's ``populate`` itself cannot be used as is: ``account`` has no populate
factories in 18.0 and the generic duplication varies every date field (a move's
lines would no longer share its date, due dates would scatter) and suffixes the
names; it also copies every row of a table, not one customer's rows.

Rows are copied with raw SQL on purpose: this is a benchmark fixture on a scratch
database, never code of the addon. Each phase prints its timings.
"""

import argparse
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

import odoo
from odoo import SUPERUSER_ID, Command, api, fields
from odoo.tools import SQL

sys.path.insert(0, str(Path(__file__).parent))
from benchmark_side_by_side import (  # noqa: E402
    EMAIL_SCENARIO,
    bench_scenario,
    frozen,
)

# a year of use before AS_OF: a run every two weeks from 52 weeks back, then a
# week back (the 8 runs of the former 4-month history are the last 8 of these)
YEAR_DAYS = 364
HISTORY_DAYS = (*range(YEAR_DAYS, 0, -14), 7)
# the shared generator's invoices fall due from AS_OF - 120 days on: the older
# ones (--old-invoices, 4,000 per 1,000 customers) fall due over the 280 days
# before
OLD_INVOICES = 4000
OLD_DUE = (-400, -121)
TERM_DAYS = 30  # invoice date = due date - 30 days, as the shared generator's
BATCH = 500
# when an older invoice is paid, days after its due date: (cumulated share, days)
PAYMENT_DELAYS = (
    (0.35, (-15, 0)),  # on time
    (0.60, (1, 12)),  # after the friendly reminder
    (0.78, (13, 28)),  # after the formal one
    (0.90, (29, 60)),  # after the final notice
    (0.96, (61, 200)),
)  # the rest: never paid
PARTIAL_SHARE = 0.1  # paid in two parts
PROMISE_SHARE, PROMISE_CANCEL = 0.06, 0.1  # of the customers a run reminded
DISPUTE_SHARE = 0.01  # of the invoices a run reminded
DISPUTE_DAYS, DISPUTE_RESOLVE = 14, 0.4  # then 0.1 rejected, the rest left open
# e-invoicing lifecycle statuses (source platform) of a share of the invoices:
# deposited at issue, then mostly approved, a few disputed (a dispute opens) or
# refused (a to-do); cashed when paid
EINVOICE_SHARE = 0.25
EINVOICE_FATE = ((0.03, "disputed"), (0.05, "refused"), (0.75, "approved"))


def out(text=""):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


class Timer:
    def __init__(self, label):
        self.label = label

    def __enter__(self):
        self.start = time.monotonic()
        return self

    def __exit__(self, *exc):
        self.seconds = time.monotonic() - self.start
        out(f"  {self.label}: {self.seconds:.1f} s")


# ---------------------------------------------------------------------------- history
def deliver_queued_mails(env):
    """The queued reminders' emails delivered, as the mail queue would after a
    successful SMTP call (state sent, the addon's delivery hook, auto-delete)."""
    mails = env["mail.mail"].search([("state", "=", "outgoing")])
    if mails:
        mails.write({"state": "sent"})
        mails._postprocess_sent_message(success_pids=[])
    return len(mails)


def commit(env):
    env.cr.commit()  # pylint: disable=invalid-commit
    env.invalidate_all()


def chunks(rows, size=BATCH):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def day(as_of, days):
    return as_of + timedelta(days=days)


def create_old_invoices(env, company, as_of, rng, count):
    """``count`` posted invoices of the BENCH customers falling due over the
    280 days before the shared generator's (more to the customers that have
    more of those), like the generator's: one line, no tax, 50-5,000, created
    in date order, each batch at its invoices' date. Returns [(id, invoice
    date, due date)]."""
    env.cr.execute(
        SQL(
            """SELECT p.id, count(m.id) FROM res_partner p
                 LEFT JOIN account_move m ON m.commercial_partner_id = p.id
                  AND m.move_type = 'out_invoice'
                WHERE p.ref LIKE 'BENCH-%%' GROUP BY p.id ORDER BY p.id"""
        )
    )
    rows = env.cr.fetchall()
    partners = rng.choices(
        [row[0] for row in rows], weights=[row[1] + 0.5 for row in rows], k=count
    )
    plan = sorted(
        (day(as_of, rng.randint(*OLD_DUE)), partner, round(rng.uniform(50, 5000), 2))
        for partner in partners
    )
    journal = env["account.journal"].search(
        [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
    )
    ctx = dict(tracking_disable=True, mail_create_nolog=True, mail_notrack=True)
    Move = env["account.move"].with_context(**ctx)
    invoices = []
    for chunk in chunks(plan):
        with frozen(chunk[0][0] - timedelta(days=TERM_DAYS)):
            moves = Move.create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner,
                        "journal_id": journal.id,
                        "currency_id": company.currency_id.id,
                        "invoice_date": due - timedelta(days=TERM_DAYS),
                        "date": due - timedelta(days=TERM_DAYS),
                        "invoice_date_due": due,
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "name": "Bench service",
                                    "quantity": 1,
                                    "price_unit": amount,
                                    "account_id": journal.default_account_id.id,
                                    "tax_ids": [Command.set([])],
                                }
                            )
                        ],
                    }
                    for due, partner, amount in chunk
                ]
            )
            moves.action_post()
        invoices += [
            (move.id, due - timedelta(days=TERM_DAYS), due)
            for move, (due, _p, _a) in zip(moves, chunk, strict=True)
        ]
        commit(env)
    return invoices


def payment_events(rng, as_of, invoices):
    """(date, kind, move id, share) of the older invoices' payments: most paid
    on time or after one, two or three reminders, some in two parts, a few
    never (still open at AS_OF); none after AS_OF - 1 (the generator's day)."""
    last = day(as_of, -1)
    events = []
    for move_id, invoice_date, due in invoices:
        draw = rng.random()
        span = next((days for share, days in PAYMENT_DELAYS if draw < share), None)
        if span is None:
            continue
        paid = max(due + timedelta(days=rng.randint(*span)), day(invoice_date, 1))
        if paid > last:
            continue
        if rng.random() < PARTIAL_SHARE:
            first = max(paid - timedelta(days=rng.randint(7, 30)), day(invoice_date, 1))
            events.append((first, "part", move_id, round(rng.uniform(0.3, 0.7), 2)))
        events.append((paid, "full", move_id, None))
    return events


def einvoice_events(rng, as_of, invoices, paid_on):
    """(date, "status", move id, status) of a share of the invoices: deposited
    at issue, then approved, disputed or refused, cashed the day they are
    paid; none after AS_OF - 1."""
    last = day(as_of, -1)
    events = []
    for move_id, invoice_date, _due in invoices:
        if rng.random() >= EINVOICE_SHARE:
            continue
        statuses = [(invoice_date, "deposited")]
        draw = rng.random()
        fate = next((st for share, st in EINVOICE_FATE if draw < share), None)
        if fate:
            statuses.append((day(invoice_date, rng.randint(2, 15)), fate))
        if move_id in paid_on and fate != "refused":
            statuses.append((max(paid_on[move_id], statuses[-1][0]), "cashed"))
        events += [(d, "status", move_id, s) for d, s in statuses if d <= last]
    return events


def register_payments(env, company, rows):
    """Inbound payments of [(date, move id, share or None: the residual)],
    posted and reconciled with their invoice in batches, as the shared
    generator registers its own (one payment per invoice, memo = its name)."""
    journal = env["account.journal"].search(
        [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
    )
    method_line = journal.inbound_payment_method_line_ids[:1]
    currency = company.currency_id
    count = 0
    for chunk in chunks(rows):
        invoices = env["account.move"].browse([row[1] for row in chunk])
        todo = []
        for (date, _id, share), invoice in zip(chunk, invoices, strict=True):
            amount = invoice.amount_residual
            if share is not None:
                amount = currency.round(amount * share)
            if not currency.is_zero(amount):
                todo.append((invoice, date, amount))
        if not todo:
            continue
        payments = env["account.payment"].create(
            [
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": invoice.partner_id.id,
                    "amount": amount,
                    "currency_id": currency.id,
                    "journal_id": journal.id,
                    "payment_method_line_id": method_line.id,
                    "date": date,
                    "memo": invoice.name,
                    "invoice_ids": [Command.set(invoice.ids)],
                }
                for invoice, date, amount in todo
            ]
        )
        payments.action_post()
        plan = []
        for (invoice, _date, _amount), payment in zip(todo, payments, strict=True):
            plan.append(
                (invoice.line_ids + payment.move_id.line_ids).filtered(
                    lambda line: line.account_id.account_type == "asset_receivable"
                    and not line.reconciled
                )
            )
        env["account.move.line"]._reconcile_plan(plan)
        count += len(todo)
        commit(env)
    return count


def apply_events(env, company, events, ctx):
    """The window's payments and lifecycle statuses, in date order."""
    counts = {"payments": 0, "statuses": 0}
    statuses = [e for e in events if e[1] == "status"]
    if statuses:
        Status = env["dunning.einvoice.status"].with_context(**ctx)
        for chunk in chunks(sorted(statuses)):
            Status.create(
                [
                    {"move_id": mid, "status": st, "date": d, "source": "platform"}
                    for d, _kind, mid, st in chunk
                ]
            )
            counts["statuses"] += len(chunk)
            commit(env)
    for kind in ("part", "full"):
        rows = sorted((d, mid, share) for d, k, mid, share in events if k == kind)
        counts["payments"] += register_payments(env, company, rows)
    return counts


def after_run(env, run, date, rng, ctx):
    """What customers do after a run: some promise to pay, some dispute an
    invoice they were reminded of (manual reasons)."""
    env.cr.execute(
        SQL(
            """SELECT DISTINCT partner_id FROM dunning_communication
                WHERE run_id = %s ORDER BY partner_id""",
            run.id,
        )
    )
    reminded = [row[0] for row in env.cr.fetchall()]
    promised = [p for p in reminded if rng.random() < PROMISE_SHARE]
    promises = (
        env["dunning.promise"]
        .with_context(**ctx)
        .create(
            [
                {
                    "partner_id": partner,
                    "date": day(date, rng.randint(5, 20)),
                    "amount": round(rng.uniform(100, 3000), 2),
                }
                for partner in promised
            ]
        )
    )
    promises.filtered(lambda p: rng.random() < PROMISE_CANCEL).action_cancel()
    env.cr.execute(
        SQL(
            """SELECT DISTINCT l.move_id FROM dunning_communication_line l
                 JOIN dunning_communication c ON c.id = l.communication_id
                 JOIN account_move m ON m.id = l.move_id
                WHERE c.run_id = %s AND m.payment_state IN ('not_paid', 'partial')
                  AND NOT EXISTS (SELECT 1 FROM dunning_dispute d
                                   WHERE d.move_id = l.move_id AND d.state = 'open')
                ORDER BY l.move_id""",
            run.id,
        )
    )
    moves = [row[0] for row in env.cr.fetchall() if rng.random() < DISPUTE_SHARE]
    platform = env.ref("account_dunning_advanced.dispute_reason_einvoice_platform")
    reasons = env["dunning.dispute.reason"].search([("id", "!=", platform.id)])
    disputes = (
        env["dunning.dispute"]
        .with_context(**ctx)
        .create(
            [
                {
                    "move_id": move_id,
                    "reason_id": reasons[rng.randrange(len(reasons))].id,
                }
                for move_id in moves
            ]
        )
    )
    return len(promises), len(disputes)


def settle_disputes(env, date, rng):
    """Manual disputes open for two weeks or more: some resolved, some
    rejected, the rest left open."""
    platform = env.ref("account_dunning_advanced.dispute_reason_einvoice_platform")
    disputes = env["dunning.dispute"].search(
        [
            ("state", "=", "open"),
            ("reason_id", "!=", platform.id),
            ("open_date", "<=", day(date, -DISPUTE_DAYS)),
        ],
        order="id",
    )
    draws = [(dispute, rng.random()) for dispute in disputes]
    resolve = [d.id for d, r in draws if r < DISPUTE_RESOLVE]
    reject = [d.id for d, r in draws if DISPUTE_RESOLVE <= r < DISPUTE_RESOLVE + 0.1]
    env["dunning.dispute"].browse(resolve).action_resolve()
    env["dunning.dispute"].browse(reject).action_reject()
    return len(resolve) + len(reject)


def cmd_history(env, args):
    """A year of use, replayed in date order: the older invoices created first
    (each batch at its date), then for each run date, the payments and
    lifecycle statuses dated before it, the promises checked and disputes
    settled as of that day, the run (emails queued, then delivered), and the
    customers' answers to it (promises, disputes)."""
    company = env.company
    as_of = fields.Date.to_date(args.as_of)
    rng = random.Random(args.seed)
    ctx = dict(tracking_disable=True, mail_create_nolog=True, mail_notrack=True)
    bench_scenario(env, company, EMAIL_SCENARIO, "channel_email")
    commit(env)
    env.cr.execute(
        SQL(
            """SELECT id, invoice_date, invoice_date_due, payment_state
                 FROM account_move WHERE move_type = 'out_invoice'
                  AND state = 'posted' ORDER BY id"""
        )
    )
    current = env.cr.fetchall()
    with Timer(f"{args.old_invoices} older invoices"):
        old = create_old_invoices(env, company, as_of, rng, args.old_invoices)
    payments = payment_events(rng, as_of, old)
    paid_on = {mid: d for d, kind, mid, _s in payments if kind == "full"}
    # the generator's paid invoices were paid the day before AS_OF
    paid_on.update(
        (mid, day(as_of, -1)) for mid, _i, _d, state in current if state != "not_paid"
    )
    invoices = old + [(mid, inv, due) for mid, inv, due, _s in current]
    events = sorted(payments + einvoice_events(rng, as_of, invoices, paid_on))
    out(
        f"  timeline: {len(payments)} payments, {len(events) - len(payments)} "
        f"lifecycle statuses, {len(HISTORY_DAYS)} runs"
    )
    Run = env["dunning.run"].with_company(company)
    dates = [day(as_of, -days) for days in HISTORY_DAYS] + [as_of]
    for date in dates:
        window = [e for e in events if e[0] < date]
        events = events[len(window) :]
        with frozen(date - timedelta(days=1)):
            counts = apply_events(env, company, window, ctx)
        if date == as_of:  # what happened since the last run, no run
            out(f"  until {date}: {counts['payments']} payments")
            break
        with Timer(f"run of {date}"), frozen(date):
            env["dunning.promise"]._cron_check_promises(today=date)
            settled = settle_disputes(env, date, rng)
            commit(env)
            run = Run._run_company(company, date, "scheduled", dry_run=False)
            commit(env)
            delivered = deliver_queued_mails(env)
            commit(env)
            promised, disputed = after_run(env, run, date, rng, ctx)
            commit(env)
        out(
            f"    {counts['payments']} payments, {counts['statuses']} statuses "
            f"before; {delivered} emails delivered; then {promised} promises, "
            f"{disputed} disputes ({settled} settled)"
        )
    out(describe_counts(env))
    return check_consistency(env)


COUNTED = (
    "res_partner",
    "account_move",
    "account_move_line",
    "account_partial_reconcile",
    "account_payment",
    "dunning_run",
    "dunning_run_log",
    "dunning_communication",
    "dunning_communication_line",
    "dunning_promise",
    "dunning_dispute",
    "dunning_einvoice_status",
    "mail_message",
    "mail_followers",
    "mail_activity",
)


def describe_counts(env):
    """Rows and size (table + indexes) of the tables the history fills."""
    counts = []
    for table in COUNTED:
        env.cr.execute(
            SQL(
                "SELECT count(*), pg_total_relation_size(%s) FROM %s",
                table,
                SQL.identifier(table),
            )
        )
        rows, size = env.cr.fetchone()
        counts.append(f"{table} {rows:,} ({size / 2**20:,.0f} MB)")
    env.cr.execute(
        SQL(
            "SELECT min(date), max(date), count(*) FROM dunning_run"
            " WHERE trigger = 'scheduled'"
        )
    )
    first, last, runs = env.cr.fetchone()
    return f"  runs {first} .. {last} ({runs}); rows: " + ", ".join(counts)


# checks: (label, SQL counting the rows that break it); a history or a copy
# that breaks one is not a database to measure on
RECEIVABLE = """(SELECT l.* FROM account_move_line l
    JOIN account_account a ON a.id = l.account_id
   WHERE a.account_type = 'asset_receivable' AND l.parent_state = 'posted')"""
CHECKS = (
    (
        "unbalanced posted moves",
        """SELECT count(*) FROM (SELECT move_id FROM account_move_line
             WHERE parent_state = 'posted' GROUP BY move_id
            HAVING abs(sum(balance)) > 0.005) x""",
    ),
    (
        "numbers used twice in a journal",
        """SELECT count(*) FROM (SELECT journal_id, name FROM account_move
             WHERE state = 'posted' AND name <> '/' GROUP BY 1, 2
            HAVING count(*) > 1) x""",
    ),
    (
        "names not prefix + sequence number",
        """SELECT count(*) FROM account_move WHERE state = 'posted'
              AND sequence_prefix IS NOT NULL AND (left(name,
              length(sequence_prefix)) <> sequence_prefix OR substring(name
              FROM length(sequence_prefix) + 1)::bigint <> sequence_number)""",
    ),
    (
        "receivable residuals not balance - partials",
        f"""SELECT count(*) FROM {RECEIVABLE} l
            LEFT JOIN (SELECT debit_move_id AS id, sum(amount) AS s
                         FROM account_partial_reconcile GROUP BY 1) d ON d.id = l.id
            LEFT JOIN (SELECT credit_move_id AS id, sum(amount) AS s
                         FROM account_partial_reconcile GROUP BY 1) c ON c.id = l.id
           WHERE abs(l.balance - COALESCE(d.s, 0) + COALESCE(c.s, 0)
                     - l.amount_residual) > 0.005""",
    ),
    (
        "receivable lines reconciled <> residual zero",
        f"""SELECT count(*) FROM {RECEIVABLE} l
             WHERE l.reconciled <> (l.amount_residual = 0)
                OR (l.full_reconcile_id IS NOT NULL AND l.amount_residual <> 0)""",
    ),
    (
        "invoices whose residual or payment state disagrees with their lines",
        f"""SELECT count(*) FROM account_move m
              JOIN (SELECT move_id, sum(amount_residual) AS r FROM {RECEIVABLE} l
                     GROUP BY 1) x ON x.move_id = m.id
             WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
               AND (abs(m.amount_residual - x.r) > 0.005
                    OR (x.r = 0) <> (m.payment_state IN ('paid', 'in_payment'))
                    OR (x.r > 0 AND x.r < m.amount_total)
                       <> (m.payment_state = 'partial'))""",
    ),
    (
        "payments dated before their invoice",
        """SELECT count(*) FROM account_partial_reconcile r
              JOIN account_move_line d ON d.id = r.debit_move_id
              JOIN account_move_line c ON c.id = r.credit_move_id
             WHERE c.date < d.date""",
    ),
    (
        "reminder lines of another customer's invoice",
        """SELECT count(*) FROM dunning_communication_line l
              JOIN dunning_communication c ON c.id = l.communication_id
              JOIN account_move m ON m.id = l.move_id
             WHERE m.commercial_partner_id <> c.partner_id""",
    ),
    (
        "reminders dated before the invoice or after its payment",
        """SELECT count(*) FROM dunning_communication_line l
              JOIN dunning_communication c ON c.id = l.communication_id
              JOIN account_move m ON m.id = l.move_id
             WHERE c.date < m.invoice_date OR EXISTS (
                   SELECT 1 FROM account_move_line il
                     JOIN account_full_reconcile f ON f.id = il.full_reconcile_id
                     JOIN account_move_line pl ON pl.full_reconcile_id = f.id
                                              AND pl.move_id <> il.move_id
                    WHERE il.id = l.move_line_id
                    GROUP BY il.id HAVING max(pl.date) < c.date)""",
    ),
    (
        "lifecycle statuses dated before their invoice",
        """SELECT count(*) FROM dunning_einvoice_status s
              JOIN account_move m ON m.id = s.move_id
             WHERE s.date < m.invoice_date""",
    ),
)
# not an error: the generator numbered its invoices first, the older ones
# created afterwards take the next numbers of their year
OUT_OF_ORDER = """SELECT count(*) FROM (SELECT date, max(date) OVER (
    PARTITION BY journal_id, sequence_prefix ORDER BY sequence_number
    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
    FROM account_move WHERE state = 'posted' AND move_type = 'out_invoice') x
    WHERE date < before"""


def check_consistency(env):
    """Print each check with the rows breaking it; the number of failed checks."""
    failed = 0
    for label, query in CHECKS:
        env.cr.execute(query)
        bad = env.cr.fetchone()[0]
        failed += bool(bad)
        out(f"  check {'FAILED' if bad else 'ok'}: {label}: {bad:,}")
    env.cr.execute(OUT_OF_ORDER)
    out(f"  (invoices numbered after a later-dated one: {env.cr.fetchone()[0]:,})")
    return failed


# --------------------------------------------------------------------------- multiply
# (table, which of its rows are a BENCH customer's: SQL over alias t, may use the
# dup_<table> id sets of the tables above); every row's foreign keys to a copied
# row are remapped to the copy's row, its res_id too (model, res_id)
IN_DUP = "t.{col} IN (SELECT id FROM dup_{table})"
COPY_PLAN = (
    ("res_partner", "t.ref LIKE 'BENCH-%%'"),
    ("account_move", IN_DUP.format(col="commercial_partner_id", table="res_partner")),
    ("account_payment", IN_DUP.format(col="move_id", table="account_move")),
    ("account_move_line", IN_DUP.format(col="move_id", table="account_move")),
    (
        "account_full_reconcile",
        "t.id IN (SELECT full_reconcile_id FROM account_move_line"
        " WHERE id IN (SELECT id FROM dup_account_move_line))",
    ),
    (
        "account_partial_reconcile",
        IN_DUP.format(col="debit_move_id", table="account_move_line"),
    ),
    (
        "account_move__account_payment",
        IN_DUP.format(col="invoice_id", table="account_move"),
    ),
    ("dunning_einvoice_status", IN_DUP.format(col="move_id", table="account_move")),
    ("dunning_communication", IN_DUP.format(col="partner_id", table="res_partner")),
    (
        "dunning_communication_line",
        IN_DUP.format(col="communication_id", table="dunning_communication"),
    ),
    ("dunning_promise", IN_DUP.format(col="partner_id", table="res_partner")),
    ("dunning_dispute", IN_DUP.format(col="partner_id", table="res_partner")),
    ("dunning_response", IN_DUP.format(col="partner_id", table="res_partner")),
    ("dunning_run_log", IN_DUP.format(col="partner_id", table="res_partner")),
    ("dunning_partner_score", IN_DUP.format(col="partner_id", table="res_partner")),
    ("mail_message", "{res_id:model}"),
    ("mail_mail", IN_DUP.format(col="mail_message_id", table="mail_message")),
    ("mail_mail_res_partner_rel", IN_DUP.format(col="mail_mail_id", table="mail_mail")),
    ("mail_tracking_value", IN_DUP.format(col="mail_message_id", table="mail_message")),
    ("mail_notification", IN_DUP.format(col="mail_message_id", table="mail_message")),
    (
        "mail_message_res_partner_rel",
        IN_DUP.format(col="mail_message_id", table="mail_message"),
    ),
    ("mail_followers", "{res_id:res_model}"),
    (
        "mail_followers_mail_message_subtype_rel",
        IN_DUP.format(col="mail_followers_id", table="mail_followers"),
    ),
    ("mail_activity", "{res_id:res_model}"),
)
# the copies' numbers: N = the seed's BENCH customers, s = copy 1..factor-1
PARTNER_NUM = "(substring(t.ref from 7)::int + s * {n})"
PARTNER_OVERRIDES = {
    "name": "'Bench Customer ' || lpad({num}::text, 5, '0')",
    "complete_name": "'Bench Customer ' || lpad({num}::text, 5, '0')",
    "ref": "'BENCH-' || lpad({num}::text, 5, '0')",
    "email": "'ar.customer' || lpad({num}::text, 5, '0') || '@bench.example.com'",
    "email_normalized": "'ar.customer' || lpad({num}::text, 5, '0')"
    " || '@bench.example.com'",
}
# a copy's number in its sequence (journal, prefix): after every original's
MOVE_SEQ = (
    "(t.sequence_number + s * (SELECT x.mx FROM seq_max x"
    " WHERE x.journal_id = t.journal_id AND x.prefix = t.sequence_prefix))"
)
MOVE_NAME = (
    "CASE WHEN t.name IS NULL OR t.name = '/' OR t.sequence_prefix IS NULL"
    " THEN t.name ELSE t.sequence_prefix || lpad({seq}::text, greatest("
    "length(t.name) - length(t.sequence_prefix), length({seq}::text)), '0') END"
)
MOVE_OVERRIDES = {
    "sequence_number": MOVE_SEQ,
    "name": MOVE_NAME.format(seq=MOVE_SEQ),
    "payment_reference": "CASE WHEN t.payment_reference = t.name THEN "
    + MOVE_NAME.format(seq=MOVE_SEQ)
    + " ELSE t.payment_reference END",
}


def sql(env, query, *args):
    env.cr.execute(query % args if args else query)
    return env.cr.fetchall() if env.cr.description else None


def table_columns(env, table):
    rows = sql(
        env,
        "SELECT column_name FROM information_schema.columns WHERE table_name = '%s'"
        " AND is_generated = 'NEVER' ORDER BY ordinal_position",
        table,
    )
    return [row[0] for row in rows]


def foreign_keys(env, table):
    """{column: referenced table} of the table's single-column foreign keys."""
    rows = sql(
        env,
        """SELECT a.attname, c.confrelid::regclass::text
             FROM pg_constraint c
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            WHERE c.contype = 'f' AND c.conrelid = '%s'::regclass
              AND array_length(c.conkey, 1) = 1""",
        table,
    )
    return dict(rows)


def model_tables(env):
    return {
        name: env[name]._table
        for name in env.registry
        if not env[name]._abstract and env[name]._auto
    }


def res_id_predicate(tables, model_col, dup):
    parts = [
        f"(t.{model_col} = '{model}' AND t.res_id IN (SELECT id FROM dup_{table}))"
        for model, table in tables.items()
        if table in dup
    ]
    return "(" + " OR ".join(parts or ["false"]) + ")"


def res_id_expression(tables, model_col, dup, span):
    whens = [
        f"WHEN t.{model_col} = '{model}' AND t.res_id IN (SELECT id FROM dup_{table})"
        f" THEN t.res_id + s * {span[table]}"
        for model, table in tables.items()
        if table in dup
    ]
    return "CASE " + " ".join(whens) + " ELSE t.res_id END" if whens else "t.res_id"


def cmd_multiply(env, args):
    copies = args.factor - 1
    tables = model_tables(env)
    model_of = {}
    for model, table in tables.items():
        model_of.setdefault(table, model)
    existing = {
        row[0]
        for row in sql(
            env,
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = 'public'",
        )
    }
    dup, span, predicates = [], {}, {}
    with Timer("rows to copy"):
        for table, predicate in COPY_PLAN:
            if table not in existing:
                continue
            columns = table_columns(env, table)
            if predicate.startswith("{res_id:"):
                predicate = res_id_predicate(tables, predicate[8:-1], dup)
            predicates[table] = predicate
            key = "id" if "id" in columns else None
            sql(
                env,
                "CREATE TEMP TABLE dup_%s AS SELECT %s AS id FROM %s t WHERE %s",
                table,
                "t.id" if key else "1",
                table,
                predicate,
            )
            if key:
                sql(env, "ALTER TABLE dup_%s ADD PRIMARY KEY (id)", table)
                span[table] = sql(env, "SELECT COALESCE(max(id), 0) FROM %s", table)[0][
                    0
                ]
            count = sql(env, "SELECT count(*) FROM dup_%s", table)[0][0]
            if count:
                dup.append(table)
                out(f"    {table}: {count:,} rows x {copies}")
    bench = sql(
        env,
        "SELECT max(substring(ref from 7)::int) FROM res_partner"
        " WHERE id IN (SELECT id FROM dup_res_partner)",
    )[0][0]
    sql(
        env,
        "CREATE TEMP TABLE seq_max AS SELECT journal_id, sequence_prefix AS prefix,"
        " max(sequence_number) AS mx FROM account_move GROUP BY 1, 2",
    )
    overrides = {
        "res_partner": {
            col: expr.format(num=PARTNER_NUM.format(n=bench))
            for col, expr in PARTNER_OVERRIDES.items()
        },
        "account_move": MOVE_OVERRIDES,
    }
    # foreign keys are checked by the originals; Odoo's populate does the same
    sql(env, "SET session_replication_role TO replica")
    for table in dup:
        columns = table_columns(env, table)
        fkeys = foreign_keys(env, table)
        model_col = next((c for c in ("model", "res_model") if c in columns), None)
        remapped = {
            col: f"CASE WHEN t.{col} IN (SELECT id FROM dup_{target})"
            f" THEN t.{col} + s * {span[target]} ELSE t.{col} END"
            for col, target in fkeys.items()
            if target in dup and target in span
        }
        # names the copies' moves got above, set at once (no UPDATE of a
        # million rows afterwards)
        if table == "account_move_line":
            overrides[table] = {
                "move_name": "(SELECT m.name FROM account_move m"
                f" WHERE m.id = {remapped['move_id']})",
                "matching_number": "CASE WHEN t.full_reconcile_id IS NULL THEN"
                f" t.matching_number ELSE ({remapped['full_reconcile_id']})::text END",
            }
        elif table == "account_payment":
            overrides[table] = {
                "name": "(SELECT m.name FROM account_move m"
                f" WHERE m.id = {remapped['move_id']})",
            }
        exprs = []
        for col in columns:
            if col in overrides.get(table, {}):
                exprs.append(overrides[table][col])
            elif col == "id":
                exprs.append(f"t.id + s * {span[table]}")
            elif col in remapped:
                exprs.append(remapped[col])
            elif col == "res_id" and model_col:
                exprs.append(res_id_expression(tables, model_col, dup, span))
            else:
                exprs.append(f"t.{col}")
        where = (
            f"t.id IN (SELECT id FROM dup_{table})"
            if table in span
            else predicates[table]
        )
        with Timer(f"copy {table}"):
            sql(
                env,
                "INSERT INTO %s (%s) SELECT %s FROM %s t, generate_series(1, %s) s"
                " WHERE %s",
                table,
                ", ".join(f'"{c}"' for c in columns),
                ", ".join(exprs),
                table,
                copies,
                where,
            )
        if table in span:
            sql(
                env,
                "SELECT setval('%s_id_seq', (SELECT max(id) FROM %s))",
                table,
                table,
            )
    sql(env, "RESET session_replication_role")
    sql(env, "ANALYZE account_move; ANALYZE account_move_line; ANALYZE account_payment")
    with Timer("references of the copies' payments"):
        moves = span["account_move"]
        # a payment's reference names its invoice: the copy's, of the same copy
        sql(
            env,
            "CREATE TEMP TABLE invoice_name AS SELECT id, name FROM account_move"
            " WHERE id <= %s AND move_type = 'out_invoice';"
            " CREATE INDEX ON invoice_name (name); ANALYZE invoice_name",
            moves,
        )
        sql(
            env,
            "UPDATE account_move p SET ref = n.name FROM invoice_name o, account_move n"
            " WHERE p.id > %s AND p.move_type = 'entry' AND o.name = p.ref"
            " AND n.id = o.id + %s * ((p.id - 1) / %s)",
            moves,
            moves,
            moves,
        )
    env.cr.commit()  # pylint: disable=invalid-commit
    with Timer("ANALYZE"):
        env.cr.execute("ANALYZE")
    out(describe_counts(env))
    return check_consistency(env)


# ------------------------------------------------------------------------------- main
def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n", 2)[2],
    )
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    sub = parser.add_subparsers(dest="command", required=True)
    h = sub.add_parser("history", help="a history of reminders, promises, disputes")
    h.add_argument("--as-of", default="2026-11-18")
    h.add_argument("--seed", type=int, default=42)
    h.add_argument(
        "--old-invoices",
        type=int,
        default=OLD_INVOICES,
        help="invoices falling due before the generator's (4,000 for 1k customers)",
    )
    m = sub.add_parser("multiply", help="copy every BENCH customer's rows")
    m.add_argument("--factor", type=int, required=True, help="50: 1k -> 50k")
    sub.add_parser("check", help="the accounting and history checks, table sizes")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    odoo.modules.module.current_test = False
    registry = odoo.modules.registry.Registry(args.database)
    start = time.monotonic()
    with registry.cursor() as cr:
        # the language a scheduled job has (the addon's messages are translated)
        env = api.Environment(cr, SUPERUSER_ID, {"lang": "en_US"})
        out(f"== {args.command} on {args.database}")
        if args.command == "history":
            failed = cmd_history(env, args)
        elif args.command == "multiply":
            failed = cmd_multiply(env, args)
        else:
            out(describe_counts(env))
            failed = check_consistency(env)
        cr.commit()  # pylint: disable=invalid-commit
    out(f"== done in {time.monotonic() - start:.1f} s; {failed} check(s) failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
