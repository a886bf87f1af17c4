# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import tagged

from .common import as_job
from .dunning_dispatch_common import DunningDispatchCommon


@tagged("post_install", "-at_install")
class TestDunningFrenchTranslation(DunningDispatchCommon):
    """The shipped French translation reaches what a French customer gets."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.module.module"]._load_module_terms(
            ["account_dunning_advanced"], ["fr_FR"], overwrite=True
        )

    def test_formal_email_and_letter_in_french(self):
        comm = self._communication(
            self.customer_fr,
            "formal",
            penalties=True,
        )
        mail = as_job(self.env["dunning.channel.email"])._create_mails(comm)
        self.assertIn("relance formelle", mail.subject)
        self.assertIn("Pénalités de retard", str(mail.body_html))
        self.assertNotIn("Late-payment penalties", str(mail.body_html))
        # the body view the template calls is translated too
        self.assertIn("Cordialement", str(mail.body_html))
        self.assertNotIn("Kind regards", str(mail.body_html))
        # no contact name: the formal French salutation
        self.assertIn("<p>Madame, Monsieur,</p>", str(mail.body_html))
        # one indemnity per late invoice, each in its invoice's currency
        for expected in (
            "Indemnité forfaitaire pour frais de recouvrement : EUR 40 par facture "
            "en retard × 1 facture : 40,00\xa0€",
            "Indemnité forfaitaire pour frais de recouvrement : EUR 40 par facture "
            "en retard × 1 facture : $\xa080,00 (converti le 20/03/2026)",
        ):
            self.assertIn(expected, str(mail.body_html))
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "account_dunning_advanced.action_report_dunning_letter", comm.ids
            )[0]
            .decode()
        )
        self.assertIn("Objet : relance formelle pour factures impayées", html)
        self.assertIn("Madame, Monsieur,", html)
        self.assertIn("Recouvrement", html.split('class="o_dunning_signature"')[1])

    def test_french_contact_greeted_by_name(self):
        madam = self.env.ref("base.res_partner_title_madam")
        self.env["res.partner"].create(
            {
                "name": "Marie Lefèvre",
                "type": "invoice",
                "parent_id": self.customer_fr.id,
                "title": madam.id,
                "lang": "fr_FR",
            }
        )
        comm = self._communication(self.customer_fr, "friendly")
        # the title's own French name ("Madame" once base is translated)
        title = madam.with_context(lang="fr_FR").name
        self.assertIn(
            f"<p>{title} Marie Lefèvre,</p>",
            str(
                as_job(self.env["dunning.channel.email"])._create_mails(comm).body_html
            ),
        )

    def test_english_customer_keeps_english(self):
        comm = self._communication(self.customer_en, "formal", penalties=True)
        mail = as_job(self.env["dunning.channel.email"])._create_mails(comm)
        self.assertIn("formal reminder", mail.subject)
        self.assertIn("Late-payment penalties", str(mail.body_html))
        self.assertNotIn("Pénalités de retard", str(mail.body_html))

    def test_level_names_translated(self):
        standard = self.env.ref("account_dunning_advanced.dunning_scenario_standard")
        names_fr = standard.with_context(lang="fr_FR").level_ids.mapped("name")
        names_en = standard.with_context(lang="en_US").level_ids.mapped("name")
        self.assertEqual(len(names_fr), len(names_en))
        self.assertNotEqual(names_fr, names_en)
