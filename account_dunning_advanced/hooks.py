# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tools import SQL

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
)


def uninstall_hook(env):
    for table in HISTORY_TABLES:
        env.cr.execute(SQL("DELETE FROM %s", SQL.identifier(table)))
