# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date, timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .dunning_engine_common import DUE, DunningEngineCommon

LETTER = "account_dunning_advanced.action_report_dunning_letter"


@tagged("post_install", "-at_install")
class TestDunningLegalRegime(DunningEngineCommon):
    """A US company (USD): the scenario's legal regime decides the
    penalties and the legal mentions of its reminders."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.standard.business_days_only = False
        cls.uk_customer = cls._customer(
            "Smith Ltd",
            street="10 Downing Street",
            zip="SW1A 2AA",
            city="London",
            country_id=cls.env.ref("base.uk").id,
        )

    def _walk_to_formal(self, partner, amount=1000.0):
        self._invoice(partner, DUE - timedelta(days=20), amount)
        self._run(DUE - timedelta(days=10))  # friendly, no penalties
        comm = self._run(DUE).communication_ids.filtered(
            lambda c: c.partner_id == partner
        )
        self.assertEqual(comm.level_id, self.level["formal"])
        return comm

    def _letter_html(self, comm):
        return (
            self.env["ir.actions.report"]
            ._render_qweb_html(LETTER, comm.ids)[0]
            .decode()
        )

    def test_default_regime_follows_the_company_country(self):
        self.assertEqual(self.company.country_id.code or "US", "US")
        scenario = self.env["dunning.scenario"].create(
            {
                "name": "US terms",
                "company_id": self.company.id,
                "level_ids": [(0, 0, {"name": "Reminder", "offset_days": 5})],
            }
        )
        self.assertEqual(scenario.legal_regime, "none")
        french = self.env["res.company"].create(
            {"name": "Lumière SAS", "country_id": self.env.ref("base.fr").id}
        )
        scenario_fr = self.env["dunning.scenario"].create(
            {
                "name": "Conditions générales",
                "company_id": french.id,
                "level_ids": [(0, 0, {"name": "Relance", "offset_days": 5})],
            }
        )
        self.assertEqual(scenario_fr.legal_regime, "french_b2b")

    def test_us_company_never_applies_french_law(self):
        # even a scenario set to the French regime: the company is not French
        self.standard.legal_regime = "french_b2b"
        comm = self._walk_to_formal(self.uk_customer)
        self.assertRecordValues(
            comm,
            [
                {
                    "legal_regime": "none",
                    "penalty_rate": 0.0,
                    "penalty_interest": 0.0,
                    "penalty_indemnity": 0.0,
                }
            ],
        )
        body = str(comm.mail_id.body_html)
        self.assertIn("Smith Ltd", body)
        for text in (body, self._letter_html(comm)):
            self.assertNotIn("L.441-10", text)
            self.assertNotIn("French Commercial Code", text)
            self.assertNotIn("Late-payment penalties", text)

    def test_generic_regime_claims_its_own_rate(self):
        self.standard.write(
            {
                "legal_regime": "generic",
                "penalty_rate": 8.0,
                "penalty_indemnity": 30.0,
                "penalty_indemnity_currency_id": self.company.currency_id.id,
            }
        )
        comm = self._walk_to_formal(self.uk_customer)
        # 1000 x 8 % / 365 x 20 days = 4.383... -> 4.38
        self.assertRecordValues(
            comm,
            [
                {
                    "legal_regime": "generic",
                    "penalty_rate": 8.0,
                    "penalty_interest": 4.38,
                    "penalty_indemnity": 30.0,
                }
            ],
        )
        body = str(comm.mail_id.body_html)
        for expected in (
            "Under our terms of sale, late payments bear interest at the rate of "
            "8.00\xa0% per year, and a fixed recovery indemnity of USD 30 is due "
            "for each invoice paid late.",
            "Late-payment interest at 8.00\xa0% per year, to date: $\xa04.38",
            "Fixed recovery indemnity: USD 30 per late invoice × 1 invoice: "
            "$\xa030.00",
            "Total penalties: $\xa034.38",
        ):
            self.assertIn(expected, body)
        self.assertNotIn("L.441-10", body)
        self.assertNotIn("L.441-10", self._letter_html(comm))

    def test_generic_regime_spares_consumers_unless_told(self):
        self.standard.write({"legal_regime": "generic", "penalty_rate": 8.0})
        person = self._customer("Claire Petit", is_company=False)
        comm = self._walk_to_formal(person)
        self.assertRecordValues(
            comm, [{"legal_regime": "none", "penalty_interest": 0.0}]
        )
        self.standard.penalty_business_only = False
        other = self._customer("Paul Martin", is_company=False)
        self._invoice(other, DUE - timedelta(days=20))
        comm = self._run(DUE + timedelta(days=10)).communication_ids.filtered(
            lambda c: c.partner_id == other
        )
        # a first reminder is friendly: penalties from the formal level only
        self.assertEqual(comm.level_id, self.level["friendly"])
        comm = self._run(DUE + timedelta(days=16)).communication_ids.filtered(
            lambda c: c.partner_id == other
        )
        self.assertEqual(comm.level_id, self.level["formal"])
        # 1000 x 8 % / 365 x 36 days = 7.890... -> 7.89
        self.assertRecordValues(
            comm, [{"legal_regime": "generic", "penalty_interest": 7.89}]
        )


@tagged("post_install", "-at_install")
class TestDunningReferenceRateWarning(DunningEngineCommon):
    def test_rate_older_than_the_half_year_is_flagged(self):
        company = self.company
        company.dunning_penalty_rate_date = date(2025, 6, 11)
        self.standard.legal_regime = "french_b2b"
        with freeze_time("2026-03-20"):
            warning = company._dunning_penalty_rate_warning()
            self.assertIn("06/11/2025", warning)
            self.assertIn("01/01/2026", warning)
            company.invalidate_recordset(["dunning_penalty_rate_warning"])
            self.assertEqual(company.dunning_penalty_rate_warning, warning)
            self.standard.invalidate_recordset(["penalty_rate_warning"])
            self.assertEqual(self.standard.penalty_rate_warning, warning)
            settings = self.env["res.config.settings"].create({})
            self.assertEqual(settings.dunning_penalty_rate_warning, warning)
            # the rate of 1 January is up to date until 30 June
            company.dunning_penalty_rate_date = date(2026, 1, 1)
            self.assertFalse(company._dunning_penalty_rate_warning())
        with freeze_time("2026-07-01"):
            self.assertIn("07/01/2026", company._dunning_penalty_rate_warning())
        # a scenario without the French regime does not care
        self.standard.legal_regime = "none"
        self.standard.invalidate_recordset(["penalty_rate_warning"])
        self.assertFalse(self.standard.penalty_rate_warning)
