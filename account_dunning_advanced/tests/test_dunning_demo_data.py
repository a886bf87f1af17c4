# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields
from odoo.tests import TransactionCase, tagged

US_CUSTOMERS = ["demo_partner_pacific", "demo_partner_golden"]
DEMO_CUSTOMERS = [
    "demo_partner_martin",
    "demo_partner_dubois",
    "demo_partner_lefevre",
    "demo_partner_grandcompte",
    "demo_partner_petit",
    "demo_partner_smith",
    "demo_partner_rousseau",
    "demo_partner_moreau",
    "demo_partner_harper",
]


def luhn_is_valid(number):
    """SIREN and SIRET check digits (INSEE: the Luhn algorithm)."""
    total = 0
    for index, digit in enumerate(reversed(number)):
        value = int(digit) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def iban_is_valid(iban):
    """ISO 13616 check: the rearranged IBAN, letters as numbers, mod 97 is 1."""
    iban = iban.replace(" ", "").upper()
    digits = "".join(str(int(c, 36)) for c in iban[4:] + iban[:4])
    return len(iban) > 15 and int(digits) % 97 == 1


@tagged("post_install", "-at_install")
class TestDunningDemoData(TransactionCase):
    """The demo tells the story: a French company in euros with an American
    subsidiary in dollars, customers speaking French and English with their
    collectors, a company IBAN the payment QR code accepts, and months of paid
    invoices and reminders behind every report, in the customer's language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        module = cls.env["ir.module.module"].search(
            [("name", "=", "account_dunning_advanced")]
        )
        if not module.demo:
            cls.skipTest(cls, "installed without demo data")
        cls.customers = cls.env["res.partner"].browse(
            [
                cls.env.ref(f"account_dunning_advanced.{xmlid}").id
                for xmlid in DEMO_CUSTOMERS
            ]
        )
        cls.company = cls.env.ref("account_dunning_advanced.demo_company_fr")
        cls.us_company = cls.env.ref("base.main_company")
        cls.us_customers = cls.env["res.partner"].browse(
            [
                cls.env.ref(f"account_dunning_advanced.{xmlid}").id
                for xmlid in US_CUSTOMERS
            ]
        )
        cls.today = fields.Date.context_today(cls.env.user)
        cls.history = cls.env["dunning.communication"].search(
            [("date", "<", cls.today)]
        )

    def test_french_company_in_euros_where_admin_lands(self):
        self.assertRecordValues(
            self.company,
            [
                {
                    "currency_id": self.env.ref("base.EUR").id,
                    "country_id": self.env.ref("base.fr").id,
                }
            ],
        )
        siret = self.company.company_registry
        self.assertEqual(len(siret), 14, "a SIRET: SIREN and establishment")
        self.assertTrue(luhn_is_valid(siret[:9]), "SIREN check digit")
        self.assertTrue(luhn_is_valid(siret), "SIRET check digit")
        self.assertTrue(self.company.chart_template)
        self.assertTrue(self.company._dunning_is_french())
        admin = self.env.ref("base.user_admin")
        self.assertEqual(admin.company_id, self.company)
        self.assertIn(self.us_company, admin.company_ids)
        # a French-speaking collector of the French company's customers
        collectors = self.customers.with_company(self.company).dunning_collector_id
        self.assertIn("fr_FR", collectors.mapped("lang"))
        # the history's and today's invoices of the French customers are its own
        invoices = self.env["account.move"].search(
            [
                ("partner_id", "in", self.customers.ids),
                ("move_type", "=", "out_invoice"),
            ]
        )
        self.assertEqual(invoices.company_id, self.company)
        self.assertEqual(
            set(invoices.currency_id.mapped("name")), {"EUR", "USD"}, "multi-currency"
        )

    def test_american_subsidiary_with_its_own_customers_and_reminders(self):
        self.assertEqual(self.us_company.currency_id, self.env.ref("base.USD"))
        self.assertNotEqual(self.us_company.name, "YourCompany")
        invoices = self.env["account.move"].search(
            [
                ("partner_id", "in", self.us_customers.ids),
                ("move_type", "=", "out_invoice"),
            ]
        )
        self.assertEqual(invoices.company_id, self.us_company)
        self.assertEqual(invoices.currency_id, self.us_company.currency_id)
        self.assertTrue(invoices.filtered(lambda m: m.payment_state == "not_paid"))
        reminders = self.history.filtered(lambda c: c.company_id == self.us_company)
        self.assertTrue(reminders.filtered(lambda c: c.state == "sent"))
        self.assertEqual(reminders.partner_id, self.us_customers)

    def test_french_b2b_reminders_show_the_legal_mentions(self):
        formal = self.history.filtered(
            lambda c: c.company_id == self.company
            and c.level_id.tone in ("formal", "final")
            and c.mail_id
            and c.partner_id.lang == "fr_FR"
        )
        self.assertTrue(formal)
        for comm in formal:
            self.assertEqual(comm._dunning_legal_regime(), "french_b2b", comm.name)
            self.assertIn("L.441-10", str(comm.mail_id.body_html), comm.name)
            self.assertIn("Pénalités de retard", str(comm.mail_id.body_html))
        # not in the American company, whatever the scenario says
        us = self.history.filtered(lambda c: c.company_id == self.us_company)
        self.assertEqual(set(us.mapped(lambda c: c._dunning_legal_regime())), {"none"})

    def test_history_in_the_customers_language(self):
        french = self.history.filtered(
            lambda c: c.partner_id.lang == "fr_FR" and c.mail_id
        )
        self.assertGreaterEqual(len(french), 5)
        for comm in french:
            mail = comm.mail_id
            body = str(mail.body_html)
            self.assertNotIn("YourCompany", mail.subject)
            self.assertNotIn("reminder", mail.subject.lower(), mail.subject)
            for english in ("Despite our previous reminders", "Kind regards"):
                self.assertNotIn(english, body, f"{comm.name}: {mail.subject}")
            self.assertIn("Cordialement", body, mail.subject)
        english = self.history.filtered(
            lambda c: c.partner_id.lang == "en_US" and c.mail_id
        )
        self.assertTrue(english)
        for comm in english:
            self.assertNotIn("Cordialement", str(comm.mail_id.body_html))

    def test_variant_template_says_the_friendly_text_in_every_language(self):
        friendly = self.env.ref(
            "account_dunning_advanced.mail_template_dunning_friendly"
        )
        direct = self.env.ref(
            "account_dunning_advanced.demo_mail_template_friendly_direct"
        )
        self.assertEqual(
            self.env.ref(
                "account_dunning_advanced.demo_variant_friendly_direct"
            ).mail_template_id,
            direct,
        )
        # the friendly template's body, its text editable in the editor
        for lang in ("en_US", "fr_FR"):
            body = direct.with_context(lang=lang).body_html
            self.assertEqual(body, friendly.with_context(lang=lang).body_html, lang)
            self.assertEqual(
                "Unless we are mistaken" in body, lang == "en_US", f"{lang}: {body}"
            )
        # what variant B's customers read, in their language
        for lang, words, foreign in (
            ("fr_FR", "Cordialement", "Kind regards"),
            ("en_US", "Kind regards", "Cordialement"),
        ):
            comm = self.history.filtered(
                lambda c, lang=lang: c.partner_id.lang == lang
                and c.level_id.tone == "friendly"
            )[:1]
            self.assertTrue(comm, lang)
            body = str(
                direct._render_field("body_html", comm.ids, compute_lang=True)[comm.id]
            )
            self.assertIn(words, body, lang)
            self.assertNotIn(foreign, body, lang)

    def test_no_link_to_a_port_not_served_after_a_port_change(self):
        old = self.env["ir.config_parameter"].get_param("web.base.url").rstrip("/")
        new = "http://localhost:18071"
        mails = self.history.mail_id
        # letters are rendered by the document queue: render the history's now
        letters = self.history.filtered(lambda c: c.channel_letter)
        self.assertTrue(letters)
        self.env["dunning.channel.letter"]._render_now(letters)
        letters = letters.filtered("letter_attachment_id")
        self.assertTrue(letters)
        self.assertTrue(any(old in str(m.body_html) for m in mails))
        self.assertTrue(any(old in (m.headers or "") for m in mails))
        # a letter carries links (HTML while tests run, PDF in the demo)
        letter = self.env["dunning.channel.letter"]
        html, _type = letter._render_pdf(letter._report(letters[0]), letters[0].ids)
        self.assertIn(old, html.decode())

        self.env["dunning.demo"]._demo_rebase_links(new)

        self.assertEqual(self.env["ir.config_parameter"].get_param("web.base.url"), new)
        for mail in mails:
            self.assertNotIn(old, str(mail.body_html), mail.subject)
            self.assertNotIn(old, mail.headers or "")
        self.assertTrue(
            any(f"{new}/dunning/customer/" in str(m.body_html) for m in mails)
        )
        # nor any other stored email (the collectors' activity notifications)
        self.assertFalse(
            self.env["mail.mail"].search_count([("body_html", "like", old)])
        )
        for comm in letters:
            text = comm.letter_attachment_id.raw.decode()
            self.assertNotIn(old, text, comm.name)
            self.assertIn(new, text, comm.name)
        # fresh reminders link to the new address too
        self.assertEqual(self.company.get_base_url(), new)

    def test_both_variants_of_the_ab_test_have_reminders(self):
        variants = self.env["dunning.level.variant"].search(
            [
                (
                    "level_id",
                    "=",
                    self.env.ref(
                        "account_dunning_advanced.dunning_level_standard_friendly"
                    ).id,
                )
            ]
        )
        self.assertEqual(len(variants), 2)
        for variant in variants:
            sent = self.history.filtered(
                lambda c, v=variant: c.variant_id == v and c.state == "sent"
            )
            self.assertGreaterEqual(len(sent), 2, variant.name)

    def test_customers_speak_french_and_english_and_have_collectors(self):
        self.assertEqual(set(self.customers.mapped("lang")), {"fr_FR", "en_US"})
        admin = self.env.ref("base.user_admin")
        self.assertTrue(self.env["res.lang"].search([("code", "=", "fr_FR")]))
        customers = self.customers.with_company(self.company)
        self.assertEqual(
            customers.filtered(lambda p: not p.dunning_collector_id).ids, []
        )
        self.assertIn(admin, customers.dunning_collector_id)
        # "My Customers", the worklist's default filter, is not empty for admin
        # in the company he lands in
        self.assertTrue(
            self.env["dunning.worklist"]
            .with_user(admin)
            .with_company(admin.company_id)
            .search_count([("collector_id", "=", admin.id)])
        )

    def test_company_iban_gives_a_payment_qr_code(self):
        bank = self.company.partner_id.bank_ids[:1]
        self.assertTrue(iban_is_valid(bank.acc_number), bank.acc_number)
        self.assertEqual(bank.acc_type, "iban")
        url = bank.build_qr_code_url(
            189.9, "INV/2026/00001", None, self.env.ref("base.EUR"), self.customers[0]
        )
        self.assertTrue(url and "/report/barcode/" in url)

    def test_months_of_paid_invoices_and_reminders(self):
        invoices = self.env["account.move"].search(
            [
                ("partner_id", "in", self.customers.ids),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
            ]
        )
        paid = invoices.filtered(lambda m: m.payment_state in ("paid", "in_payment"))
        months = {m.invoice_date.replace(day=1) for m in paid}
        self.assertGreaterEqual(len(months), 4)
        late = paid.filtered(
            lambda m: max(m.line_ids.matched_credit_ids.mapped("max_date"))
            > m.invoice_date_due
        )
        self.assertTrue(late and late != paid, "some paid late, some on time")
        reminded = self.env["dunning.communication.line"].search(
            [("move_id", "in", late.ids), ("communication_id.state", "=", "sent")]
        )
        self.assertTrue(reminded, "late payers were reminded before paying")
        # Past reminders were delivered back then: none waits in today's queue.
        past = self.env["dunning.communication"].search(
            [
                ("company_id", "=", self.company.id),
                ("date", "<", fields.Date.context_today(self.env.user)),
            ]
        )
        self.assertTrue(past.mail_id)
        self.assertEqual(set(past.mail_id.mapped("state")), {"sent"})

    def test_every_report_has_figures(self):
        domain = [("company_id", "=", self.company.id)]
        [kpi] = self.env["dunning.kpi.report"].read_group(
            domain,
            ["dso", "avg_payment_delay", "recovery_rate", "reminders_per_paid"],
            [],
        )
        for figure in ("dso", "avg_payment_delay", "recovery_rate"):
            self.assertGreater(kpi[figure], 0, figure)
        self.assertGreater(kpi["reminders_per_paid"], 0)
        months = self.env["dunning.kpi.report"].search_count(domain)
        self.assertGreaterEqual(months, 5)
        self.assertTrue(
            self.env["dunning.effectiveness.report"].search_count(
                domain + [("amount_paid", ">", 0)]
            )
        )
        aged = self.env["dunning.aged.receivable.report"].search(
            domain + [("partner_id", "in", self.customers.ids)]
        )
        self.assertIn("6_credit", aged.mapped("bucket"))
        self.assertGreater(len(aged.currency_id), 1)
