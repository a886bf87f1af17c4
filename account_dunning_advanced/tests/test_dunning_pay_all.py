# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import base64
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import JsonRpcException, tagged
from odoo.tools import hash_sign, mute_logger

from odoo.addons.account_payment.tests.common import AccountPaymentCommon
from odoo.addons.payment.tests.http_common import PaymentHttpCommon

from ..models.dunning_communication import CHANNEL_TOKEN_SCOPE


@tagged("post_install", "-at_install")
class TestDunningPayAll(AccountPaymentCommon, PaymentHttpCommon):
    """ "Pay all" of the customer's page, as the anonymous customer with the
    reminder's link, through Odoo's payment form and a test provider: the
    transaction is linked to the invoices of the page, and paying it
    reconciles them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.customer = cls.env["res.partner"].create(
            {"name": "Durand SA", "is_company": True, "lang": "en_US"}
        )
        cls.customer.with_company(cls.company).dunning_scenario_id = cls.env[
            "dunning.scenario"
        ].create(
            {
                "name": "Pay all scenario",
                "company_id": cls.company.id,
                "level_ids": [
                    Command.create(
                        {"name": "Friendly", "offset_days": 5, "tone": "friendly"}
                    )
                ],
            }
        )
        cls.today = fields.Date.context_today(cls.customer)
        cls.invoice_a = cls._dunning_invoice(cls.customer, 1000.0)
        cls.invoice_b = cls._dunning_invoice(cls.customer, 500.0)
        # what "Pay all" of Durand in this company must leave alone
        cls.other_customer = cls.env["res.partner"].create({"name": "Martin SARL"})
        cls.invoice_other_customer = cls._dunning_invoice(cls.other_customer, 300.0)
        cls.company_b_data = cls.setup_other_company(name="Company B")
        cls.invoice_company_b = cls._dunning_invoice(
            cls.customer, 777.0, company_data=cls.company_b_data
        )
        cls.invoice_disputed = cls._dunning_invoice(cls.customer, 250.0)
        cls.env["dunning.dispute"].create(
            {
                "move_id": cls.invoice_disputed.id,
                "reason_id": cls.env.ref(
                    "account_dunning_advanced.dispute_reason_quality"
                ).id,
            }
        )
        cls.token = cls._sign(cls.customer, cls.company)

    @classmethod
    def _dunning_invoice(cls, partner, amount, company_data=None, currency=None):
        company_data = company_data or cls.company_data
        invoice = (
            cls.env["account.move"]
            .with_company(company_data["company"])
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "journal_id": company_data["default_journal_sale"].id,
                    "currency_id": (currency or company_data["currency"]).id,
                    "invoice_date": cls.today - timedelta(days=40),
                    "invoice_date_due": cls.today - timedelta(days=10),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Chairs",
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [],
                            }
                        )
                    ],
                }
            )
        )
        invoice.action_post()
        return invoice

    @classmethod
    def _sign(cls, partner, company):
        return hash_sign(
            cls.env,
            CHANNEL_TOKEN_SCOPE,
            {"partner_id": partner.id, "company_id": company.id},
            expiration=timedelta(days=30),
        )

    def _open_payment_form(self, token=None):
        """Click "Pay all" on the page; the payment form it leads to."""
        token = token or self.token
        response = self.url_open(
            f"/dunning/customer/{token}/pay", allow_redirects=False
        )
        self.assertEqual(response.status_code, 303)
        location = response.headers["Location"]
        self.assertEqual(urlsplit(location).path, "/payment/pay")
        self.assertEqual(parse_qs(urlsplit(location).query)["dunning_token"], [token])
        form = self.url_open(location)
        self.assertEqual(form.status_code, 200)
        return self._get_payment_context(form)

    def _pay(self, context, **values):
        params = {
            "provider_id": self.provider.id,
            "payment_method_id": self.payment_method_id,
            "token_id": None,
            "amount": context["amount"],
            "flow": "direct",
            "tokenization_requested": False,
            "landing_route": context["landing_route"],
            "is_validation": False,
            "access_token": context["access_token"],
            **values,
        }
        with mute_logger("odoo.addons.payment.models.payment_transaction"):
            return self.make_jsonrpc_request(context["transaction_route"], params)

    def _transactions(self):
        return self.env["payment.transaction"].search(
            [("partner_id", "in", (self.customer + self.other_customer).ids)]
        )

    def test_pay_all_pays_and_reconciles_the_invoices_of_the_page(self):
        page = f"/dunning/customer/{self.token}"
        context = self._open_payment_form()
        self.assertEqual(context["transaction_route"], f"{page}/transaction")
        self.assertEqual(context["landing_route"], page)
        self.assertEqual(context["amount"], 1500.0)

        processing = self._pay(context)
        tx = self._get_tx(processing["reference"])
        self.assertRecordValues(
            tx,
            [
                {
                    "partner_id": self.customer.id,
                    "amount": 1500.0,
                    "currency_id": self.company.currency_id.id,
                    "company_id": self.company.id,
                    "landing_route": page,
                    "state": "draft",
                }
            ],
        )
        # exactly the invoices of the page: not the disputed one, not another
        # customer's, not another company's
        self.assertEqual(tx.invoice_ids, self.invoice_a + self.invoice_b)

        tx._set_done()
        tx._post_process()
        self.assertTrue(tx.payment_id)
        for invoice in self.invoice_a + self.invoice_b:
            self.assertIn(invoice.payment_state, ("in_payment", "paid"))
        for invoice in (
            self.invoice_disputed,
            self.invoice_other_customer,
            self.invoice_company_b,
        ):
            self.assertEqual(invoice.payment_state, "not_paid")
        # the page no longer asks for them
        text = self.url_open(page).text
        self.assertNotIn(self.invoice_a.name, text)
        self.assertNotIn(self.invoice_b.name, text)
        self.assertNotIn('o_dunning_pay_all"', text)

    def test_the_server_decides_what_is_paid(self):
        context = self._open_payment_form()
        # the client's amount no longer matches what is due: nothing created
        with self.assertRaises(JsonRpcException), mute_logger("odoo.http"):
            self._pay(context, amount=1.0)
        # the invoices are not the client's to choose
        with self.assertRaises(JsonRpcException), mute_logger("odoo.http"):
            self._pay(context, invoice_ids=[self.invoice_other_customer.id])
        # nor a provider of another company
        provider_b = self.provider.copy(
            {"company_id": self.company_b_data["company"].id}
        )
        with self.assertRaises(JsonRpcException), mute_logger("odoo.http"):
            self._pay(context, provider_id=provider_b.id)
        self.assertFalse(self._transactions())
        # an invoice cancelled meanwhile: the page's old amount is refused
        self.invoice_b.button_draft()
        self.invoice_b.button_cancel()
        with self.assertRaises(JsonRpcException), mute_logger("odoo.http"):
            self._pay(context)
        self.assertFalse(self._transactions())
        tx = self._get_tx(self._pay(context, amount=1000.0)["reference"])
        self.assertEqual(tx.invoice_ids, self.invoice_a)

    def test_tampered_and_expired_tokens_create_nothing(self):
        context = self._open_payment_form()
        pay_link = self.url_open(
            f"/dunning/customer/{self.token}/pay", allow_redirects=False
        ).headers["Location"]
        raw = base64.urlsafe_b64decode(self.token + "===")
        flipped = (
            base64.urlsafe_b64encode(raw[:20] + bytes([raw[20] ^ 1]) + raw[21:])
            .decode()
            .rstrip("=")
        )
        with freeze_time(datetime.now() - timedelta(days=31)):
            expired = self._sign(self.customer, self.company)
        for bad in (flipped, expired, "x" * 60):
            route = f"/dunning/customer/{bad}/transaction"
            with self.assertRaises(JsonRpcException), mute_logger("odoo.http"):
                self._pay(dict(context, transaction_route=route))
            # nor does the payment form open with it
            response = self.url_open(pay_link.replace(self.token, bad))
            self.assertEqual(response.status_code, 404)
        self.assertFalse(self._transactions())

    def test_several_currencies_are_paid_one_by_one(self):
        currency = self.setup_other_currency("EUR")
        invoice_eur = self._dunning_invoice(self.customer, 200.0, currency=currency)
        page = self.url_open(f"/dunning/customer/{self.token}").text
        self.assertIn(invoice_eur.name, page)
        self.assertNotIn('o_dunning_pay_all"', page)
        self.assertIn(
            "Your invoices are in several currencies: pay them one by one.", page
        )
        context = {
            "amount": 1500.0,
            "landing_route": "/",
            "access_token": "x",
            "transaction_route": f"/dunning/customer/{self.token}/transaction",
        }
        with self.assertRaises(JsonRpcException), mute_logger("odoo.http"):
            self._pay(context)
        self.assertFalse(self._transactions())
