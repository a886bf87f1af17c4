# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import base64
import contextlib
import json
import os
import pathlib
from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.tests import HttpCase, tagged
from odoo.tests.common import ChromeBrowser

# where the screenshots of the screens go when asked for (not a test
# output): DUNNING_SHOTS_DIR=/tmp/shots ./setup/test -- <this file>
SHOTS_DIR = os.environ.get("DUNNING_SHOTS_DIR")

# Opens the run wizard, asks for the dry run, and checks what a 1366 px wide
# screen shows: customer names and skip reasons not cut, the totals in view.
DRY_RUN_JS = """
(async () => {
    const wait = async (selector, test = (els) => els.length) => {
        for (let i = 0; i < 200; i++) {
            const els = document.querySelectorAll(selector);
            if (test(els)) { return els; }
            await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error(`not found: ${selector}`);
    };
    const action = odoo.__WOWL_DEBUG__.root.env.services.action;
    await action.doAction("account_dunning_advanced.dunning_run_wizard_action");
    (await wait(".modal footer button.btn-primary"))[0].click();
    await wait(".modal .o_data_row", (els) => els.length >= 3);
    await new Promise((r) => setTimeout(r, 500));
    const cut = [];
    for (const cell of document.querySelectorAll(
        ".modal .o_data_row td[name='partner_id'], "
        + ".modal .o_data_row td[name='skip_reason']"
    )) {
        if (cell.scrollWidth > cell.clientWidth + 1) {
            cut.push(cell.innerText);
        }
    }
    const totals = document.querySelector(".modal [name='amount_to_send']");
    const box = totals.getBoundingClientRect();
    const body = document.querySelector(".modal-body").getBoundingClientRect();
    if (cut.length) {
        console.error(`cut in the dry run: ${cut.join(" | ")}`);
    } else if (
        !box.width ||
        totals.scrollWidth > totals.clientWidth + 1 ||
        box.top < body.top ||
        box.bottom > body.bottom
    ) {
        console.error("the total is cut or out of view");
    } else {
        console.log("test successful");
    }
})()
"""

# Opens an action and waits for a selector.
SCREEN_JS = """
(async () => {
    const action = odoo.__WOWL_DEBUG__.root.env.services.action;
    await action.doAction(__ACTION__);
    for (let i = 0; i < 200; i++) {
        if (document.querySelector(__SELECTOR__)) {
            await new Promise((r) => setTimeout(r, 500));
            console.log("test successful");
            return;
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    console.error(`not shown: ${__SELECTOR__}`);
})()
"""

# the web client is mounted
READY = "!!(odoo.__WOWL_DEBUG__ && odoo.__WOWL_DEBUG__.root)"


def screenshot_on_stop(name):
    """With DUNNING_SHOTS_DIR set, save what the browser shows when the test
    code is done, before the browser closes, as ``name`` in that folder."""
    if not SHOTS_DIR:
        return contextlib.nullcontext()
    path = pathlib.Path(SHOTS_DIR, name)
    stop = ChromeBrowser.stop

    def stop_after_screenshot(browser):
        try:
            data = browser._websocket_request(
                "Page.captureScreenshot",
                params={"captureBeyondViewport": True},
                timeout=30,
            )["data"]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(base64.b64decode(data))
        finally:
            stop(browser)

    return patch.object(ChromeBrowser, "stop", stop_after_screenshot)


@tagged("post_install", "-at_install")
class TestDunningFiguresScreens(HttpCase):
    """The dry run of a run, at 1366 px wide (issue 21: names, reasons and
    the total cut)."""

    browser_size = "1366x768"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        scenario = cls.env["dunning.scenario"].create(
            {
                "name": "Screens Scenario",
                "company_id": cls.company.id,
                "min_interval_days": 0,
                "business_days_only": False,
                "level_ids": [
                    Command.create(
                        {
                            "name": "Friendly reminder",
                            "offset_days": 5,
                            "channel_email": True,
                        }
                    )
                ],
            }
        )
        today = fields.Date.context_today(cls.env.user)
        names = [
            "Établissements Lefèvre-Dubois et Fils Distribution SARL",
            "Grand Compte Industries Internationales SAS",
            "Boulangerie Artisanale du Vieux Port de Marseille",
        ]
        for index, name in enumerate(names):
            customer = cls.env["res.partner"].create(
                {"name": name, "is_company": True, "email": f"ap{index}@example.com"}
            )
            customer.with_company(cls.company).dunning_scenario_id = scenario
            invoice = cls.env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "invoice_date": today - timedelta(days=60),
                    "invoice_date_due": today - timedelta(days=20 + index),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Services",
                                "price_unit": 15000.0 + index * 1234.56,
                                "tax_ids": [],
                            }
                        )
                    ],
                }
            )
            invoice.action_post()
            if index == 2:
                customer.with_company(cls.company).dunning_excluded = True

    def test_dry_run_dialog_is_readable(self):
        with screenshot_on_stop("figures-dry-run.png"):
            self.browser_js(
                "/odoo", DRY_RUN_JS, ready=READY, login="admin", timeout=120
            )

    def _screen(self, action, selector, shot):
        """Open an action in the browser as the administrator, wait for
        ``selector``, and save the screenshot."""
        code = SCREEN_JS.replace("__ACTION__", json.dumps(action)).replace(
            "__SELECTOR__", json.dumps(selector)
        )
        with screenshot_on_stop(shot):
            self.browser_js("/odoo", code, ready=READY, login="admin", timeout=120)

    def test_analysis_screens(self):
        self._screen(
            "account_dunning_advanced.dunning_effectiveness_report_action",
            ".o_pivot table",
            "figures-effectiveness.png",
        )
        self._screen(
            "account_dunning_advanced.dunning_kpi_report_action",
            ".o_pivot table",
            "figures-kpis.png",
        )
        run = self.env["dunning.run"].search(
            [("state", "=", "done"), ("skipped_count", ">", 0)],
            order="id desc",
            limit=1,
        )
        if run:
            self._screen(
                {
                    "type": "ir.actions.act_window",
                    "res_model": "dunning.run",
                    "res_id": run.id,
                    "views": [[False, "form"]],
                },
                ".o_form_view .o_notebook",
                "figures-run.png",
            )
        self._screen(
            "account_dunning_advanced.dunning_worklist_action",
            ".o_list_view .o_data_row",
            "figures-worklist.png",
        )
