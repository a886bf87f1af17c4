"""Fixtures for the repository-level tests, run by ./setup/test (see README.md).

./setup/test prepares Odoo, PostgreSQL and a database with the addon installed (on its
dependencies with demo data), then runs pytest with pytest-odoo. Tests here are plain
pytest tests: they drive the odoo command line in subprocesses against their own
databases (``db_copy``), so each step gets a fresh registry and its log is checked for
ERROR lines (``assert_clean_run``).
"""

import os

import devenv
import pytest

ADDON = devenv.ADDON


@pytest.fixture(scope="session")
def project():
    """devenv.Project as set up by ./setup/test: config, PostgreSQL, logs, run_odoo."""
    project = devenv.Project.from_env()
    if project is None:
        pytest.skip("run through ./setup/test: it prepares Odoo, PostgreSQL, databases")
    return project


@pytest.fixture(scope="session")
def installed_db(project):
    """The template plus the addon, installed by ./setup/test; copy, never change it."""
    return os.environ["DUNNING_INSTALLED_DB"]


@pytest.fixture(scope="session")
def db_copy(project, request):
    """db_copy(source, what): a new database copied from source, or, with source None,
    with the addon's dependencies and demo data only (click-odoo-initdb's template).
    Dropped at the end of a session without failures, else kept until the next run."""
    made = []

    def copy(source, what):
        db = devenv.run_db_name(what, os.environ["DUNNING_RUN_ID"])
        made.append(db)
        if source is None:
            devenv.new_db(project, db, project.logs / f"initdb-{what}.log")
        else:
            project.copy_db(source, db)
        return db

    yield copy
    if not request.session.testsfailed:
        for db in made:
            project.drop_db(db)


def _assert_clean_run(step, rc, log):
    errors = devenv.error_lines(log)
    if rc or errors:
        pytest.fail(
            f"{step}: exit code {rc}, {len(errors)} ERROR line(s) (log: {log})\n"
            + "\n".join(errors[:20]),
            pytrace=False,
        )


@pytest.fixture(scope="session")
def assert_clean_run():
    """assert_clean_run(step, rc, log): fails for the exit code of an odoo subprocess or
    the ERROR lines of its log."""
    return _assert_clean_run


@pytest.fixture(scope="session")
def run_odoo(project):
    """run_odoo(db, step, *odoo args): odoo --stop-after-init in a subprocess, checked
    by assert_clean_run; its log is <step>.log in this run's log directory."""

    def run(db, step, *args):
        log = project.logs / f"{step}.log"
        rc = project.run_odoo(
            db, *args, "--stop-after-init", "--no-http", "--max-cron-threads=0", log=log
        )
        _assert_clean_run(step, rc, log)

    return run
