"""The addon upgrades from its previous release (18.0.1.0.0) without losing anything.

The previous release is taken from the git history (the newest commit whose manifest
carries its version), installed with its demo data in a copy of the template database,
used for a while (a dunning run, a promise to pay, a dispute, a payment plan), then the
current code upgrades the database with ``-u``. What a user reads of the dunning
history (reminders, their lines, runs, skip logs, promises, disputes, payment plans and
the invoices' dunning status) is read through the ORM before and after: it must not
change.
"""

import ast
import json
import subprocess
import tarfile
import tempfile

import pytest
from devenv import ADDON, REPO, error_lines

PREVIOUS_VERSION = "18.0.1.0.0"

# What a user reads of each model; a field missing from one version is reported.
SNAPSHOT = {
    "dunning.communication": [
        "name", "date", "partner_id", "level_id", "state", "amount_due",
        "penalty_interest", "penalty_indemnity", "channel_email", "channel_letter",
        "channel_sms", "channel_call", "line_ids", "run_id",
    ],
    "dunning.communication.line": [
        "communication_id", "move_id", "move_line_id", "level_id", "days_late",
        "amount_residual", "amount_residual_currency", "penalty_interest",
    ],
    "dunning.run": ["name", "date", "company_id", "state", "communication_count"],
    "dunning.run.log": ["run_id", "partner_id", "move_line_id", "reason"],
    "dunning.promise": ["partner_id", "date", "amount", "state", "paused_until"],
    "dunning.dispute": ["move_id", "partner_id", "reason_id", "state"],
    "dunning.payment.plan": ["partner_id", "state", "move_ids", "line_ids"],
    "dunning.payment.plan.line": ["plan_id", "date", "amount"],
}  # fmt: skip
MOVE_FIELDS = [
    "dunning_level_id",
    "dunning_last_date",
    "dunning_count",
    "dunning_dispute",
]

USE_PREVIOUS_RELEASE = """
import datetime
from odoo import fields
today = fields.Date.context_today(env["res.users"])
company = env.ref("base.main_company")
env["dunning.run"]._run_company(company, today, "manual", dry_run=False)
open_moves = env["account.move"].search([
    ("move_type", "=", "out_invoice"), ("state", "=", "posted"),
    ("payment_state", "in", ("not_paid", "partial")), ("company_id", "=", company.id),
], order="id")
assert len(open_moves) >= 4, open_moves
promised, disputed, planned = open_moves[0], open_moves[1], open_moves[2]
promise = env["dunning.promise"].create({
    "partner_id": promised.commercial_partner_id.id, "company_id": company.id,
    "date": today + datetime.timedelta(days=10), "amount": promised.amount_residual,
})
# what the previous release's promises do: pause the customer until the promise
partner = promise.partner_id.with_company(company)
if not partner.dunning_paused_until:
    partner._dunning_set_pause(promise.paused_until)
env["dunning.dispute"].create({
    "move_id": disputed.id,
    "reason_id": env["dunning.dispute.reason"].search([], limit=1).id,
    "note": "Goods damaged",
})
Plan = env["dunning.payment.plan"]
plan = Plan.create({
    "partner_id": planned.commercial_partner_id.id, "company_id": company.id,
    "move_ids": [(6, 0, planned.ids)],
    "line_ids": Plan._generate_lines(
        planned.amount_residual, 3, today + datetime.timedelta(days=7), "monthly"),
})
plan.action_activate()
# the previous release let users flag an invoice as disputed by hand
flagged = (open_moves - promised - disputed - planned).filtered(
    lambda move: not move.dunning_dispute
)[0]
flagged.write({"dunning_dispute": True, "dunning_dispute_note": "Flagged by hand"})
# reminder channels, one choice for every company in the previous release
env["res.company"].create({"name": "Second Company"})
Partner = env["res.partner"]
Partner.create({"name": "Channel shared letter", "dunning_preferred_channel": "letter"})
Partner.create({"name": "Channel shared email", "dunning_preferred_channel": "email"})
Partner.create({"name": "Channel no choice"})
Partner.create({
    "name": "Channel own company letter", "company_id": company.id,
    "dunning_preferred_channel": "letter",
})
env.cr.commit()
"""

READ_SNAPSHOT = """
import json
spec = json.loads(%(spec)r)
move_fields = %(move_fields)r
out = {"missing": []}

def plain(value):
    if hasattr(value, "_name"):
        return sorted(value.ids)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 2)
    return value

for model, names in spec.items():
    Model = env[model].with_context(active_test=False)
    present = [n for n in names if n in Model._fields]
    out["missing"] += [f"{model}.{n}" for n in names if n not in present]
    out[model] = {
        rec.id: {n: plain(rec[n]) for n in present} for rec in Model.search([])
    }
moves = env["dunning.communication.line"].search([]).move_id
moves |= env["dunning.dispute"].search([]).move_id
moves |= env["account.move"].search([("dunning_dispute", "=", True)])
out["pauses"] = {
    promise.id: plain(
        promise.partner_id.with_company(promise.company_id).dunning_paused_until
    )
    for promise in env["dunning.promise"].search([("state", "=", "open")])
}
out["open_disputes"] = {
    dispute.move_id.id: dispute.note
    for dispute in env["dunning.dispute"].search([("state", "=", "open")])
}
out["account.move"] = {
    move.id: {n: plain(move[n]) for n in move_fields if n in move._fields}
    for move in moves
}
out["channels"] = {
    partner.name: {
        ("main" if company == env.ref("base.main_company") else company.name): (
            partner.with_company(company).dunning_preferred_channel
        )
        for company in env["res.company"].search([])
    }
    for partner in env["res.partner"].search([("name", "=like", "Channel %%")])
}
with open(%(output)r, "w") as fh:
    json.dump(out, fh, default=str, sort_keys=True)
"""


def previous_release_commit():
    """Newest commit of the main line whose addon manifest has the previous
    release's version."""
    manifest = f"{ADDON}/__manifest__.py"
    commits = subprocess.run(
        # the main line's history: a merged branch may carry the old version number
        [
            "git",
            "-C",
            str(REPO),
            "log",
            "--first-parent",
            "--format=%H",
            "--",
            manifest,
        ],  # fmt: skip
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for commit in commits:
        text = subprocess.run(
            ["git", "-C", str(REPO), "show", f"{commit}:{manifest}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        if ast.literal_eval(text)["version"] == PREVIOUS_VERSION:
            return commit
    pytest.fail(f"no commit with {ADDON} {PREVIOUS_VERSION} in the git history")


@pytest.fixture(scope="module")
def previous_addons(tmp_path_factory):
    """The previous release's addon, exported from git into a folder of its own."""
    target = tmp_path_factory.mktemp("previous-release")
    archive = target / "addon.tar"
    subprocess.run(
        ["git", "-C", str(REPO), "archive", "-o", str(archive),
         previous_release_commit(), ADDON],
        check=True,
    )  # fmt: skip
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    archive.unlink()
    return target


@pytest.fixture(scope="module")
def previous_conf(project, previous_addons, tmp_path_factory):
    """The project's Odoo config with the previous release on the addons path."""
    lines = [
        line.replace(str(REPO), str(previous_addons))
        if line.startswith("addons_path")
        else line
        for line in project.conf.read_text().splitlines()
    ]
    conf = tmp_path_factory.mktemp("previous-conf") / "odoo.conf"
    conf.write_text("\n".join(lines) + "\n")
    return conf


@pytest.fixture(scope="module")
def upgrade_db(db_copy):
    """The addon's dependencies with demo data, without the addon."""
    return db_copy(None, "upgrade")


def odoo(project, conf, db, step, *args, command=(), stdin=None):
    log = project.logs / f"upgrade-{step}.log"
    cmd = [project.python, "-m", "odoo", *command, "-c", str(conf), "-d", db, *args]
    with open(log, "w") as fh:
        proc = subprocess.run(
            cmd, input=stdin, stdout=fh, stderr=subprocess.STDOUT, text=True,
            cwd=tempfile.gettempdir(), timeout=1800, check=False,
        )  # fmt: skip
    errors = error_lines(log)
    if proc.returncode or errors:
        pytest.fail(
            f"{step}: exit code {proc.returncode}, {len(errors)} ERROR line(s) "
            f"(log: {log})\n" + "\n".join(errors[:20]),
            pytrace=False,
        )


def snapshot(project, conf, db, step, tmp_path):
    output = tmp_path / f"{step}.json"
    script = READ_SNAPSHOT % {
        "spec": json.dumps(SNAPSHOT),
        "move_fields": MOVE_FIELDS,
        "output": str(output),
    }
    odoo(
        project, conf, db, f"read-{step}", "--no-http", command=["shell"], stdin=script
    )
    return json.loads(output.read_text())


def test_upgrade_keeps_the_dunning_history(
    project, previous_conf, upgrade_db, tmp_path
):
    common = ("--no-http", "--max-cron-threads=0")
    odoo(project, previous_conf, upgrade_db, "install-previous", "-i", ADDON,
         "--stop-after-init", *common)  # fmt: skip
    odoo(project, previous_conf, upgrade_db, "use-previous", "--no-http",
         command=["shell"], stdin=USE_PREVIOUS_RELEASE)  # fmt: skip
    before = snapshot(project, previous_conf, upgrade_db, "before", tmp_path)
    assert before["missing"] == []
    assert before["dunning.communication"], "the previous release sent no reminder"
    for model in ("dunning.promise", "dunning.dispute", "dunning.payment.plan"):
        assert before[model], f"no {model} to carry over"

    odoo(project, project.conf, upgrade_db, "upgrade", "-u", ADDON,
         "--stop-after-init", *common)  # fmt: skip
    manifest = ast.literal_eval((REPO / ADDON / "__manifest__.py").read_text())
    rows = project.pg.sql(
        "SELECT latest_version FROM ir_module_module WHERE name = %s",
        (ADDON,),
        dbname=upgrade_db,
    )
    assert rows == [(manifest["version"],)]
    assert manifest["version"] != PREVIOUS_VERSION

    after = snapshot(project, project.conf, upgrade_db, "after", tmp_path)
    assert after["missing"] == []
    for model in [*SNAPSHOT, "account.move"]:
        if model == "dunning.dispute":
            continue
        assert after[model] == before[model], f"{model} changed by the upgrade"
    # every dispute is kept, and the invoice flagged by hand got its own
    kept = {key: after["dunning.dispute"].get(key) for key in before["dunning.dispute"]}
    assert kept == before["dunning.dispute"]
    flagged = [
        move for move, values in before["account.move"].items()
        if values["dunning_dispute"] and move not in before["open_disputes"]
    ]  # fmt: skip
    assert flagged
    assert "Flagged by hand" in [after["open_disputes"][move] for move in flagged]
    # promises hold reminders back themselves: the pause they wrote is cleared
    promises = before["dunning.promise"]
    assert before["pauses"] == {key: promises[key]["paused_until"] for key in promises}
    assert after["pauses"] == dict.fromkeys(before["pauses"], False)
    # the reminder channel chosen before is kept in every company of the customer
    # (its own, else all of them); each company's choice is its own from now on
    assert len(before["channels"]) == 4
    expected = {
        name: {
            company: value if "own company" not in name or company == "main" else False
            for company, value in by_company.items()
        }
        for name, by_company in before["channels"].items()
    }
    # the demo data of this release adds a company during the upgrade (its
    # records need it): the companies that were there are compared
    kept_channels = {
        name: {c: v for c, v in by_company.items() if c in expected[name]}
        for name, by_company in after["channels"].items()
    }
    assert kept_channels == expected
    assert kept_channels["Channel shared letter"] == {
        "main": "letter",
        "Second Company": "letter",
    }
    # each scenario's late-payment regime follows its company's country (the
    # previous release applied the French rules to everyone); a shared scenario
    # keeps them when a French company uses the database
    french = (
        "SELECT c.id FROM res_company c JOIN res_partner p ON p.id = c.partner_id "
        "JOIN res_country k ON k.id = COALESCE(p.country_id, "
        "c.account_fiscal_country_id) WHERE k.code = 'FR'"
    )
    regimes = project.pg.sql(
        f"SELECT s.legal_regime, CASE WHEN s.company_id IS NULL "
        f"THEN EXISTS ({french}) ELSE s.company_id IN ({french}) END "
        f"FROM dunning_scenario s",
        dbname=upgrade_db,
    )
    assert regimes
    assert all(
        regime == ("french_b2b" if is_french else "none")
        for regime, is_french in regimes
    ), regimes
