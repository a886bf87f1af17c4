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
    # Links and logos in the cycle's emails point to the server the demo serves, and
    # so do those of the history's documents, rendered for the port of an earlier run
    if os.environ.get("DUNNING_BASE_URL"):
        base_url = os.environ["DUNNING_BASE_URL"]
        demo = env.get("dunning.demo")
        if demo is not None and hasattr(demo, "_demo_rebase_links"):
            demo._demo_rebase_links(base_url)
        env["ir.config_parameter"].set_param("web.base.url", base_url)
    if os.environ.get("DUNNING_SMTP_PORT"):
        mail_catcher(env, int(os.environ["DUNNING_SMTP_PORT"]))
    # wkhtmltopdf fetches the letters' stylesheets from the running demo server
    if os.environ.get("DUNNING_REPORT_URL"):
        env["ir.config_parameter"].set_param(
            "report.url", os.environ["DUNNING_REPORT_URL"]
        )
    text = runs._cli_demo_summary()
    if os.environ.get("DUNNING_SMTP_PORT"):
        # what the cycle queued leaves now; the queue's cron sends the rest
        env.cr.commit()
        queued = env["mail.mail"].search([("state", "=", "outgoing")])
        env["mail.mail"].process_email_queue(ids=queued.ids)
        queued.invalidate_recordset(["state"])
        counts = {
            s: len(queued.filtered(lambda m, s=s: m.state == s))
            for s in ("sent", "exception", "outgoing")
        }
        text += (
            f"\nMail catcher: {counts['sent']} queued email(s) sent to it, "
            f"{counts['exception']} failed, {counts['outgoing']} still queued (the "
            "mail queue sends later ones within a minute)"
        )
    return text


MAIL_CATCHER = "Demo mail catcher (./setup/demo)"


def mail_catcher(env, port):
    """The demo's only outgoing mail server: the local mail catcher of
    ./setup/demo on ``port``; the mail queue's cron runs every minute."""
    servers = env["ir.mail_server"].with_context(active_test=False)
    values = {
        "name": MAIL_CATCHER,
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_encryption": "none",
        "smtp_authentication": "login",
        "smtp_user": False,
        "smtp_pass": False,
        "from_filter": False,
        "sequence": 1,
        "active": True,
    }
    server = servers.search([("name", "=", MAIL_CATCHER)], limit=1)
    if server:
        server.write(values)
    else:
        server = servers.create(values)
    (servers.search([]) - server).write({"active": False})
    cron = env.ref("mail.ir_cron_mail_scheduler_action", raise_if_not_found=False)
    if cron:
        cron.write({"interval_number": 1, "interval_type": "minutes", "active": True})


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
