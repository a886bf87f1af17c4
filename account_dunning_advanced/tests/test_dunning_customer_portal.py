# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import base64
import json
import re
from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import as_job, create_dunning_users

STORED_PDF = b"%PDF-1.4 the invoice as sent"


class DunningPortalCommon(AccountTestInvoicingCommon, HttpCase):
    """A customer with two overdue invoices, reminded: the link of the
    reminder opens the customer's page."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.company.dunning_declared_paid_days = 10
        cls.collector, _manager = create_dunning_users(cls.env, cls.company)
        cls.scenario = cls.env["dunning.scenario"].create(
            {
                "name": "Portal scenario",
                "company_id": cls.company.id,
                "min_interval_days": 0,
                "max_per_30_days": 30,
                "business_days_only": False,
                "promise_max_days": 20,
                "level_ids": [
                    Command.create(
                        {"name": "Friendly", "offset_days": 5, "tone": "friendly"}
                    ),
                    Command.create(
                        {"name": "Formal", "offset_days": 40, "tone": "formal"}
                    ),
                ],
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Durand SA",
                "is_company": True,
                "lang": "en_US",
                "email": "ap@durand.example",
            }
        )
        cls.customer.with_company(cls.company).write(
            {
                "dunning_collector_id": cls.collector.id,
                "dunning_scenario_id": cls.scenario.id,
            }
        )
        cls.today = fields.Date.context_today(cls.customer)
        cls.invoice_a = cls._invoice(cls.customer, 30, 1000.0)
        cls.invoice_b = cls._invoice(cls.customer, 10, 500.0)
        cls.stored_pdf = cls.env["ir.attachment"].create(
            {
                "name": f"{cls.invoice_a.name}.pdf",
                "raw": STORED_PDF,
                "mimetype": "application/pdf",
                "res_model": "account.move",
                "res_id": cls.invoice_a.id,
                "res_field": "invoice_pdf_report_file",
            }
        )
        cls.invoice_a.invalidate_recordset(["invoice_pdf_report_id"])
        cls._run(cls.today)
        cls.reminder = cls.env["dunning.communication"].search(
            [("partner_id", "=", cls.customer.id)]
        )
        cls.token = cls.reminder._dunning_channel_token()

    @classmethod
    def _invoice(cls, partner, days_late, amount, company_data=None):
        company_data = company_data or cls.company_data
        invoice = (
            cls.env["account.move"]
            .with_company(company_data["company"])
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "journal_id": company_data["default_journal_sale"].id,
                    "invoice_date": cls.today - timedelta(days=days_late + 30),
                    "invoice_date_due": cls.today - timedelta(days=days_late),
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
    def _run(cls, day):
        # a run of a later day happens on that day: what it sends is checked
        # again against the holds of that day
        with freeze_time(day):
            return as_job(cls.env["dunning.run"])._run_company(
                cls.company, day, "manual", dry_run=False
            )

    def _path(self, suffix="", token=None):
        return f"/dunning/customer/{token or self.token}{suffix}"

    def _csrf(self):
        page = self.url_open(self._path())
        return page.text.split('name="csrf_token" value="')[1].split('"')[0]

    def _responses(self, kind=None):
        domain = [("partner_id", "=", self.customer.id), ("source", "=", "portal")]
        if kind:
            domain.append(("kind", "=", kind))
        return self.env["dunning.response"].search(domain)

    def _skips(self, run, invoice):
        return set(
            run.log_ids.filtered(lambda log: log.move_id == invoice).mapped("reason")
        )

    def _reminded(self, run, invoice):
        return run.communication_ids.line_ids.filtered(lambda ln: ln.move_id == invoice)

    def _collector_activities(self, summary):
        return self.customer.activity_ids.filtered(
            lambda act: act.summary == summary and act.user_id == self.collector
        )

    def _assert_nothing_saved(self):
        self.assertFalse(
            self.env["dunning.payment.declaration"].search(
                [("partner_id", "=", self.customer.id)]
            )
        )
        self.assertFalse(self.customer.dunning_promise_ids)
        self.assertFalse(self.customer.dunning_dispute_ids)
        self.assertFalse(self._responses().filtered(lambda r: r.kind != "portal_visit"))

    def _post_everything(self, token, csrf, move_id):
        posted = {
            "/paid": {
                "move_ids": str(move_id),
                "payment_date": str(self.today),
                "amount": "1000",
            },
            "/promise": {"promise_date": str(self.today + timedelta(days=5))},
            "/dispute": {
                "move_id": str(move_id),
                "reason_id": str(
                    self.env.ref("account_dunning_advanced.dispute_reason_quality").id
                ),
                "note": "Broken",
            },
        }
        return {
            suffix: self.url_open(
                self._path(suffix, token), data=dict(values, csrf_token=csrf)
            )
            for suffix, values in posted.items()
        }


@tagged("post_install", "-at_install")
class TestDunningCustomerPortal(DunningPortalCommon):
    """The customer's page of a reminder, as the anonymous customer with the
    reminder's link."""

    # ------------------------------------------------------------------
    # Tours: what the customer does
    # ------------------------------------------------------------------
    def test_already_paid_holds_the_invoice_back(self):
        self.start_tour(self._path(), "account_dunning_advanced_portal_paid")
        declaration = self.env["dunning.payment.declaration"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertRecordValues(
            declaration,
            [
                {
                    "company_id": self.company.id,
                    "move_ids": self.invoice_a.ids,
                    "payment_date": self.today - timedelta(days=2),
                    "amount": 1000.0,
                    "currency_id": self.invoice_a.currency_id.id,
                    "reference": "VIR-2026-42",
                    "hold_until": self.today + timedelta(days=10),
                    "state": "open",
                }
            ],
        )
        self.assertEqual(declaration.attachment_ids.mapped("name"), ["transfer.pdf"])
        self.assertEqual(declaration.attachment_ids.raw, b"%PDF-1.4 proof")
        self.assertRecordValues(
            self._responses("already_paid"),
            [{"communication_id": self.reminder.id, "res_id": declaration.id}],
        )
        self.assertEqual(len(self._responses("portal_visit")), 1)
        self.assertTrue(self._collector_activities("Payment declared by the customer"))
        # due for the next level on the last day of the hold: held back
        run = self._run(self.today + timedelta(days=10))
        self.assertEqual(self._skips(run, self.invoice_a), {"declared_paid"})
        self.assertFalse(self._reminded(run, self.invoice_a))
        # the hold is over, nothing was reconciled: reminded again
        run = self._run(self.today + timedelta(days=11))
        self.assertEqual(self._reminded(run, self.invoice_a).level_id.name, "Formal")

    def test_promise_pauses_the_reminders(self):
        self.start_tour(self._path(), "account_dunning_advanced_portal_promise")
        promise = self.customer.dunning_promise_ids
        self.assertRecordValues(
            promise,
            [
                {
                    "company_id": self.company.id,
                    "date": self.today + timedelta(days=10),
                    "amount": 1500.0,
                    "state": "open",
                }
            ],
        )
        self.assertIn("end-of-month run", promise.note)
        self.assertRecordValues(
            self._responses("promise"),
            [{"communication_id": self.reminder.id, "res_id": promise.id}],
        )
        self.assertTrue(
            self._collector_activities("Payment date proposed by the customer")
        )
        run = self._run(self.today + timedelta(days=10))
        self.assertEqual(self._skips(run, self.invoice_a), {"promise"})
        self.assertFalse(run.communication_ids)

    def test_dispute_opens_a_dispute(self):
        self.start_tour(self._path(), "account_dunning_advanced_portal_dispute")
        dispute = self.env["dunning.dispute"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertRecordValues(
            dispute,
            [
                {
                    "move_id": self.invoice_a.id,
                    "reason_id": self.env.ref(
                        "account_dunning_advanced.dispute_reason_quality"
                    ).id,
                    "state": "open",
                    "user_id": self.collector.id,
                    "note": "Two of the ten chairs arrived broken",
                }
            ],
        )
        self.assertEqual(
            dispute.message_ids.attachment_ids.mapped("name"), ["damage.pdf"]
        )
        self.assertRecordValues(
            self._responses("dispute"),
            [{"communication_id": self.reminder.id, "res_id": dispute.id}],
        )
        self.assertTrue(self._collector_activities("Invoice disputed by the customer"))
        run = self._run(self.today + timedelta(days=10))
        self.assertEqual(self._skips(run, self.invoice_a), {"disputed"})

    def test_pay_all_opens_odoo_payment_page(self):
        method = self.env.ref("payment.payment_method_unknown")
        self.env["payment.provider"].create(
            {
                "name": "Test Provider",
                "code": "none",
                "state": "test",
                "is_published": True,
                "company_id": self.company.id,
                "payment_method_ids": [Command.set(method.ids)],
                "available_currency_ids": [Command.set(self.company.currency_id.ids)],
            }
        )
        method.active = True
        self.start_tour(self._path(), "account_dunning_advanced_portal_pay_all")
        self.assertRecordValues(
            self._responses("payment"), [{"communication_id": self.reminder.id}]
        )
        self.assertIn(self.invoice_a.name, self._responses("payment").note)
        self.assertIn(self.invoice_b.name, self._responses("payment").note)

    def test_pay_one_opens_the_invoice_payment(self):
        response = self.url_open(
            self._path(f"/pay?move_id={self.invoice_a.id}"), allow_redirects=False
        )
        self.assertEqual(response.status_code, 303)
        location = response.headers["Location"]
        self.assertIn(f"/my/invoices/{self.invoice_a.id}?access_token=", location)
        # Odoo's invoice page, where the anonymous customer pays it
        page = self.url_open(location)
        self.assertEqual(page.status_code, 200)
        self.assertIn('id="portal_pay"', page.text)
        self.assertIn(self.invoice_a.name, self._responses("payment").note)
        self.assertNotIn(self.invoice_b.name, self._responses("payment").note)

    # ------------------------------------------------------------------
    # The link, the documents
    # ------------------------------------------------------------------
    def test_every_reminder_carries_the_link(self):
        self.assertTrue(self.reminder.mail_id)
        body = str(self.reminder.mail_id.body_html)
        match = re.search(r'href="[^"]*(/dunning/customer/[A-Za-z0-9_-]+)"', body)
        self.assertTrue(match, "the email links to the customer's page")
        self.assertIn("View your statement, pay or reply", body)
        page = self.url_open(match.group(1))
        self.assertEqual(page.status_code, 200)
        self.assertIn("Statement of Durand SA", page.text)
        self.assertIn(f"/dunning/channel/{match.group(1).rsplit('/', 1)[1]}", page.text)
        report = self.env["ir.actions.report"]
        html = report._render_qweb_html(
            "account_dunning_advanced.action_report_dunning_letter", self.reminder.ids
        )[0].decode()
        self.assertRegex(html, r"/dunning/customer/[A-Za-z0-9_-]{56,}")
        # a link may open one of the replies at once
        page = self.url_open(self._path("?reply=dispute"))
        self.assertIn('class="card mb-2 o_dunning_dispute" open', page.text)
        self.assertNotIn('class="card mb-2 o_dunning_paid" open', page.text)

    def test_stored_pdf_downloads_never_generated(self):
        response = self.url_open(self._path(f"/document/{self.invoice_a.id}"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, STORED_PDF)
        # never sent, no stored PDF: none made here
        response = self.url_open(self._path(f"/document/{self.invoice_b.id}"))
        self.assertEqual(response.status_code, 404)
        self.invoice_b.invalidate_recordset(["invoice_pdf_report_id"])
        self.assertFalse(self.invoice_b.invoice_pdf_report_id)

    # ------------------------------------------------------------------
    # Tokens and company walls
    # ------------------------------------------------------------------
    def test_tampered_and_expired_tokens_are_refused(self):
        csrf = self._csrf()
        raw = base64.urlsafe_b64decode(self.token + "===")
        other = self.env["res.partner"].create({"name": "Other"})
        swapped = (
            base64.urlsafe_b64encode(
                raw[:41]
                + json.dumps(
                    {"partner_id": other.id, "company_id": self.company.id}
                ).encode()
            )
            .decode()
            .rstrip("=")
        )
        flipped = (
            base64.urlsafe_b64encode(raw[:20] + bytes([raw[20] ^ 1]) + raw[21:])
            .decode()
            .rstrip("=")
        )
        self.company.dunning_token_validity_days = 30
        with freeze_time(datetime.now() - timedelta(days=31)):
            expired = self.reminder._dunning_channel_token()
        for bad in (swapped, flipped, expired, self.token + "=="):
            page = self.url_open(self._path(token=bad))
            self.assertEqual(page.status_code, 403)
            self.assertIn("Invalid link", page.text)
            self.assertNotIn("Durand", page.text)
            self.assertNotIn(self.invoice_a.name, page.text)
            for path in (
                f"/document/{self.invoice_a.id}",
                f"/pay?move_id={self.invoice_a.id}",
            ):
                response = self.url_open(self._path(path, bad), allow_redirects=False)
                self.assertEqual(response.status_code, 403)
            for response in self._post_everything(
                bad, csrf, self.invoice_a.id
            ).values():
                self.assertEqual(response.status_code, 403)
        self._assert_nothing_saved()
        # the one visit with the valid link
        self.assertEqual(len(self._responses()), 1)

    def test_token_of_one_company_cannot_reach_another(self):
        company_b = self.setup_other_company(name="Company B")
        invoice_b2 = self._invoice(self.customer, 30, 777.0, company_data=company_b)
        page = self.url_open(self._path())
        self.assertIn(self.invoice_a.name, page.text)
        self.assertNotIn(f'value="{invoice_b2.id}"', page.text)
        self.assertNotIn("777.00", page.text)
        csrf = self._csrf()
        responses = self._post_everything(None, csrf, invoice_b2.id)
        self.assertIn("Choose the invoices you have paid.", responses["/paid"].text)
        self.assertIn("Choose the invoice you dispute.", responses["/dispute"].text)
        response = self.url_open(self._path(f"/document/{invoice_b2.id}"))
        self.assertEqual(response.status_code, 404)
        response = self.url_open(
            self._path(f"/pay?move_id={invoice_b2.id}"), allow_redirects=False
        )
        self.assertIn("This invoice is not open on this page.", response.text)
        self.assertFalse(
            self.env["dunning.payment.declaration"].search(
                [("partner_id", "=", self.customer.id)]
            )
        )
        self.assertFalse(self.customer.dunning_dispute_ids)
        # the promise alone was valid: it concerns company A only
        self.assertEqual(self.customer.dunning_promise_ids.company_id, self.company)

    # ------------------------------------------------------------------
    # Bad input
    # ------------------------------------------------------------------
    def test_bad_input_is_refused_and_nothing_saved(self):
        csrf = self._csrf()
        quality = self.env.ref("account_dunning_advanced.dispute_reason_quality")
        cases = [
            (
                "/paid",
                {
                    "move_ids": str(self.invoice_a.id),
                    "payment_date": str(self.today),
                    "amount": "a thousand",
                },
                "Enter the amount paid, a number.",
            ),
            (
                "/paid",
                {
                    "move_ids": str(self.invoice_a.id),
                    "payment_date": str(self.today + timedelta(days=1)),
                    "amount": "1000",
                },
                "The payment date cannot be in the future.",
            ),
            (
                "/paid",
                {"move_ids": "999999999", "payment_date": "2026-01-01", "amount": "5"},
                "Choose the invoices you have paid.",
            ),
            (
                "/promise",
                {"promise_date": str(self.today - timedelta(days=1))},
                "Choose a date between",
            ),
            (
                "/promise",
                {"promise_date": str(self.today + timedelta(days=21))},
                "Choose a date between",
            ),
            ("/promise", {"promise_date": "not a date"}, "Enter a valid date."),
            (
                "/dispute",
                {"move_id": "abc", "reason_id": str(quality.id), "note": "x"},
                "Choose the invoice you dispute.",
            ),
            (
                "/dispute",
                {"move_id": str(self.invoice_a.id), "reason_id": "0", "note": "x"},
                "Choose the reason of the dispute.",
            ),
        ]
        for suffix, values, message in cases:
            response = self.url_open(
                self._path(suffix), data=dict(values, csrf_token=csrf)
            )
            self.assertEqual(response.status_code, 200, message)
            self.assertIn(message, response.text)
            self.assertIn("o_dunning_error", response.text)
        self._assert_nothing_saved()
        # the limit itself is accepted
        response = self.url_open(
            self._path("/promise"),
            data={
                "promise_date": str(self.today + timedelta(days=20)),
                "csrf_token": csrf,
            },
        )
        self.assertIn("recorded the date you proposed", response.text)
        self.assertEqual(len(self.customer.dunning_promise_ids), 1)

    def test_without_csrf_token_nothing_is_saved(self):
        self.url_open(self._path())
        response = self.url_open(
            self._path("/promise"),
            data={"promise_date": str(self.today + timedelta(days=5))},
        )
        self.assertEqual(response.status_code, 400)
        self._assert_nothing_saved()

    def test_collector_lifts_a_declared_payment(self):
        # as the customer's page records it
        declaration = (
            self.env["dunning.payment.declaration"]
            .sudo()
            .create(
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "move_ids": [Command.set(self.invoice_b.ids)],
                    "payment_date": self.today,
                    "amount": 500.0,
                    "currency_id": self.invoice_b.currency_id.id,
                    "hold_until": self.today + timedelta(days=60),
                }
            )
        )
        run = self._run(self.today + timedelta(days=30))
        self.assertEqual(self._skips(run, self.invoice_b), {"declared_paid"})
        # what the customer declared stays as declared, also over RPC
        as_collector = declaration.with_user(self.collector)
        with self.assertRaises(UserError):
            as_collector.write({"amount": 5.0})
        with self.assertRaises(UserError):
            as_collector.write({"hold_until": self.today + timedelta(days=90)})
        as_collector.action_cancel()
        with self.assertRaises(UserError):
            as_collector.write({"state": "open"})
        run = self._run(self.today + timedelta(days=31))
        self.assertTrue(self._reminded(run, self.invoice_b))
