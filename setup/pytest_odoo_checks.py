"""pytest plugin loaded by ./setup/test beside pytest-odoo (see setup/pytest.ini).

It runs Odoo's test classes as Odoo's own runner does:
``odoo.modules.module.current_test`` names the running test (pytest-odoo 2.3 sets it for
Odoo 19 only), so that code which must not commit, send mail or open test cursors
outside tests (``if not current_test``) behaves as under ``odoo-bin --test-enable``.

It fails what pytest-odoo alone would let pass:

- a test during which Odoo logs an ERROR or CRITICAL record (in any thread, the HTTP
  server's included). Records silenced by ``mute_logger`` or caught by ``assertLogs``
  never reach the root logger, so expected errors stay allowed, as in Odoo's runner;
- a skipped browser test (``HttpCase``): Odoo skips them without Chromium or the
  ``websocket-client`` package, pytest-odoo without ``--odoo-http``.
"""

import logging
import os
import re

import pytest

BROWSER_SKIP = re.compile(r"chrom|browser|websocket|devtools|odoo-http", re.I)
ERROR_RECORDS = pytest.StashKey[list]()
BROWSER_RUNS = pytest.StashKey[list]()


class _ErrorRecords(logging.Handler):
    def __init__(self, records):
        super().__init__(logging.ERROR)
        self.records = records

    def emit(self, record):
        self.records.append(record)


def _odoo_base_case():
    try:
        from odoo.tests.common import BaseCase
    except ImportError:  # pytest without Odoo (tests/ only)
        return None
    return BaseCase


@pytest.fixture(scope="class", autouse=True)
def _odoo_current_test_class(request):
    """During setUpClass/tearDownClass, as OdooSuite does: an instance of the class."""
    base_case = _odoo_base_case()
    if not (base_case and request.cls and issubclass(request.cls, base_case)):
        yield
        return
    from odoo.modules import module

    module.current_test = request.cls()  # methodName "runTest" needs no such method
    yield
    module.current_test = False


def pytest_collection_modifyitems(config, items):
    """Deselect Odoo's own tests known to fail without the addon too
    (``Class::test`` names in DUNNING_KNOWN_FAILURES, set by ./setup/test)."""
    known = {n for n in os.environ.get("DUNNING_KNOWN_FAILURES", "").split(",") if n}
    if not known:
        return
    deselected = [
        item
        for item in items
        if item.cls and f"{item.cls.__name__}::{item.name}" in known
    ]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item not in deselected]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    base_case = _odoo_base_case()
    instance = getattr(item, "instance", None)
    if base_case and isinstance(instance, base_case):
        from odoo.modules import module

        module.current_test = instance
    return (yield from _phase(item))


def _phase(item):
    handler = _ErrorRecords(item.stash.setdefault(ERROR_RECORDS, []))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)


pytest_runtest_setup = pytest.hookimpl(wrapper=True)(_phase)
pytest_runtest_teardown = pytest.hookimpl(wrapper=True)(_phase)


def _is_browser_test(item):
    if not _odoo_base_case():
        return False
    from odoo.tests.common import HttpCase

    return isinstance(getattr(item, "instance", None), HttpCase)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    records = item.stash.get(ERROR_RECORDS, [])
    if records and report.passed and report.when in ("call", "teardown"):
        formatter = logging.Formatter("%(levelname)s %(name)s: %(message)s")
        lines = [formatter.format(r) for r in records]
        records.clear()
        report.outcome = "failed"
        report.longrepr = (
            f"Odoo logged {len(lines)} ERROR/CRITICAL record(s) during this test "
            "(use mute_logger or assertLogs where an error is expected):\n"
            + "\n".join(lines)
        )
    elif report.skipped and _is_browser_test(item):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
        if BROWSER_SKIP.search(str(reason)):
            report.outcome = "failed"
            report.longrepr = f"browser test skipped, it must run: {reason}"
    if report.when == "call" and report.passed and _is_browser_test(item):
        item.config.stash.setdefault(BROWSER_RUNS, []).append(item.nodeid)
    return report


def pytest_terminal_summary(terminalreporter, config):
    runs = config.stash.get(BROWSER_RUNS, [])
    if runs:
        names = ", ".join(nodeid.rsplit("::", 1)[-1] for nodeid in runs)
        terminalreporter.write_line(
            f"HttpCase tests passed (tours in Chromium): {len(runs)} ({names})"
        )
