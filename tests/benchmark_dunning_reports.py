"""Query time of the dunning analysis views on a generated dataset.

Usage (on a database where account_dunning_advanced is installed):

    python3 tests/benchmark_dunning_reports.py -c /path/odoo.conf -d DB [-n 50000]

Everything runs in one transaction that is rolled back: the database is left
as it was. When tests/benchmark_dunning.py (the engine's benchmark) provides
``generate_dataset(env, invoices)``, its dataset is used; otherwise this script
clones one posted invoice, its items and a payment with set-based SQL.
"""

import argparse
import sys
import time
from pathlib import Path
from unittest.mock import patch

import odoo
from odoo import SUPERUSER_ID, Command, api, fields
from odoo.tools import SQL


def _columns(env, table, skip=("id",)):
    env.cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = %s ORDER BY ordinal_position",
        [table],
    )
    return [name for (name,) in env.cr.fetchall() if name not in skip]


def _clone(env, table, source_where, overrides, from_extra):
    """INSERT INTO table SELECT the source row(s) with some columns replaced
    by SQL expressions, once per row of ``from_extra``."""
    columns = _columns(env, table)
    select = [overrides.get(c, SQL.identifier("src", c)) for c in columns]
    env.cr.execute(
        SQL(
            "INSERT INTO %s (%s) SELECT %s FROM %s src, %s WHERE %s",
            SQL.identifier(table),
            SQL(", ").join(SQL.identifier(c) for c in columns),
            SQL(", ").join(select),
            SQL.identifier(table),
            from_extra,
            source_where,
        )
    )


def _template_invoice(env):
    company = env.company
    partner = env["res.partner"].create({"name": "Bench Template", "is_company": True})
    invoice = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": "2024-01-01",
            "invoice_date_due": "2024-01-31",
            "invoice_payment_term_id": False,
            "invoice_line_ids": [
                Command.create(
                    {"name": "Bench", "quantity": 1, "price_unit": 100, "tax_ids": []}
                )
            ],
        }
    )
    invoice.action_post()
    env["account.payment.register"].with_context(
        active_model="account.move", active_ids=invoice.ids
    ).create({"amount": 100, "payment_date": "2024-02-10"})._create_payments()
    return company, partner, invoice


def generate_own_dataset(env, invoices):
    company, partner, invoice = _template_invoice(env)
    customers = max(invoices // 10, 1)
    _clone(
        env,
        "res_partner",
        SQL("src.id = %s", partner.id),
        {
            "name": SQL("'Bench customer ' || g"),
            "complete_name": SQL("'Bench customer ' || g"),
            "ref": SQL("'BENCH' || g"),
        },
        SQL("generate_series(1, %s) g", customers),
    )
    env.cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id WHERE ref LIKE 'BENCH%%'"
    )
    env.cr.execute("SELECT id FROM res_partner WHERE ref LIKE 'BENCH%%' ORDER BY id")
    first_partner = env.cr.fetchone()[0]
    # Invoices spread over two years, 30 days to pay, 100 to 10,000.
    env.cr.execute(
        SQL(
            """
            CREATE TEMP TABLE bench_inv ON COMMIT DROP AS
            SELECT g, %(first)s + mod(g, %(customers)s) AS partner_id,
                   DATE '2024-07-01' + mod(g, 720) AS inv_date,
                   (100 + mod(g * 7919, 9900))::numeric AS amount,
                   mod(g, 10) < 7 AS paid,
                   mod(g, 37) AS paid_delay
              FROM generate_series(1, %(n)s) g
            """,
            first=first_partner,
            customers=customers,
            n=invoices,
        )
    )
    _clone(
        env,
        "account_move",
        SQL("src.id = %s", invoice.id),
        {
            "name": SQL("'BENCH/' || b.g"),
            "partner_id": SQL("b.partner_id"),
            "commercial_partner_id": SQL("b.partner_id"),
            "invoice_date": SQL("b.inv_date"),
            "date": SQL("b.inv_date"),
            "invoice_date_due": SQL("b.inv_date + 30"),
            "amount_total_signed": SQL("b.amount"),
            "amount_total": SQL("b.amount"),
            "amount_residual": SQL("CASE WHEN b.paid THEN 0 ELSE b.amount END"),
            "amount_residual_signed": SQL("CASE WHEN b.paid THEN 0 ELSE b.amount END"),
            "payment_state": SQL("CASE WHEN b.paid THEN 'paid' ELSE 'not_paid' END"),
            "payment_reference": SQL("'BENCH/' || b.g"),
        },
        SQL("bench_inv b"),
    )
    env.cr.execute(
        """
        CREATE TEMP TABLE bench_move ON COMMIT DROP AS
        SELECT b.*, am.id AS move_id
          FROM bench_inv b JOIN account_move am ON am.name = 'BENCH/' || b.g
        """
    )
    for line in invoice.line_ids:
        sign = 1 if line.balance > 0 else -1
        is_item = line.display_type == "payment_term"
        residual = (
            SQL("CASE WHEN m.paid THEN 0 ELSE m.amount END") if is_item else SQL("0")
        )
        _clone(
            env,
            "account_move_line",
            SQL("src.id = %s", line.id),
            {
                "move_id": SQL("m.move_id"),
                "move_name": SQL("'BENCH/' || m.g"),
                "partner_id": SQL("m.partner_id"),
                "date": SQL("m.inv_date"),
                "invoice_date": SQL("m.inv_date"),
                "date_maturity": SQL("m.inv_date + 30"),
                "balance": SQL("%s * m.amount", sign),
                "debit": SQL("%s", SQL("m.amount") if sign > 0 else SQL("0")),
                "credit": SQL("%s", SQL("0") if sign > 0 else SQL("m.amount")),
                "amount_currency": SQL("%s * m.amount", sign),
                "price_unit": SQL("m.amount"),
                "price_subtotal": SQL("m.amount"),
                "price_total": SQL("m.amount"),
                "amount_residual": residual,
                "amount_residual_currency": residual,
                "reconciled": SQL("m.paid") if is_item else SQL("src.reconciled"),
            },
            SQL("bench_move m"),
        )
    item = invoice.line_ids.filtered(lambda ln: ln.display_type == "payment_term")
    payment_line = item.matched_credit_ids.credit_move_id
    # One payment item per paid invoice, matched by a partial reconciliation.
    env.cr.execute(
        SQL(
            """
            INSERT INTO account_partial_reconcile
                (debit_move_id, credit_move_id, amount, debit_amount_currency,
                 credit_amount_currency, company_id, debit_currency_id,
                 credit_currency_id, max_date, create_uid, create_date)
            SELECT aml.id, %(credit)s, m.amount, m.amount, m.amount, %(company)s,
                   aml.currency_id, aml.currency_id,
                   m.inv_date + 30 + m.paid_delay - 10, 1, NOW()
              FROM bench_move m
              JOIN account_move_line aml
                ON aml.move_id = m.move_id AND aml.display_type = 'payment_term'
             WHERE m.paid
            """,
            credit=payment_line.id,
            company=company.id,
        )
    )
    _bench_reminders(env, company)


def _bench_reminders(env, company):
    """Reminders on the invoices paid late or still open after their due
    date: level 1 at due + 5, level 2 at due + 20 when still unpaid."""
    scenario = env["dunning.scenario"].create(
        {
            "name": "Bench",
            "company_id": company.id,
            "level_ids": [
                (0, 0, {"name": "L1", "offset_days": 5}),
                (0, 0, {"name": "L2", "offset_days": 20, "channel_letter": True}),
            ],
        }
    )
    levels = scenario.level_ids.sorted("offset_days")
    for level in levels:
        env.cr.execute(
            SQL(
                """
                WITH due AS (
                    SELECT m.*, aml.id AS item_id, aml.currency_id
                      FROM bench_move m
                      JOIN account_move_line aml ON aml.move_id = m.move_id
                       AND aml.display_type = 'payment_term'
                     WHERE (NOT m.paid OR m.paid_delay - 10 > %(offset)s)
                       AND m.inv_date + 30 + %(offset)s <= %(today)s
                ),
                comm AS (
                    INSERT INTO dunning_communication
                        (name, date, company_id, partner_id, level_id, state,
                         channel_email, channel_letter, amount_due, scenario_id,
                         create_uid, create_date)
                    SELECT 'BENCH-' || %(level)s || '-' || d.g,
                           d.inv_date + 30 + %(offset)s, %(company)s, d.partner_id,
                           %(level)s, 'sent', TRUE, %(letter)s, d.amount,
                           %(scenario)s, 1, NOW()
                      FROM due d
                    RETURNING id, name
                )
                INSERT INTO dunning_communication_line
                    (communication_id, move_line_id, move_id, level_id, state,
                     partner_id, company_id, currency_id, company_currency_id,
                     amount_residual, amount_residual_currency, date_maturity)
                SELECT c.id, d.item_id, d.move_id, %(level)s, 'sent', d.partner_id,
                       %(company)s, d.currency_id, d.currency_id, d.amount,
                       d.amount, d.inv_date + 30
                  FROM comm c
                  JOIN due d ON c.name = 'BENCH-' || %(level)s || '-' || d.g
                """,
                offset=level.offset_days,
                today=fields.Date.today(),
                level=level.id,
                letter=level.channel_letter,
                company=company.id,
                scenario=scenario.id,
            )
        )


def generate_dataset(env, invoices):
    engine_benchmark = Path(__file__).with_name("benchmark_dunning.py")
    if engine_benchmark.exists():
        sys.path.insert(0, str(engine_benchmark.parent))
        import benchmark_dunning  # pylint: disable=import-outside-toplevel

        if hasattr(benchmark_dunning, "generate_dataset"):
            return benchmark_dunning.generate_dataset(env, invoices)
    return generate_own_dataset(env, invoices)


def _timed(label, function):
    start = time.perf_counter()
    result = function()
    elapsed = time.perf_counter() - start
    sys.stdout.write(f"{label:<60} {elapsed * 1000:9.1f} ms\n")
    return result


def _weekly_pass(env):
    """What the two scoring actions do in a week: queue every customer, then
    rescore them slice by slice (here in the benchmark's one transaction)."""
    score = env["dunning.partner.score"]
    env["dunning.score.queue"]._enqueue_all()
    batch = int(
        env["ir.config_parameter"].get_param(
            "account_dunning_advanced.rescore_batch_size", 1000
        )
    )
    slices = 0
    with patch.object(type(score), "_can_commit", lambda self: False):
        while score._rescore_slice(batch):
            slices += 1
    return slices


def run(env, invoices):
    _timed(f"generate {invoices} invoices", lambda: generate_dataset(env, invoices))
    env.invalidate_all()
    env.cr.execute("ANALYZE")
    company = env.company
    for model, measures, groupby in (
        (
            "dunning.effectiveness.report",
            ["reminder_count", "amount_reminded", "amount_paid_30", "payment_rate"],
            ["level_id", "date:month"],
        ),
        (
            "dunning.aged.receivable.report",
            ["amount_residual", "amount_1_15", "amount_older"],
            ["typology_id", "bucket"],
        ),
        (
            "dunning.kpi.report",
            ["dso", "recovery_rate", "avg_payment_delay", "reminders_per_paid"],
            ["month:month"],
        ),
    ):
        report = env[model]
        rows = _timed(
            f"{model}: SELECT count(*)",
            lambda report=report: report.search_count([]),
        )
        groups = _timed(
            f"{model}: read_group {groupby}",
            lambda report=report, m=measures, g=groupby: report.read_group(
                [], m, g, lazy=False
            ),
        )
        sys.stdout.write(f"    {rows} rows, {len(groups)} groups\n")
    score = env["dunning.partner.score"]
    _timed("dunning.partner.score: full recompute", lambda: score._recompute(company))
    sys.stdout.write(
        f"    {score.search_count([('company_id', '=', company.id)])} customers\n"
    )
    _timed(
        "dunning.typology.rule: apply rules",
        lambda: env["dunning.typology.rule"]._apply_rules(company),
    )
    # typologies set above: the pass below rescores, its rules change nothing
    slices = _timed(
        "dunning.partner.score: weekly pass (queue, slices)", lambda: _weekly_pass(env)
    )
    sys.stdout.write(f"    {slices} slices\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("-n", "--invoices", type=int, default=50000)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        try:
            run(env, args.invoices)
        finally:
            cr.rollback()


if __name__ == "__main__":
    main()
