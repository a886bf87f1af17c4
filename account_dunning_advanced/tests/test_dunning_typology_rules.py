# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .reporting_common import DunningReportingCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-06-30")
class TestDunningTypologyRules(DunningReportingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_data_2 = cls.setup_other_company()
        Typology = cls.env["dunning.typology"]
        cls.env["dunning.typology.rule"].search([]).active = False
        cls.t_key, cls.t_good, cls.t_export, cls.t_consumer, cls.t_standard = (
            Typology.create(
                [
                    {"name": name, "code": code, "company_id": cls.company.id}
                    for name, code in (
                        ("Key account", "T_KEY"),
                        ("Good payer", "T_GOOD"),
                        ("Export", "T_EXPORT"),
                        ("Consumer", "T_CONSUMER"),
                        ("Standard", "T_STANDARD"),
                    )
                ]
            )
        )
        cls.env["dunning.typology.rule"].create(
            [
                {"typology_id": cls.t_key.id, "sequence": 1, "key_account": True},
                {"typology_id": cls.t_key.id, "sequence": 2, "min_revenue": 50000},
                {
                    "typology_id": cls.t_good.id,
                    "sequence": 3,
                    "check_avg_days_late": True,
                    "max_avg_days_late": 5,
                    "check_late_share": True,
                    "max_late_share": 10,
                    "min_paid_count": 2,
                },
                {"typology_id": cls.t_export.id, "sequence": 4, "export": True},
                {
                    "typology_id": cls.t_consumer.id,
                    "sequence": 5,
                    "partner_kind": "individual",
                },
            ]
        )
        cls.company.country_id = cls.env.ref("base.fr")
        cls.good = cls._customer("Prompt SA", country_id=cls.env.ref("base.fr").id)
        cls.flagged = cls._customer("Flagged Key SA", dunning_key_account=True)
        cls.big = cls._customer("Big Buyer SA")
        cls.foreign = cls._customer(
            "Foreign GmbH", country_id=cls.env.ref("base.de").id
        )
        cls.person = cls._customer("Jane Doe", is_company=False)
        cls.late = cls._customer("Slow SA", country_id=cls.env.ref("base.fr").id)
        for partner, days in ((cls.good, -2), (cls.late, 20)):
            for month in ("01", "02"):
                inv = cls._invoice(
                    partner, 1000, f"2026-{month}-01", f"2026-{month}-20"
                )
                cls._pay(inv, 1000, inv.invoice_date_due + timedelta(days=days))
        cls._invoice(cls.flagged, 100, "2026-06-01", "2026-07-01")
        cls._invoice(cls.big, 60000, "2026-06-01", "2026-07-01")
        cls._invoice(cls.foreign, 100, "2026-06-01", "2026-07-01")
        cls._invoice(cls.person, 100, "2026-06-01", "2026-07-01")
        cls.late.with_company(cls.company).dunning_typology_id = cls.t_standard

    def _run_weekly(self):
        # the weekly action queues every customer, the rescoring scores and
        # reclassifies them
        self.env["dunning.partner.score"]._cron_recompute()
        self.env["dunning.partner.score"]._cron_rescore_queued()

    def _typology(self, partner):
        return partner.with_company(self.company).dunning_typology_id

    def _rule_notes(self, partner):
        return partner.message_ids.filtered(
            lambda m: "automatic rule" in (m.body or "")
        )

    def test_rules_in_priority_order(self):
        self._run_weekly()
        self.assertEqual(self._typology(self.good), self.t_good)
        self.assertEqual(self._typology(self.flagged), self.t_key)
        self.assertEqual(self._typology(self.big), self.t_key)
        self.assertEqual(self._typology(self.foreign), self.t_export)
        self.assertEqual(self._typology(self.person), self.t_consumer)
        # 20 days late: no rule matches, the typology stays.
        self.assertEqual(self._typology(self.late), self.t_standard)
        self.assertFalse(self._rule_notes(self.late))

    def test_change_logged_with_reason_once(self):
        self._run_weekly()
        note = self._rule_notes(self.good)
        self.assertEqual(len(note), 1)
        self.assertIn("Good payer", note.body)
        self.assertIn("average days late ≤ 5", note.body)
        self.assertIn("at least 2 instalments paid", note.body)
        self._run_weekly()
        self.assertEqual(len(self._rule_notes(self.good)), 1, "no change, no note")

    def test_rescoring_after_a_payment_waits_for_the_weekly_reclassification(self):
        """A payment rescores the customer at once; its typology changes with
        the weekly run only, as before the scoring had a queue."""
        inv = self._invoice(self.good, 500, "2026-06-01", "2026-06-20")
        self._pay(inv, 500, "2026-06-18")
        self.env["dunning.partner.score"]._cron_rescore_queued()
        self.assertEqual(self._score(self.good).paid_count, 3)
        self.assertFalse(self._typology(self.good))
        self._run_weekly()
        self.assertEqual(self._typology(self.good), self.t_good)

    def test_locked_typology_is_kept(self):
        self.foreign.with_company(self.company).write(
            {"dunning_typology_locked": True, "dunning_typology_id": self.t_standard.id}
        )
        self._run_weekly()
        self.assertEqual(self._typology(self.foreign), self.t_standard)
        self.assertFalse(self._rule_notes(self.foreign))
        # The lock is per company: another company does not see it.
        self.assertFalse(
            self.foreign.with_company(
                self.company_data_2["company"]
            ).dunning_typology_locked
        )

    def test_worse_behaviour_moves_good_payer_out(self):
        self._run_weekly()
        self.assertEqual(self._typology(self.good), self.t_good)
        inv = self._invoice(self.good, 10000, "2026-03-01", "2026-03-31")
        self._pay(inv, 10000, "2026-05-30")
        # Neither good payer nor anything else: the typology stays.
        self._run_weekly()
        self.assertEqual(self._typology(self.good), self.t_good)
        self.env["dunning.typology.rule"].create(
            {
                "typology_id": self.t_standard.id,
                "sequence": 50,
                "check_risk_score": True,
                "min_risk_score": 1,
                "max_risk_score": 100,
            }
        )
        self._run_weekly()
        self.assertEqual(self._typology(self.good), self.t_standard)
        self.assertIn("Good payer", self._rule_notes(self.good)[0].body)


@tagged("post_install", "-at_install")
@freeze_time("2026-06-30")
class TestDunningDefaultTypologyRules(DunningReportingCommon):
    def test_default_rules(self):
        self.company.country_id = self.env.ref("base.fr")
        fr, be = self.env.ref("base.fr"), self.env.ref("base.be")
        person = self._customer("John Smith", is_company=False, country_id=be.id)
        key = self._customer("Key SA", country_id=fr.id, dunning_key_account=True)
        prompt = self._customer("Prompt SA", country_id=fr.id)
        chronic = self._customer("Chronic SA", country_id=fr.id)
        foreign = self._customer("Foreign NV", country_id=be.id)
        for partner in (person, key, foreign):
            self._invoice(partner, 100, "2026-06-01", "2026-07-01")
        for partner, days in ((prompt, 0), (chronic, 60)):
            for month in (1, 2, 3):
                inv = self._invoice(
                    partner, 1000, f"2026-0{month}-01", f"2026-0{month}-28"
                )
                self._pay(inv, 1000, inv.invoice_date_due + timedelta(days=days))
        self.env["dunning.partner.score"]._cron_recompute()
        self.env["dunning.partner.score"]._cron_rescore_queued()
        expected = {
            person: "dunning_typology_consumer",
            key: "dunning_typology_key_account",
            prompt: "dunning_typology_good_payer",
            chronic: "dunning_typology_chronic",
            foreign: "dunning_typology_export",
        }
        for partner, xmlid in expected.items():
            self.assertEqual(
                partner.with_company(self.company).dunning_typology_id,
                self.env.ref(f"account_dunning_advanced.{xmlid}"),
                partner.name,
            )
