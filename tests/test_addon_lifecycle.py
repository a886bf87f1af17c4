"""The addon installs in a fresh database, upgrades and uninstalls, logging no ERROR.

The steps run in order on one database copied from the template (Odoo 18.0 with the
addon's dependencies and demo data), each in its own odoo process.
"""

import ast
import os

import pytest
from devenv import ADDON, REPO, error_lines, run_db_name


@pytest.fixture(scope="module")
def lifecycle_db(project, template_db):
    db = run_db_name("lifecycle", os.environ["DUNNING_RUN_ID"])
    project.copy_db(template_db, db)
    yield db
    project.drop_db(db)


def assert_clean_run(step, rc, log):
    errors = error_lines(log)
    if rc or errors:
        pytest.fail(
            f"{step}: exit code {rc}, {len(errors)} ERROR line(s) (log: {log})\n"
            + "\n".join(errors[:20]),
            pytrace=False,
        )


def run_odoo_step(project, db, step, *args):
    log = project.logs / f"lifecycle-{step}.log"
    rc, _ = project.run_odoo(
        db, *args, "--stop-after-init", "--no-http", "--max-cron-threads=0", log=log
    )
    assert_clean_run(step, rc, log)


def test_install_in_fresh_database(project, lifecycle_db):
    assert project.module_state(lifecycle_db) == "uninstalled"
    run_odoo_step(project, lifecycle_db, "install", "-i", ADDON)
    assert project.module_state(lifecycle_db) == "installed"


def test_upgrade(project, lifecycle_db):
    run_odoo_step(project, lifecycle_db, "upgrade", "-u", ADDON)
    manifest = ast.literal_eval((REPO / ADDON / "__manifest__.py").read_text())
    rows = project.pg.sql(
        "SELECT state, latest_version FROM ir_module_module WHERE name = %s",
        (ADDON,),
        dbname=lifecycle_db,
    )
    assert rows == [("installed", manifest["version"])]


def addon_indexes(project, db):
    return project.pg.sql(
        "SELECT tablename, indexname FROM pg_indexes "
        "WHERE indexname LIKE '%%dunning%%' ORDER BY 1, 2",
        dbname=db,
    )


def test_uninstall(project, lifecycle_db):
    installed = {table for table, _index in addon_indexes(project, lifecycle_db)}
    # the addon indexes Odoo's own tables, not only its own
    assert {"account_move_line", "mail_message"} <= installed
    log = project.logs / "lifecycle-uninstall.log"
    rc, _ = project.run_script("uninstall", lifecycle_db, log)
    assert_clean_run("uninstall", rc, log)
    assert project.module_state(lifecycle_db) == "uninstalled"
    leftovers = project.pg.sql(
        "SELECT model, name FROM ir_model_data WHERE module = %s LIMIT 20",
        (ADDON,),
        dbname=lifecycle_db,
    )
    assert leftovers == []
    models = project.pg.sql(
        "SELECT model FROM ir_model WHERE model LIKE 'dunning.%%'", dbname=lifecycle_db
    )
    assert models == []
    assert addon_indexes(project, lifecycle_db) == []
