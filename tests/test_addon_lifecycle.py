"""The addon installs, upgrades and uninstalls, logging no ERROR.

./setup/test installs it in a copy of the template before pytest starts (pytest-odoo
needs it installed); the upgrade and uninstall run here, in order, on one copy of that
database, each in its own odoo process.
"""

import ast
import os

import pytest
from devenv import ADDON, REPO


@pytest.fixture(scope="module")
def lifecycle_db(installed_db, db_copy):
    return db_copy(installed_db, "lifecycle")


def test_install_in_fresh_database(project, installed_db, assert_clean_run):
    rc, log = int(os.environ["DUNNING_INSTALL_RC"]), os.environ["DUNNING_INSTALL_LOG"]
    assert_clean_run("install", rc, log)
    assert project.module_state(installed_db) == "installed"


def test_upgrade(project, lifecycle_db, run_odoo):
    run_odoo(lifecycle_db, "upgrade", "-u", ADDON)
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


def test_uninstall(project, lifecycle_db, assert_clean_run):
    installed = {table for table, _index in addon_indexes(project, lifecycle_db)}
    # the addon indexes Odoo's own tables, not only its own
    assert {"account_move_line", "mail_message"} <= installed
    log = project.logs / "uninstall.log"
    rc = project.run_script("uninstall", lifecycle_db, log)
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
