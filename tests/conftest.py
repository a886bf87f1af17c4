"""Fixtures for the repository-level tests, run by ./setup/test (see README.md).

These tests drive the odoo command line in subprocesses against copies of the template
database that ./setup/test prepared, and read the result file of its Odoo-runner phase.
"""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "setup"))
import devenv  # noqa: E402


@pytest.fixture(scope="session")
def project():
    project = devenv.Project.from_env()
    if project is None:
        pytest.skip(
            "run through ./setup/test: it prepares Odoo, PostgreSQL and the template"
        )
    return project


@pytest.fixture(scope="session")
def template_db(project):
    return os.environ["DUNNING_TEMPLATE_DB"]
