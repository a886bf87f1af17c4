# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The customer's page attacked over HTTP, as an outsider holding (or forging)
the link of a reminder: markup in every free-text field and in a reply email,
forms sent twice or at the same time, uploads that are too large or not what
they say, links of another customer. Nothing live reaches the back office,
nothing is saved twice, nothing of another customer is shown.

Tampered, expired and other-company tokens: ``test_dunning_customer_portal``
(``test_tampered_and_expired_tokens_are_refused``,
``test_token_of_one_company_cannot_reach_another``)."""
# The concurrent transactions commit their own cursors, never the test's:
# pylint: disable=invalid-commit

import importlib.util
import re
import threading
import time
import traceback
from datetime import timedelta
from email.utils import make_msgid
from pathlib import Path

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.service.model import retrying
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name
from odoo.tools import mute_logger

from .common import waiting_for_a_lock
from .test_dunning_customer_portal import DunningPortalCommon

PAYLOAD = (
    '<b class=x>Damaged</b> <a href="https://evil.example/pay">pay here</a> '
    "<img src=x onerror=alert(1)><script>alert(2)</script>"
)
# what the payload would leave live once sanitized by Odoo
LIVE_TAGS = re.compile(r"<b\s+class|<a\s[^>]*evil\.example|<img|<script", re.IGNORECASE)
PDF = b"%PDF-1.4 a proof"
WAIT = 60  # seconds before a wait is declared stuck (a broken test, not a timing)


@tagged("post_install", "-at_install")
class TestDunningPortalAttacks(DunningPortalCommon):
    def _post(self, suffix, values, files=None, token=None):
        return self.url_open(
            self._path(suffix, token),
            data=dict(values, csrf_token=self._csrf()),
            files=files,
        )

    def _paid(self, invoice, **values):
        return {
            "move_ids": str(invoice.id),
            "payment_date": str(self.today),
            "amount": "500",
            **values,
        }

    def _dispute_values(self, invoice, note="Broken chairs"):
        quality = self.env.ref("account_dunning_advanced.dispute_reason_quality")
        return {"move_id": str(invoice.id), "reason_id": str(quality.id), "note": note}

    def _promise_values(self, note=""):
        return {"promise_date": str(self.today + timedelta(days=5)), "note": note}

    def _declarations(self):
        return self.env["dunning.payment.declaration"].search(
            [("partner_id", "=", self.customer.id)]
        )

    def _assert_no_live_markup(self, html, where):
        html = str(html or "")
        self.assertNotRegex(html, LIVE_TAGS, f"live markup in {where}")

    # ------------------------------------------------------------------
    # Markup in every free-text field
    # ------------------------------------------------------------------
    def test_markup_typed_by_the_customer_stays_text_in_the_back_office(self):
        self.assertIn(
            "recorded the date you proposed",
            self._post("/promise", self._promise_values(PAYLOAD)).text,
        )
        self.assertIn(
            "recorded your payment",
            self._post(
                "/paid",
                self._paid(self.invoice_b, reference=PAYLOAD[:200]),
                files={"proof": ("<img src=x>.pdf", PDF, "application/pdf")},
            ).text,
        )
        page = self._post(
            "/dispute",
            self._dispute_values(self.invoice_a, PAYLOAD),
            files={"attachment": ("<b>scan</b>.pdf", PDF, "application/pdf")},
        )
        self.assertIn("received your dispute", page.text)
        # every chatter message of the customer, the dispute and the invoice
        dispute = self.customer.dunning_dispute_ids
        messages = (
            self.customer.message_ids | dispute.message_ids | self.invoice_a.message_ids
        )
        typed = messages.filtered(lambda m: "evil.example" in str(m.body))
        self.assertEqual(len(typed), 3, "dispute note, its chatter, declaration note")
        for message in typed:
            self._assert_no_live_markup(message.body, f"message {message.id}")
            self.assertIn("&lt;a href=", str(message.body))
        # the collector's to-dos, and the emails telling them
        activities = self.customer.activity_ids
        self.assertEqual(len(activities), 3)
        for activity in activities:
            self._assert_no_live_markup(activity.note, activity.summary)
        self.assertIn("&lt;b class=x&gt;Damaged&lt;/b&gt;", str(activities[0].note))
        # (messages addressed to the collector: read past the test user's rights)
        notices = (
            self.env["mail.message"]
            .sudo()
            .search(
                [
                    ("message_type", "=", "user_notification"),
                    ("model", "=", "res.partner"),
                    ("res_id", "=", self.customer.id),
                    ("partner_ids", "in", self.collector.partner_id.ids),
                ]
            )
        )
        self.assertEqual(len(notices), 3, "the email of each to-do")
        for notice in notices:
            self._assert_no_live_markup(notice.body, f"email {notice.subject}")
            # Odoo's email of a to-do gives its summary, ours, not its note
            self.assertNotIn("evil.example", str(notice.body))
        # the customer's page shows it back, as text
        self.assertIn("&lt;a href=&#34;https://evil.example/pay&#34;&gt;", page.text)
        self._assert_no_live_markup(
            page.text.split("o_dunning_recorded", 1)[1].split("</ul>", 1)[0],
            "the customer's page",
        )
        # the records keep what was typed, as plain text
        self.assertEqual(dispute.note, PAYLOAD)
        self.assertEqual(self._declarations().reference, PAYLOAD[:200])
        self.assertIn(PAYLOAD, self.customer.dunning_promise_ids.note)
        names = (
            self._declarations().attachment_ids | dispute.message_ids.attachment_ids
        ).mapped("name")
        self.assertEqual(sorted(names), ["<b>scan</b>.pdf", "<img src=x>.pdf"])

    def test_markup_in_a_reply_email_stays_text(self):
        raw = (
            f"From: Durand AP <{self.customer.email}>\r\n"
            f"To: {self.reminder.mail_id.reply_to}\r\n"
            f"Subject: Re: {self.reminder.mail_id.subject}\r\n"
            f"Message-Id: {make_msgid(domain='durand.example')}\r\n"
            f"In-Reply-To: {self.reminder.mail_message_id.message_id}\r\n"
            f"References: {self.reminder.mail_message_id.message_id}\r\n"
            "Content-Type: text/html; charset=utf-8\r\n"
            "\r\n"
            f"<p>We paid. {PAYLOAD}</p>\r\n"
        )
        thread_id = self.env["mail.thread"].message_process(False, raw.encode())
        self.assertEqual(thread_id, self.reminder.id)
        reply = self.reminder.message_ids.filtered(lambda m: m.message_type == "email")
        self.assertEqual(len(reply), 1)
        self.assertIn("We paid.", str(reply.body))
        self.assertIn("https://evil.example/pay", str(reply.body), "shown as text")
        for message in self.reminder.message_ids | self.customer.message_ids:
            if "evil.example" in str(message.body):
                self._assert_no_live_markup(message.body, f"message {message.id}")

    # ------------------------------------------------------------------
    # Forms sent twice
    # ------------------------------------------------------------------
    def test_a_form_sent_twice_is_saved_once(self):
        csrf = self._csrf()
        forms = [
            ("/paid", self._paid(self.invoice_b, reference="VIR-1")),
            ("/promise", self._promise_values("end of month")),
            ("/dispute", self._dispute_values(self.invoice_a)),
        ]
        for suffix, values in forms:
            first = self.url_open(
                self._path(suffix), data=dict(values, csrf_token=csrf)
            )
            self.assertIn("o_dunning_done", first.text)
            self.assertNotIn("o_dunning_already", first.text)
            # a double click, or back and send again: same token, same CSRF
            again = self.url_open(
                self._path(suffix), data=dict(values, csrf_token=csrf)
            )
            self.assertEqual(again.status_code, 200)
            self.assertIn("We had already recorded this", again.text)
        self.assertEqual(len(self._declarations()), 1)
        self.assertEqual(len(self.customer.dunning_promise_ids), 1)
        self.assertEqual(len(self.customer.dunning_dispute_ids), 1)
        self.assertEqual(
            sorted(
                self._responses()
                .filtered(lambda r: r.kind != "portal_visit")
                .mapped("kind")
            ),
            ["already_paid", "dispute", "promise"],
        )
        self.assertEqual(len(self.customer.activity_ids), 3)
        # the page shows what is recorded
        page = self.url_open(self._path())
        recorded = page.text.split("o_dunning_recorded", 1)[1].split("</ul>", 1)[0]
        self.assertIn(f"declared for {self.invoice_b.name}", recorded)
        self.assertIn("promised by", recorded)
        self.assertIn(f"{self.invoice_a.name} disputed", recorded)

    def test_collector_cannot_open_a_second_dispute(self):
        self._post("/dispute", self._dispute_values(self.invoice_a))
        with self.assertRaisesRegex(UserError, "already has an open dispute"):
            self.env["dunning.dispute"].create(
                {
                    "move_id": self.invoice_a.id,
                    "reason_id": self.env.ref(
                        "account_dunning_advanced.dispute_reason_quality"
                    ).id,
                }
            )

    def test_a_promise_recorded_by_the_collector_replaces_the_open_one(self):
        self._post("/promise", self._promise_values())
        first = self.customer.dunning_promise_ids
        second = self.env["dunning.promise"].create(
            {
                "partner_id": self.customer.id,
                "company_id": self.company.id,
                "date": self.today + timedelta(days=15),
                "amount": 100.0,
            }
        )
        self.assertRecordValues(
            first | second, [{"state": "cancelled"}, {"state": "open"}]
        )

    # ------------------------------------------------------------------
    # Uploads
    # ------------------------------------------------------------------
    def test_oversized_and_wrongly_typed_uploads_are_refused(self):
        cases = [
            (
                ("big.pdf", b"%PDF-1.4" + b"0" * (10 * 1024 * 1024), "application/pdf"),
                "The file is too large (10 MB at most).",
            ),
            (
                (
                    "proof.pdf",
                    b"<html><script>alert(1)</script></html>",
                    "application/pdf",
                ),
                "Send a PDF or an image (PNG or JPEG) as the file.",
            ),
            (
                ("proof.pdf", b"MZ\x90\x00\x03 a program", "application/pdf"),
                "Send a PDF or an image (PNG or JPEG) as the file.",
            ),
        ]
        for upload, message in cases:
            for suffix, values, field in (
                ("/paid", self._paid(self.invoice_b), "proof"),
                ("/dispute", self._dispute_values(self.invoice_a), "attachment"),
            ):
                response = self._post(suffix, values, files={field: upload})
                self.assertEqual(response.status_code, 200)
                self.assertIn(message, response.text)
                self.assertIn("o_dunning_error", response.text)
        self._assert_nothing_saved()
        self.assertFalse(
            self.env["ir.attachment"].search(
                [
                    (
                        "res_model",
                        "in",
                        ("dunning.payment.declaration", "dunning.dispute"),
                    )
                ]
            )
        )

    def test_a_pdf_named_as_a_page_is_stored_as_a_pdf(self):
        self._post(
            "/paid",
            self._paid(self.invoice_b),
            files={"proof": ("proof.html", PDF, "text/html")},
        )
        self.assertRecordValues(
            self._declarations().attachment_ids,
            [{"name": "proof.html.pdf", "mimetype": "application/pdf"}],
        )

    # ------------------------------------------------------------------
    # Another customer
    # ------------------------------------------------------------------
    def test_a_link_never_reaches_another_customer(self):
        other = self.env["res.partner"].create(
            {"name": "Martin SARL", "is_company": True, "lang": "en_US"}
        )
        other.with_company(self.company).dunning_scenario_id = self.scenario
        other_invoice = self._invoice(other, 30, 321.0)
        page = self.url_open(self._path())
        self.assertNotIn(other_invoice.name, page.text)
        self.assertNotIn("Martin", page.text)
        responses = self._post_everything(None, self._csrf(), other_invoice.id)
        self.assertIn("Choose the invoices you have paid.", responses["/paid"].text)
        self.assertIn("Choose the invoice you dispute.", responses["/dispute"].text)
        for path in (
            f"/document/{other_invoice.id}",
            f"/pay?move_id={other_invoice.id}",
        ):
            response = self.url_open(self._path(path), allow_redirects=False)
            self.assertNotIn(other_invoice.name, response.text)
            self.assertNotEqual(response.status_code, 303)
        self.assertFalse(other_invoice.dunning_dispute_ids)
        self.assertFalse(
            self.env["dunning.payment.declaration"].search(
                [("move_ids", "in", other_invoice.ids)]
            )
        )


class Attempt(threading.Thread):
    """``job(env)`` in a transaction of its own, committed at the end as an
    HTTP request of Odoo's is (run again on a serialization failure, as
    Odoo's ``retrying`` does); its result in ``result``."""

    def __init__(self, registry, job):
        super().__init__(daemon=True)
        self.registry = registry
        self.job = job
        self.pid = None
        self.result = self.error = None
        self.started = threading.Event()

    def run(self):
        try:
            with self.registry.cursor() as cr:
                cr.execute("SELECT pg_backend_pid()")
                self.pid = cr.fetchone()[0]
                self.started.set()
                env = api.Environment(cr, SUPERUSER_ID, {})
                # as Odoo serves a request: run again on a serialization failure
                record, created = retrying(lambda: self.job(env), env)
                self.result = (record.ids, created)
                cr.commit()
        except Exception:  # noqa: BLE001 - asserted by the test
            self.error = traceback.format_exc()
        finally:
            self.started.set()


@tagged("post_install", "-at_install")
class TestDunningPortalConcurrentSubmits(BaseCase):
    """The same form posted twice at the same time: two transactions
    (REPEATABLE READ, as every Odoo request's), the first not yet committed
    when the second creates. The database keeps one."""

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        self.monitor = self.registry.cursor()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            partner = env["res.partner"].create(
                {"name": "Concurrent customer", "is_company": True}
            )
            # a draft is enough for the records, and removable afterwards
            move = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "invoice_line_ids": [
                        Command.create({"name": "Chairs", "price_unit": 100.0})
                    ],
                }
            )
            cr.commit()
            self.company_id, self.partner_id, self.move_id = (
                company.id,
                partner.id,
                move.id,
            )
        self.addCleanup(self._clean)

    def _clean(self):
        self.monitor.close()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["dunning.payment.declaration"].search(
                [("partner_id", "=", self.partner_id)]
            ).unlink()
            env["dunning.dispute"].search([("move_id", "=", self.move_id)]).unlink()
            promises = env["dunning.promise"].search(
                [("partner_id", "=", self.partner_id)]
            )
            promises.write({"state": "cancelled"})
            promises.unlink()
            env["dunning.response"].search(
                [("partner_id", "=", self.partner_id)]
            ).unlink()
            env["account.move"].browse(self.move_id).unlink()
            env["res.partner"].browse(self.partner_id).unlink()
            cr.commit()

    def _waiting_for_a_lock(self, attempt):
        return waiting_for_a_lock(self.monitor, attempt.pid)

    def _race(self, model, vals):
        """The first creates and has not committed when the second creates:
        (first's result, second's result, open records once both ended)."""
        with self.registry.cursor() as cr1:
            env1 = api.Environment(cr1, SUPERUSER_ID, {})
            first = env1[model]._dunning_create_once(dict(vals))
            self.assertTrue(first[1])
            second = Attempt(
                self.registry, lambda env: env[model]._dunning_create_once(dict(vals))
            )
            second.start()
            self.assertTrue(second.started.wait(WAIT))
            deadline = time.monotonic() + WAIT
            while second.is_alive() and not self._waiting_for_a_lock(second):
                self.assertLess(time.monotonic(), deadline, "never met the first")
                time.sleep(0.05)
            self.assertTrue(second.is_alive(), "the second waits for the first")
            cr1.commit()
        second.join(WAIT)
        self.assertIsNone(second.error)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            opened = env[model].search(
                [("partner_id", "=", self.partner_id), ("state", "=", "open")]
            )
            return first, second.result, opened.ids

    def test_two_disputes_at_once_make_one(self):
        with self.registry.cursor() as cr:
            reason = api.Environment(cr, SUPERUSER_ID, {}).ref(
                "account_dunning_advanced.dispute_reason_quality"
            )
            reason_id = reason.id
        first, second, opened = self._race(
            "dunning.dispute",
            {"move_id": self.move_id, "reason_id": reason_id, "note": "Broken"},
        )
        self.assertFalse(second[1], "the second creates nothing")
        self.assertEqual(opened, first[0].ids)

    def test_two_promises_at_once_make_one(self):
        first, second, opened = self._race(
            "dunning.promise",
            {
                "partner_id": self.partner_id,
                "company_id": self.company_id,
                "date": fields.Date.today() + timedelta(days=5),
                "amount": 100.0,
            },
        )
        self.assertFalse(second[1], "the second creates nothing")
        self.assertEqual(opened, first[0].ids)

    def test_two_declarations_at_once_make_one(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            currency_id = env["res.company"].browse(self.company_id).currency_id.id
        first, second, opened = self._race(
            "dunning.payment.declaration",
            {
                "partner_id": self.partner_id,
                "company_id": self.company_id,
                "move_ids": [Command.set([self.move_id])],
                "payment_date": fields.Date.today(),
                "amount": 100.0,
                "currency_id": currency_id,
            },
        )
        self.assertFalse(second[1], "the second creates nothing")
        self.assertEqual(opened, first[0].ids)


@tagged("post_install", "-at_install")
class TestDunningRepliesUpgrade(DunningPortalCommon):
    """A database of the previous release may hold the duplicates a form
    sent twice left: the migration closes them, so that the unique indexes
    can be created."""

    def _migration(self):
        path = (
            Path(__file__)
            .parents[1]
            .joinpath("migrations", "18.0.2.2.0", "pre-customer_replies_unique.py")
        )
        spec = importlib.util.spec_from_file_location("pre_customer_replies", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    def test_duplicates_of_the_previous_release_are_closed(self):
        # as the upgrade runs
        env = self.env(su=True)
        # the previous release's schema: no unique index (DDL, rolled back
        # with the test)
        env.cr.execute(
            """
            DROP INDEX dunning_dispute_open_move_uniq;
            DROP INDEX dunning_promise_open_partner_uniq;
            DROP INDEX dunning_payment_declaration_open_move_uniq;
            """
        )
        quality = env.ref("account_dunning_advanced.dispute_reason_quality")
        disputes = env["dunning.dispute"].create(
            [
                {"move_id": self.invoice_a.id, "reason_id": quality.id, "note": note}
                for note in ("Broken", "Broken")
            ]
            + [
                {
                    "move_id": self.invoice_a.id,
                    "reason_id": quality.id,
                    "note": "Late",
                    "state": "resolved",
                }
            ]
        )
        disputes[2].state = "open"
        promises = env["dunning.promise"].create(
            [
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "date": self.today + timedelta(days=days),
                    "amount": 100.0,
                }
                for days in (5, 6)
            ]
        )
        declarations = env["dunning.payment.declaration"].create(
            [
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "move_ids": [Command.set(moves.ids)],
                    "payment_date": self.today,
                    "amount": 100.0,
                    "currency_id": self.invoice_a.currency_id.id,
                    "state": state,
                }
                for moves, state in (
                    (self.invoice_a, "open"),
                    (self.invoice_b, "open"),
                    (self.invoice_b, "cancelled"),
                )
            ]
        )
        env.flush_all()
        # as the previous release left them: all open
        env.cr.execute(
            """
            UPDATE dunning_promise SET state = 'open' WHERE id IN %(promises)s;
            UPDATE dunning_payment_declaration SET state = 'open'
             WHERE id IN %(declarations)s;
            INSERT INTO dunning_payment_declaration_move_rel
            VALUES (%(second)s, %(invoice_a)s);
            DELETE FROM dunning_payment_declaration_open_move_rel;
            """,
            {
                "promises": tuple(promises.ids),
                "declarations": tuple(declarations.ids),
                "second": declarations[1].id,
                "invoice_a": self.invoice_a.id,
            },
        )
        env.invalidate_all()
        # openupgrade's decorator looks for Odoo's migration manager above it
        with mute_logger("OpenUpgrade"):
            self._migration().migrate(env.cr, "18.0.2.1.0")
        env.invalidate_all()
        self.assertRecordValues(
            disputes,
            [{"state": "open"}, {"state": "resolved"}, {"state": "resolved"}],
        )
        self.assertEqual(disputes[0].note, "Broken\nLate")
        self.assertIn(
            f"duplicate of dispute {disputes[0].id}", disputes[2].resolution_note
        )
        self.assertRecordValues(promises, [{"state": "cancelled"}, {"state": "open"}])
        # the second shared an invoice with the first: the third, alone on
        # its invoice once the second is closed, holds it
        self.assertEqual(declarations.mapped("state"), ["open", "cancelled", "open"])
        self.assertIn(
            f"duplicate of declaration {declarations[0].id}", declarations[1].note
        )
        # the indexes of this release can be created and hold
        for model in (
            "dunning.dispute",
            "dunning.promise",
            "dunning.payment.declaration",
        ):
            self.env[model].init()
        declarations._compute_open_move_ids()
        env.flush_all()
        self.assertEqual(declarations[0].open_move_ids, self.invoice_a)
        self.assertEqual(declarations[2].open_move_ids, self.invoice_b)
