# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""French B2B penalties on the scenario of a company not established in
France are saved (a shared scenario may serve French companies too, and the
planner then claims none), but the scenario says so: a warning when it is
chosen, and a banner on the form while it stays."""

from lxml import etree

from odoo.tests import Form, tagged

from .dunning_engine_common import DunningEngineCommon

ONCHANGE_LOGGER = "odoo.tests.form.onchange"


@tagged("post_install", "-at_install")
class TestDunningScenarioLegalWarning(DunningEngineCommon):
    """The common company is a US one."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.scenario = cls.env["dunning.scenario"].create(
            {
                "name": "US terms",
                "company_id": cls.company.id,
                "legal_regime": "none",
                "level_ids": [(0, 0, {"name": "Reminder", "offset_days": 5})],
            }
        )
        cls.french = cls.env["res.company"].create(
            {"name": "Lumière SAS", "country_id": cls.env.ref("base.fr").id}
        )

    def test_french_b2b_on_a_us_scenario_warns_and_saves(self):
        self.assertFalse(self.scenario.legal_regime_warning)
        with self.assertLogs(ONCHANGE_LOGGER, "WARNING") as logs:
            with Form(self.scenario) as form:
                form.legal_regime = "french_b2b"
        self.assertIn("Late-payment penalties", logs.output[0])
        self.assertIn("companies established in France only", logs.output[0])
        # saved as chosen, and the banner stays while it is so
        self.assertEqual(self.scenario.legal_regime, "french_b2b")
        warning = self.scenario.legal_regime_warning
        self.assertIn(self.company.name, warning)
        self.assertIn("will claim no penalties and print no legal mention", warning)
        # contractual late interest applies anywhere: no more warning
        with Form(self.scenario) as form:
            form.legal_regime = "generic"
        self.assertFalse(self.scenario.legal_regime_warning)

    def test_no_warning_for_a_french_company(self):
        scenario = self.scenario.copy(
            {"company_id": self.french.id, "legal_regime": "french_b2b"}
        )
        self.assertFalse(scenario.legal_regime_warning)

    def test_shared_scenario_warns_in_a_non_french_company(self):
        shared = self.scenario.copy({"company_id": False, "legal_regime": "french_b2b"})
        self.assertIn(
            "this shared scenario",
            shared.with_company(self.company).legal_regime_warning,
        )
        self.assertFalse(shared.with_company(self.french).legal_regime_warning)

    def test_form_shows_the_banner(self):
        arch = etree.fromstring(
            self.env["dunning.scenario"].get_view(
                self.env.ref("account_dunning_advanced.dunning_scenario_view_form").id,
                "form",
            )["arch"]
        )
        (banner,) = arch.xpath(
            "//div[contains(@class, 'alert')][field[@name='legal_regime_warning']]"
        )
        self.assertEqual(banner.get("invisible"), "not legal_regime_warning")
        self.assertEqual(banner.get("role"), "alert")
