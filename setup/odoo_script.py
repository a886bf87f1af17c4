"""Small Odoo entry points used by setup/devenv.py and the top-level tests.

    python odoo_script.py summary   ODOO_CONF DB OUTPUT  # dunning cycle, its summary
    python odoo_script.py uninstall ODOO_CONF DB         # uninstall the addon

Odoo's log goes to stderr as usual, so callers can check it for ERROR lines.
"""

import os
import sys

import odoo
from odoo.modules.registry import Registry
from odoo.tools import config

ADDON = "account_dunning_advanced"


def summary(env):
    runs = env.get("dunning.run")
    if runs is None or not hasattr(runs, "_cli_demo_summary"):
        return "dunning engine not installed yet"
    # Links and logos in the cycle's emails point to the server the demo serves
    if os.environ.get("DUNNING_BASE_URL"):
        env["ir.config_parameter"].set_param(
            "web.base.url", os.environ["DUNNING_BASE_URL"]
        )
    # wkhtmltopdf fetches the letters' stylesheets from the running demo server
    if os.environ.get("DUNNING_REPORT_URL"):
        env["ir.config_parameter"].set_param(
            "report.url", os.environ["DUNNING_REPORT_URL"]
        )
    return runs._cli_demo_summary()


def uninstall(env):
    module = env["ir.module.module"].search([("name", "=", ADDON)])
    if module.state != "installed":
        raise SystemExit(f"{ADDON} is {module.state or 'unknown'}, not installed")
    module.button_immediate_uninstall()
    return f"{ADDON}: {module.state}"


def main(action, conf, db, output=""):
    config.parse_config(["-c", conf, "-d", db, "--no-http", "--max-cron-threads=0"])
    registry = Registry(db)
    # manage_changes: the running server drops its cached parameters too
    with registry.manage_changes(), registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        text = {"summary": summary, "uninstall": uninstall}[action](env)
    if output:
        with open(output, "w") as fh:
            fh.write(f"{text}\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
