"""Odoo's test loader imports the tests of every installed module, whichever module's
tests are asked for (``odoo --test-tags /account``): the addon's test modules must
import where a test-only package is missing, and their tests skip instead.
"""

import subprocess
import sys
import textwrap

from devenv import ADDON, REPO

# packages that only the addon's tests use (setup/requirements.txt), never production
TEST_ONLY_PACKAGES = ("aiosmtpd",)

LOADER = textwrap.dedent(
    """
    import sys
    import unittest

    for name in sys.argv[3].split(","):
        sys.modules[name] = None  # import name -> ImportError, as if not installed

    import odoo
    from odoo.modules.module import initialize_sys_path

    # as `odoo --test-tags ...` does, before the test framework is imported
    odoo.tools.config.parse_config(["-c", sys.argv[1], "--test-enable"])
    initialize_sys_path()
    from odoo.tests.loader import get_test_modules

    for module in get_test_modules(sys.argv[2]):
        print(module.__name__.rpartition(".")[2])
        if module.__name__.endswith(".test_dunning_smtp_delivery"):
            # the SMTP tests skip, saying why
            try:
                module.smtp_server(None, 0)
            except unittest.SkipTest as skip:
                print("skip:", str(skip).replace(" ", "_"))
    """
)


def loaded_test_modules(project):
    """The words Odoo's test loader prints for the addon, test-only packages hidden:
    the names of the test modules it would run, and the SMTP tests' skip reason."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            LOADER,
            str(project.conf),
            ADDON,
            ",".join(TEST_ONLY_PACKAGES),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return set(result.stdout.split())


def test_addon_tests_import_without_test_only_packages(project):
    loaded = loaded_test_modules(project)
    # the test modules that use an SMTP server are loaded, not only the others
    assert {
        "test_dunning_smtp_delivery",
        "test_dunning_deliverability",
        "test_dunning_bounce_figures",
        "test_dunning_payment_qr",
    } <= loaded
    assert any(word.startswith("aiosmtpd_is_not_installed") for word in loaded), loaded


def test_odoo_runs_every_test_module(project):
    """Odoo's own test runner (``odoo --test-enable``, ``--test-tags``) runs the
    test modules the addon's ``tests/__init__.py`` imports, not the files it finds:
    a test file left out of it runs under pytest only, never in an Odoo CI."""
    loaded = {word for word in loaded_test_modules(project) if word.startswith("test_")}
    files = {path.stem for path in (REPO / ADDON / "tests").glob("test_*.py")}
    assert files - loaded == set()
