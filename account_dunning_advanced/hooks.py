# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tools import SQL

from .models.dunning_worklist import WORKLIST_TABLES

# Records of the dunning history reference invoices, customers and levels and
# would keep the uninstallation from removing those (demo data included); their
# tables are dropped with the module anyway. Children before parents.
HISTORY_TABLES = (
    "dunning_communication_line",
    "dunning_communication",
    "dunning_run_log",
    "dunning_run",
    "dunning_payment_plan_line",
    "dunning_payment_plan",
    "dunning_promise",
    "dunning_dispute",
    "dunning_partner_score",
    "dunning_score_queue",
)


def _foreign_indexes(cr):
    """The indexes the addon created in ``init()`` on other modules' tables
    (all named ``dunning_*``): Odoo drops the addon's tables and columns, not
    those. The indexes of the addon's own fields go with their columns."""
    cr.execute(
        SQL(
            """
            SELECT indexname
              FROM pg_indexes
             WHERE schemaname = current_schema()
               AND indexname LIKE %(prefix)s
               AND tablename NOT LIKE %(prefix)s
            """,
            prefix="dunning\\_%",
        )
    )
    return [row[0] for row in cr.fetchall()]


def _reset_demo_payments(env):
    """The payments of the demo history go back to draft: Odoo deletes the
    module's records after this hook, and refuses to delete a confirmed
    payment (and then its customer)."""
    payment_ids = (
        env["ir.model.data"]
        .search(
            [
                ("module", "=", "account_dunning_advanced"),
                ("model", "=", "account.payment"),
            ]
        )
        .mapped("res_id")
    )
    env["account.payment"].browse(payment_ids).exists().action_draft()


def _keep_demo_company(env):
    """The demo's French company (its chart of accounts, books and users) and
    its collector stay, with their partners, as a company and a user created
    by hand would: Odoo cannot delete a company whose accounts and users
    remain, nor the partner of a user."""
    IrModelData = env["ir.model.data"]
    module = [("module", "=", "account_dunning_advanced")]
    data = IrModelData.search(module + [("model", "in", ("res.company", "res.users"))])
    records = [env[d.model].browse(d.res_id) for d in data]
    partners = env["res.partner"].union(*(r.exists().partner_id for r in records))
    data |= IrModelData.search(
        module + [("model", "=", "res.partner"), ("res_id", "in", partners.ids)]
    )
    data.unlink()


def uninstall_hook(env):
    _reset_demo_payments(env)
    _keep_demo_company(env)
    for table in HISTORY_TABLES:
        env.cr.execute(SQL("DELETE FROM %s", SQL.identifier(table)))
    for index in _foreign_indexes(env.cr):
        env.cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(index)))
    # the worklist's and the reports' stored rows: tables of no model, Odoo's
    # uninstall leaves them
    tables = list(WORKLIST_TABLES) + [
        store._store_table for store in env["dunning.report.store"]._store_models()
    ]
    for table in tables:
        env.cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(table)))
