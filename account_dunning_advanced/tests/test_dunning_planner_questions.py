# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import HttpCase, tagged
from odoo.tools.misc import format_date

from ..controllers.portal import DunningCustomerPortal
from .common import as_job
from .dunning_dispatch_common import TODAY, DunningDispatchCommon

# (case, customer's language, company's language, the language chosen); German
# is not active in the test database
LANG_CASES = [
    ("active", "fr_FR", "en_US", "fr_FR"),
    ("inactive", "de_DE", "fr_FR", "fr_FR"),
    ("empty", False, "en_US", "en_US"),
    ("company in another language", False, "fr_FR", "fr_FR"),
]


def set_langs(partner, company, lang, company_lang):
    company.partner_id.lang = company_lang
    if lang and not partner.env["res.lang"]._get_code(lang):
        # a language archived since (Odoo refuses to archive one in use) or
        # imported as is: only the database holds it
        partner.env.cr.execute(
            "UPDATE res_partner SET lang = %s WHERE id = %s", [lang, partner.id]
        )
        partner.invalidate_recordset(["lang"])
    else:
        partner.lang = lang


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestDunningPlannerQuestions(DunningDispatchCommon):
    """What the reminder asks the planner instead of deciding it again: the
    re-check before approval and dispatch, the date of the next reminder, the
    customer's language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.dunning_scenario_id = cls.scenario
        cls.planner = cls.env["dunning.planner"]

    def _run_reasons(self, partner):
        """The reasons the run's plan gives for ``partner`` today, as if it
        had never been reminded of its items."""
        items = self.planner._select_open_items(self.company, TODAY, partner.ids)
        for item in items["items"]:
            item["sent_level_ids"] = []
        plan = self.planner._plan(self.company, TODAY, items)
        return {
            skip["reason"] for skip in plan["skips"] if skip["partner_id"] == partner.id
        }

    def test_final_notice_approved_after_an_unmatched_payment_sends_nothing(self):
        comm = self._communication(
            self.customer_en, "final", state="to_approve", channel_letter=True
        )
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.customer_en.id,
                "amount": comm.amount_due,
                "date": TODAY,
                "journal_id": self.company_data["default_journal_bank"].id,
            }
        )
        payment.action_post()
        self.assertEqual(
            set(self.invoices[self.customer_en].mapped("payment_state")),
            {"not_paid"},
            "the payment is not matched to the invoices yet",
        )
        run_reasons = self._run_reasons(self.customer_en)
        self.assertEqual(run_reasons, {"unreconciled_payment"})
        comm.with_user(self.manager).action_approve()
        self.assertEqual(comm.state, "cancelled")
        self.assertFalse(comm.mail_id)
        self.assertFalse(comm.letter_attachment_id)
        self.assertFalse(comm.line_ids)
        labels = dict(
            self.env["dunning.run.log"]
            ._fields["reason"]
            ._description_selection(self.env)
        )
        note = comm.message_ids[0].body
        self.assertIn("changed since the reminder was made", note)
        for reason in run_reasons:
            self.assertIn(labels[reason], note)

    def test_letter_next_reminder_date_is_the_planners(self):
        self.scenario.write({"grace_days": 3, "min_interval_days": 7})
        comm = self._communication(
            self.customer_en, "friendly", channel_email=False, channel_letter=True
        )
        as_job(comm)._dispatch()
        self.assertEqual(comm.letter_state, "done")
        day = TODAY + timedelta(days=1)
        items = self.planner._select_open_items(self.company, day, self.customer_en.ids)
        next_date, level = self.planner._next_reminders(self.company, day, items)[
            self.customer_en.id
        ]
        self.assertEqual(level, self.levels["formal"])
        # the offsets alone (30 - 10 days) ignore the interval and the grace
        self.assertNotEqual(next_date, TODAY + timedelta(days=20))
        letter = comm.letter_attachment_id.raw.decode()
        expected = format_date(self.env, next_date, lang_code="en_US")
        self.assertIn(f"further reminder on {expected}", letter)

    def test_reminder_and_litigation_file_speak_the_planners_language(self):
        partner = self.customer_en
        # one reminder per case, each at its own level (one level per item)
        tones = ("courtesy", "friendly", "formal", "final")
        for (label, lang, company_lang, expected), tone in zip(
            LANG_CASES, tones, strict=True
        ):
            with self.subTest(label):
                set_langs(partner, self.company, lang, company_lang)
                chosen = self.planner._partner_lang(partner, self.company)
                self.assertEqual(chosen, expected)
                comm = self._communication(partner, tone, lang=lang)
                self.assertEqual(comm._dunning_lang(), chosen)
                litigation = self.env["dunning.litigation"].new(
                    {
                        "partner_id": partner.id,
                        "company_id": self.company.id,
                        "agent_id": self.company.partner_id.id,
                    }
                )
                self.assertEqual(litigation._dunning_lang(), chosen)


@tagged("post_install", "-at_install")
class TestDunningPortalLanguage(DunningDispatchCommon, HttpCase):
    """The customer's page speaks the language the planner chooses."""

    def test_customer_page_speaks_the_planners_language(self):
        partner = self.customer_fr
        comm = self._communication(partner, "friendly")
        token = comm._dunning_channel_token()
        original = DunningCustomerPortal._customer
        seen = []

        def customer(controller, token):
            partner, company = original(controller, token)
            seen.append(partner.env.lang)
            return partner, company

        for label, lang, company_lang, expected in LANG_CASES:
            with self.subTest(label):
                set_langs(partner, self.company, lang, company_lang)
                chosen = self.env["dunning.planner"]._partner_lang(
                    partner, self.company
                )
                self.assertEqual(chosen, expected)
                seen.clear()
                with patch.object(DunningCustomerPortal, "_customer", customer):
                    response = self.url_open(f"/dunning/customer/{token}")
                self.assertEqual(response.status_code, 200)
                self.assertEqual(seen, [chosen])
