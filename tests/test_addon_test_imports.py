"""Odoo's test loader imports the tests of every installed module, whichever module's
tests are asked for (``odoo --test-tags /account``): the addon's test modules must
import where a test-only package is missing, and their tests skip instead.
"""

import subprocess
import sys
import textwrap

from devenv import ADDON

# packages that only the addon's tests use (setup/requirements.txt), never production
TEST_ONLY_PACKAGES = ("aiosmtpd",)

LOADER = textwrap.dedent(
    """
    import sys

    for name in sys.argv[3].split(","):
        sys.modules[name] = None  # import name -> ImportError, as if not installed

    import odoo
    from odoo.modules.module import initialize_sys_path
    from odoo.tests.loader import get_test_modules

    odoo.tools.config.parse_config(["-c", sys.argv[1]])
    initialize_sys_path()
    for module in get_test_modules(sys.argv[2]):
        print(module.__name__.rpartition(".")[2])
    """
)


def test_addon_tests_import_without_test_only_packages(project):
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
    loaded = set(result.stdout.split())
    # the test modules that use an SMTP server are loaded, not only the others
    assert {
        "test_dunning_smtp_delivery",
        "test_dunning_deliverability",
        "test_dunning_payment_qr",
    } <= loaded
