"""Scale dataset: 50,000 customers / 500,000 invoices with a history, in minutes.

Not a test (``tests/benchmark_*.py`` are not collected): a script that builds the
databases the scale benchmarks run on. Two phases, each on a SCRATCH database:

    # 1. history, on a copy of the shared generator's 1k database where the addon
    #    is installed (/work/shared/bench/gen_dataset.py, seed 42, as of AS_OF):
    #    past runs of the addon's own engine (emails, delivered), promises
    #    (kept, broken, open), disputes (open, resolved) -- deterministic (--seed)
    python3 tests/benchmark_scale_dataset.py -c CONF -d SEED_DB history \\
        --as-of 2026-11-18 --seed 42

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
from odoo import SUPERUSER_ID, api, fields
from odoo.tools import SQL

sys.path.insert(0, str(Path(__file__).parent))
from benchmark_side_by_side import (  # noqa: E402
    EMAIL_SCENARIO,
    bench_scenario,
    frozen,
)

# past runs, days before AS_OF: the shared generator's invoices fall due from
# AS_OF - 120 days on, so four months of reminders is the history they allow
HISTORY_DAYS = (98, 84, 70, 56, 42, 28, 14, 7)
PROMISE_SHARE, DISPUTE_SHARE = 0.06, 0.02


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


def cmd_history(env, args):
    company = env.company
    as_of = fields.Date.to_date(args.as_of)
    rng = random.Random(args.seed)
    bench_scenario(env, company, EMAIL_SCENARIO, "channel_email")
    env.cr.commit()  # pylint: disable=invalid-commit
    Run = env["dunning.run"].with_company(company)
    for days in HISTORY_DAYS:
        date = as_of - timedelta(days=days)
        with Timer(f"run of {date}"), frozen(date):
            Run._run_company(company, date, "scheduled", dry_run=False)
            env.cr.commit()  # pylint: disable=invalid-commit
            delivered = deliver_queued_mails(env)
            env.cr.commit()  # pylint: disable=invalid-commit
        out(f"    {delivered} emails delivered")
    partners = env["res.partner"].search([("ref", "=like", "BENCH-%")], order="id")
    ctx = dict(tracking_disable=True, mail_create_nolog=True, mail_notrack=True)
    with Timer("promises"):
        chosen = [p for p in partners if rng.random() < PROMISE_SHARE]
        Promise = env["dunning.promise"].with_context(**ctx)
        promises = Promise.browse()
        with frozen(as_of - timedelta(days=30)):
            for partner in chosen:
                promises |= Promise.create(
                    {
                        "partner_id": partner.id,
                        "date": as_of - timedelta(days=rng.randint(-20, 25)),
                        "amount": round(rng.uniform(100, 3000), 2),
                    }
                )
            kept = promises.filtered(lambda p: rng.random() < 0.4)
            kept.action_mark_kept()
            (promises - kept).filtered(lambda p: rng.random() < 0.3).action_cancel()
        env.cr.commit()  # pylint: disable=invalid-commit
        out(f"    {len(promises)} promises, {len(kept)} kept")
    with Timer("disputes"):
        env.cr.execute(
            SQL(
                """SELECT id FROM account_move WHERE move_type = 'out_invoice'
                    AND state = 'posted' AND payment_state IN ('not_paid', 'partial')
                  ORDER BY id"""
            )
        )
        moves = [row[0] for row in env.cr.fetchall() if rng.random() < DISPUTE_SHARE]
        reason = env["dunning.dispute.reason"].search([], limit=1)
        Dispute = env["dunning.dispute"].with_context(**ctx)
        disputes = Dispute.create(
            [{"move_id": move_id, "reason_id": reason.id} for move_id in moves]
        )
        disputes.filtered(lambda d: rng.random() < 0.5).action_resolve()
        env.cr.commit()  # pylint: disable=invalid-commit
        out(f"    {len(disputes)} disputes")
    out(describe_counts(env))


def describe_counts(env):
    tables = (
        "res_partner",
        "account_move",
        "account_move_line",
        "account_partial_reconcile",
        "account_payment",
        "dunning_communication",
        "dunning_communication_line",
        "dunning_promise",
        "dunning_dispute",
        "mail_message",
        "mail_followers",
    )
    counts = []
    for table in tables:
        env.cr.execute(SQL("SELECT count(*) FROM %s", SQL.identifier(table)))
        counts.append(f"{table} {env.cr.fetchone()[0]:,}")
    return "  rows: " + ", ".join(counts)


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
    m = sub.add_parser("multiply", help="copy every BENCH customer's rows")
    m.add_argument("--factor", type=int, required=True, help="50: 1k -> 50k")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    odoo.modules.module.current_test = False
    registry = odoo.modules.registry.Registry(args.database)
    start = time.monotonic()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        out(f"== {args.command} on {args.database}")
        if args.command == "history":
            cmd_history(env, args)
        else:
            cmd_multiply(env, args)
        cr.commit()  # pylint: disable=invalid-commit
    out(f"== done in {time.monotonic() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
