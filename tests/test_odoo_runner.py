"""The Odoo test runner's results, as pytest items.

./setup/test first runs the addon's tests with Odoo's own runner (--test-tags), which
fails on ERROR log lines and runs the browser tours, and writes what it saw to a JSON
file. Each Odoo test becomes one item here, so pytest's closing line counts every test,
and test_odoo_runner_clean fails on anything else wrong with that run.
"""

import json
import os
import warnings

import pytest


def load_result():
    path = os.environ.get("DUNNING_ODOO_RESULT")
    if not path:
        return None
    with open(path) as fh:
        return json.load(fh)


RESULT = load_result()
CASES = RESULT["tests"] if RESULT else []

pytestmark = pytest.mark.skipif(RESULT is None, reason="run through ./setup/test")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_odoo_test(case):
    details = case["details"]
    if case["outcome"] == "skipped":
        browser_skip = case["id"] in RESULT["browser_skips"]
        assert not browser_skip, f"browser test skipped (no Chromium?): {details}"
        pytest.skip(details)
    if case["outcome"] != "passed":
        # Odoo's traceback says it all; pytest's own would only point here.
        outcome = f"{case['outcome']} in Odoo's runner (log: {RESULT['log']})"
        pytest.fail(f"{outcome}:\n{details}", pytrace=False)


def run_problems(result):
    summary = result["summary"]
    problems = []
    if result["timed_out"]:
        problems.append("Odoo's test run was killed after its time limit")
    if result["exit_code"]:
        problems.append(f"odoo exited with code {result['exit_code']}")
    if summary is None:
        problems.append("no 'N failed, N error(s) of N tests' line: the run stopped")
    else:
        if summary["failed"] or summary["errors"]:
            problems.append(f"{summary['failed']} failed, {summary['errors']} error(s)")
        if summary["tests"] != result["started"]:
            counted, started = summary["tests"], result["started"]
            problems.append(f"Odoo counted {counted} tests, the log shows {started}")
    problems += [f"ERROR in the log: {line}" for line in result["error_lines"][:30]]
    problems += [f"browser test skipped: {t}" for t in result["browser_skips"]]
    return problems


def test_odoo_runner_clean():
    problems = run_problems(RESULT)
    if problems:
        pytest.fail(f"log: {RESULT['log']}\n" + "\n".join(problems), pytrace=False)
    if not RESULT["summary"]["tests"]:
        warnings.warn("Odoo's runner found no test in the addon", stacklevel=1)
