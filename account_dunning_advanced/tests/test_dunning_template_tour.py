# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestDunningTemplateTour(HttpCase):
    """An accountant working in French edits the French text of a level's
    email in Odoo's template editor, then previews the level's email for a
    French customer (the edited text) and an English one (not)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(
            ["account_dunning_advanced"], ["fr_FR"], overwrite=True
        )
        cls.company = cls.env.company
        # the accountant works in the company of these customers (the demo
        # data gives admin another one)
        cls.env.ref("base.user_admin").company_id = cls.company
        cls.today = fields.Date.context_today(cls.env.user)
        cls.scenario = cls.env["dunning.scenario"].create(
            {
                "name": "Template Scenario",
                "company_id": cls.company.id,
                "min_interval_days": 0,
                "business_days_only": False,
                "level_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Template Friendly",
                            "offset_days": 5,
                            "tone": "friendly",
                        },
                    )
                ],
            }
        )
        cls.customer_fr = cls._customer("Client Français SARL", "fr_FR")
        cls.customer_en = cls._customer("English Customer Ltd", "en_US")
        cls.template = cls.env.ref(
            "account_dunning_advanced.mail_template_dunning_friendly"
        )

    @classmethod
    def _customer(cls, name, lang):
        customer = cls.env["res.partner"].create(
            {
                "name": name,
                "is_company": True,
                "lang": lang,
                "email": "ap@customer.example",
            }
        )
        customer.with_company(cls.company).dunning_scenario_id = cls.scenario
        invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "invoice_date": cls.today - timedelta(days=40),
                "invoice_date_due": cls.today - timedelta(days=10),
                "invoice_line_ids": [
                    (0, 0, {"name": "Audit", "price_unit": 900.0, "tax_ids": []})
                ],
            }
        )
        invoice.action_post()
        return customer

    def test_accountant_edits_the_french_text_and_previews_it(self):
        english = str(self.template.with_context(lang="en_US").body_html)
        self.env.ref("base.user_admin").lang = "fr_FR"
        self.start_tour(
            f"/odoo/action-mail.action_email_template_tree_all/{self.template.id}",
            "account_dunning_advanced_template_french",
            login="admin",
        )
        self.template.invalidate_recordset()
        french = str(self.template.with_context(lang="fr_FR").body_html)
        self.assertIn("Vous pouvez aussi nous appeler au 04 78 00 00 00.", french)
        self.assertNotIn("Si quelque chose empêche le paiement", french)
        # the English body is as it was
        self.assertEqual(
            str(self.template.with_context(lang="en_US").body_html), english
        )
