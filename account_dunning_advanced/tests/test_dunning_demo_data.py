# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields
from odoo.tests import TransactionCase, tagged

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


def iban_is_valid(iban):
    """ISO 13616 check: the rearranged IBAN, letters as numbers, mod 97 is 1."""
    iban = iban.replace(" ", "").upper()
    digits = "".join(str(int(c, 36)) for c in iban[4:] + iban[:4])
    return len(iban) > 15 and int(digits) % 97 == 1


@tagged("post_install", "-at_install")
class TestDunningDemoData(TransactionCase):
    """The demo tells the story: customers speaking French and English with
    their collectors, a company IBAN the payment QR code accepts, and months
    of paid invoices and reminders behind every report."""

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
        cls.company = cls.env.ref("base.main_company")

    def test_customers_speak_french_and_english_and_have_collectors(self):
        self.assertEqual(set(self.customers.mapped("lang")), {"fr_FR", "en_US"})
        self.assertTrue(self.env["res.lang"].search([("code", "=", "fr_FR")]))
        customers = self.customers.with_company(self.company)
        self.assertEqual(
            customers.filtered(lambda p: not p.dunning_collector_id).ids, []
        )
        admin = self.env.ref("base.user_admin")
        self.assertIn(admin, customers.dunning_collector_id)
        # "My Customers", the worklist's default filter, is not empty for admin
        self.assertTrue(
            self.env["dunning.worklist"]
            .with_user(admin)
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
