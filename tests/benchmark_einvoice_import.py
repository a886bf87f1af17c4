"""Benchmark of the lifecycle message importer: 10,000 responses in one upload.

Usage (on a SCRATCH database where account_dunning_advanced is installed; the
generated company and invoices are committed, the measured import is rolled
back):

    python3 tests/benchmark_einvoice_import.py -c /path/odoo.conf -d DB \
        --invoices 10000 --responses 10000

or through the project's shell: ``./setup/odoo shell -d DB < this file`` is not
supported (argparse); run it with the virtualenv's python and ODOO_RC, e.g.
``~/.cache/account_dunning_advanced/venv-*/bin/python tests/benchmark_einvoice_import.py
-c $ODOO_RC -d DB``.

It generates a company (seller SIRET) with one customer (buyer SIRET) and
``--invoices`` posted invoices, then ``--responses`` Peppol Invoice Responses
from a template (a mix of AB, IP, AP, PD, UQ, RE, like a buyer's day), zipped
into one file, and imports that zip as a dunning manager does from the upload
dialog (``dunning.einvoice.message._dunning_import_files``): unzip, one parse
per file, the matching of the whole batch, the message records and the
lifecycle statuses with their effects (disputes, to-dos). It prints seconds,
the Odoo process's CPU time and SQL queries per message, for the whole import
and for its steps.
"""

import importlib.util
import io
import sys
import time
import zipfile
from pathlib import Path

from benchmark_dunning import bench_arguments, open_registry, timed

from odoo import SUPERUSER_ID, api

ADDON = Path(__file__).resolve().parent.parent / "account_dunning_advanced"


def _templates():
    """tests/einvoice_common.py of the addon, loaded by its path: importing
    the addon's tests package would load Odoo's test framework."""
    path = ADDON / "tests" / "einvoice_common.py"
    spec = importlib.util.spec_from_file_location("einvoice_common", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CODES = ["AB", "IP", "AB", "IP", "AP", "AP", "AP", "PD", "PD", "UQ", "RE", "CA"]


def _manager(env, company, tag):
    manager = env["res.users"].create(
        {
            "name": f"Benchmark manager {tag}",
            "login": f"einvoice_bench_{tag}",
            "email": f"einvoice_bench_{tag}@example.com",
            "company_id": company.id,
            "company_ids": [(6, 0, company.ids)],
            "groups_id": [
                (6, 0, [env.ref("account_dunning_advanced.group_dunning_manager").id])
            ],
        }
    )
    env.cr.commit()
    return manager


def reuse(env, invoices):
    """The company, invoices and manager of an earlier run, when it has
    enough invoices: generating them is the slow part."""
    company = env["res.company"].search(
        [("name", "=like", "E-invoicing benchmark %")], order="id desc", limit=1
    )
    if not company:
        return None
    moves = env["account.move"].search(
        [
            ("company_id", "=", company.id),
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
        ],
        order="id",
        limit=invoices,
    )
    manager = env["res.users"].search(
        [("login", "=like", "einvoice_bench_%"), ("company_id", "=", company.id)],
        limit=1,
    ) or _manager(env, company, time.strftime("%H%M%S"))
    manager.email = manager.email or f"{manager.login}@example.com"
    if not moves:
        return None
    sys.stdout.write(f"reusing {company.name}: {len(moves)} invoices\n")
    return company, moves, manager


def generate(env, invoices, tag):
    templates = _templates()
    company = env["res.company"].create(
        {"name": f"E-invoicing benchmark {tag}", "currency_id": env.ref("base.EUR").id}
    )
    env["account.chart.template"].try_loading(
        "generic_coa", company, install_demo=False
    )
    company.partner_id.company_registry = templates.SELLER_SIRET
    env = env(context=dict(env.context, allowed_company_ids=company.ids))
    customer = env["res.partner"].create(
        {
            "name": "Benchmark buyer",
            "is_company": True,
            "company_registry": templates.BUYER_SIRET,
        }
    )
    vals = {
        "move_type": "out_invoice",
        "company_id": company.id,
        "partner_id": customer.id,
        "invoice_date": "2026-01-20",
        "invoice_date_due": "2026-02-20",
        "invoice_line_ids": [
            (
                0,
                0,
                {
                    "name": "Consulting",
                    "quantity": 1,
                    "price_unit": 100.0,
                    "tax_ids": [],
                },
            )
        ],
    }
    manager = _manager(env, company, tag)
    start = time.perf_counter()
    moves = env["account.move"]
    for first in range(0, invoices, 500):
        batch = env["account.move"].create([vals] * min(500, invoices - first))
        batch.action_post()
        moves |= batch
        env.cr.commit()
        sys.stdout.write(f"{len(moves)} invoices\n")
        sys.stdout.flush()
    sys.stdout.write(
        f"{invoices} invoices generated in {time.perf_counter() - start:.0f} s\n"
    )
    return company, moves, manager


def responses(moves, count):
    peppol_response = _templates().peppol_response
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index in range(count):
            move = moves[index % len(moves)]
            code = CODES[index % len(CODES)]
            day = f"2026-03-{1 + index % 28:02d}"
            archive.writestr(
                f"response-{index:05d}.xml",
                peppol_response(
                    move, code, day, message_id=f"IR-{index}", reason="Bench reason"
                ),
            )
    return buffer.getvalue()


def run(env, invoices, count, tag, fresh=False):
    found = None if fresh else reuse(env, invoices)
    company, moves, manager = found or generate(env, invoices, tag)
    data = responses(moves, count)
    sys.stdout.write(f"one zip of {count} responses: {len(data) // 1024} kB\n")
    Message = (
        env["dunning.einvoice.message"]
        .with_user(manager)
        .with_context(allowed_company_ids=company.ids)
    )
    entries = timed(
        env,
        "unzip",
        count,
        lambda: Message._dunning_expand("responses.zip", data),
        unit="message",
    )
    from odoo.addons.account_dunning_advanced.tools import einvoice_messages

    parsed = timed(
        env,
        "parse (one per file)",
        count,
        lambda: [
            msg
            for _name, content, _error in entries
            for msg in einvoice_messages.parse_lifecycle_messages(content)
        ],
        unit="message",
    )
    timed(
        env,
        "match (whole batch)",
        count,
        lambda: Message._dunning_match(parsed, company),
        unit="message",
    )
    env.cr.execute("SAVEPOINT bench_import")
    results = timed(
        env,
        "whole import (unzip to statuses)",
        count,
        lambda: Message._dunning_import_files([("responses.zip", data)], "upload"),
        unit="message",
    )
    states = {}
    for res in results:
        states[res["state"]] = states.get(res["state"], 0) + 1
    sys.stdout.write(f"results: {states}\n")
    env.cr.execute("ROLLBACK TO SAVEPOINT bench_import")


def main():
    parser = bench_arguments(__doc__, invoices=10000)
    parser.add_argument("--responses", type=int, default=10000)
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="generate a new company even if an earlier run left one",
    )
    args = parser.parse_args()
    registry = open_registry(args)
    tag = time.strftime("%H%M%S")
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        run(env, args.invoices, args.responses, tag, args.fresh)
        cr.rollback()


if __name__ == "__main__":
    main()
