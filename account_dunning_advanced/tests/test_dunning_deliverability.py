# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import email
import re
from ast import literal_eval
from datetime import datetime, timedelta
from email import policy
from email.utils import make_msgid

from freezegun import freeze_time

from odoo.tests import HttpCase, tagged

from .common import as_job
from .dunning_dispatch_common import DunningDispatchCommon
from .test_dunning_smtp_delivery import (
    RefusingHandler,
    free_port,
    real_delivery,
    smtp_server,
)

PACE_PARAM = "account_dunning_advanced.email_domain_hourly_limit"


def delivery_status(comm):
    """A delivery status notification (RFC 3464) from the customer's server to
    the company's bounce address, about the reminder's email: the raw message
    a mailbox provider sends."""
    message_id = comm.mail_message_id.message_id
    recipient = comm._dunning_contact().email
    domain = recipient.rpartition("@")[2]
    raw = (
        f"From: Mail Delivery System <MAILER-DAEMON@{domain}>\r\n"
        "To: bounce@lumiere.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-Id: {make_msgid(domain=domain)}\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; "
        'boundary="B"\r\n'
        "\r\n"
        "--B\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        f"The mailbox {recipient} does not exist.\r\n"
        "--B\r\n"
        "Content-Type: message/delivery-status\r\n"
        "\r\n"
        f"Reporting-MTA: dns; mx.{domain}\r\n"
        "\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        "Action: failed\r\n"
        "Status: 5.1.1\r\n"
        "\r\n"
        "--B\r\n"
        "Content-Type: text/rfc822-headers\r\n"
        "\r\n"
        "From: relances@lumiere.example\r\n"
        f"To: {recipient}\r\n"
        f"Message-Id: {message_id}\r\n"
        f"Subject: {comm.mail_id.subject}\r\n"
        "\r\n"
        "--B--\r\n"
    )
    return raw.encode()


def use_test_smtp(case):
    """A real SMTP server on this machine, the only one the test's Odoo sends
    through (stopped after the test); its handler, which records or refuses."""
    handler = RefusingHandler()
    port = free_port()
    case.addCleanup(smtp_server(handler, port).stop)
    case.env["ir.mail_server"].search([]).active = False
    case.env["ir.mail_server"].create(
        {
            "name": "Test SMTP",
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_encryption": "none",
            # the company's domain: Odoo sends its From as is
            "from_filter": "lumiere.example",
        }
    )
    return handler


@tagged("post_install", "-at_install")
class TestDunningDeliverability(DunningDispatchCommon):
    """Reminder emails as mailbox providers and customers see them: headers,
    text part, sending pace per domain; replies and bounces through Odoo's
    mail gateway."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alias_domain = cls.env["mail.alias.domain"].create(
            {"name": "lumiere.example"}
        )
        cls.company.alias_domain_id = cls.alias_domain

    def setUp(self):
        super().setUp()
        self.handler = use_test_smtp(self)

    def _reminder_to(self, email_address, tone="friendly"):
        customer = self.customer_en.copy(
            {"email": email_address, "name": email_address}
        )
        customer.with_company(self.company).dunning_collector_id = self.collector
        invoice = self._dunning_invoice(
            customer, "2026-01-01", "2026-02-01", 100.0, self.company.currency_id
        )
        comm = self._communication(customer, tone, moves=invoice)
        as_job(self.env["dunning.channel.email"])._create_mails(comm)
        return comm

    def _received(self):
        """(recipients, parsed email) of what the SMTP server accepted."""
        return [
            (rcpts, email.message_from_bytes(content, policy=policy.default))
            for rcpts, content in self.handler.received
        ]

    # ------------------------------------------------------------------
    # Headers and text part
    # ------------------------------------------------------------------
    def test_received_reminder_headers_and_text_part(self):
        comm = self._communication(self.customer_en, "friendly")
        as_job(self.env["dunning.channel.email"])._create_mails(comm)
        with real_delivery():
            comm.mail_id.send()
        self.assertEqual(comm.state, "sent")
        [(rcpts, msg)] = self._received()
        content = self.handler.received[0][1]
        self.assertEqual(rcpts, ["ap@smith.example"])
        # one sender per company, whoever the collector
        [sender] = msg["From"].addresses
        self.assertEqual(
            (sender.display_name, sender.addr_spec),
            ("Lumière SAS", "relances@lumiere.example"),
        )
        # replies come back to Odoo, on the reminder's email
        [reply_to] = msg["Reply-To"].addresses
        self.assertEqual(
            (reply_to.display_name, reply_to.addr_spec),
            (f"Lumière SAS - {comm.name}", "catchall@lumiere.example"),
        )
        self.assertEqual(msg["Message-Id"], comm.mail_message_id.message_id)
        self.assertEqual(msg["Return-Path"], "bounce@lumiere.example")
        self.assertEqual(
            msg["List-Unsubscribe"],
            literal_eval(comm.mail_id.headers)["List-Unsubscribe"],
        )
        self.assertRegex(
            msg["List-Unsubscribe"],
            rf"^<{comm.company_id.get_base_url()}/dunning/channel/[\w-]+/unsubscribe>$",
        )
        self.assertEqual(msg["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
        # on one line as written, not cut into encoded words
        self.assertRegex(
            content,
            re.compile(rb"\r?\nList-Unsubscribe: <https?://[^\s>]+/unsubscribe>\r?\n"),
        )
        self.assertEqual(msg.get_content_type(), "multipart/alternative")
        text = msg.get_body(preferencelist=("plain",)).get_content()
        html = msg.get_body(preferencelist=("html",)).get_content()
        self.assertIn("Dear Sir or Madam", html)
        eur_inv, usd_inv = self.invoices[self.customer_en]
        for expected in (
            "Dear Sir or Madam",
            eur_inv.name,
            usd_inv.name,
            "39 days late",
            "FR76 3000 4000 0312 3456 7890 143",
            # links stay readable as addresses
            f"/pay?move_id={eur_inv.id}",
            "/dunning/channel/",
            "Colette Collector",
        ):
            self.assertIn(expected, text)
        self.assertNotIn("<", text.replace("<http", ""))
        self.assertNotIn("{", text)

    def test_sender_stays_the_company_without_reminder_address(self):
        self.company.dunning_email = False
        self.company.email = "contact@lumiere.example"
        comm = self._communication(self.customer_en, "friendly")
        as_job(self.env["dunning.channel.email"])._create_mails(comm)
        self.assertEqual(
            comm.mail_id.email_from, '"Lumière SAS" <contact@lumiere.example>'
        )

    # ------------------------------------------------------------------
    # Replies
    # ------------------------------------------------------------------
    def _reply(
        self, comm, sender="ap@smith.example", body="We paid yesterday.", headers=""
    ):
        raw = (
            f"From: Smith AP <{sender}>\r\n"
            f"{headers}"
            f"To: {comm.mail_id.reply_to}\r\n"
            f"Subject: Re: {comm.mail_id.subject}\r\n"
            f"Message-Id: {make_msgid(domain='smith.example')}\r\n"
            f"In-Reply-To: {comm.mail_message_id.message_id}\r\n"
            f"References: {comm.mail_message_id.message_id}\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "\r\n"
            f"{body}\r\n"
        )
        return self.env["mail.thread"].message_process(False, raw.encode())

    def test_reply_lands_on_the_reminder_notifies_and_counts(self):
        comm = self._communication(self.customer_en, "friendly")
        as_job(self.env["dunning.channel.email"])._create_mails(comm)
        with real_delivery():
            comm.mail_id.send()
        thread_id = self._reply(comm)
        self.assertEqual(thread_id, comm.id)
        reply = comm.message_ids.filtered(lambda m: m.message_type == "email")
        self.assertEqual(len(reply), 1)
        self.assertIn("We paid yesterday.", str(reply.body))
        self.assertEqual(reply.author_id, self.customer_en)
        # not on the customer's public chatter
        self.assertFalse(
            self.customer_en.message_ids.filtered(
                lambda m: "We paid yesterday." in str(m.body)
            )
        )
        # the collector follows the reminder and is notified of the reply
        self.assertIn(self.collector.partner_id, comm.message_partner_ids)
        self.assertIn(self.collector.partner_id, reply.notification_ids.res_partner_id)
        # the customer's chatter (dunning note) points to the reminder
        note = self.customer_en.message_ids.filtered(
            lambda m: f'data-oe-id="{comm.id}"' in str(m.body)
            or f"data-oe-id='{comm.id}'" in str(m.body)
        )
        self.assertEqual(len(note), 1)
        self.assertIn("Reply from", str(note.body))
        self.assertEqual(note.record_company_id, self.company)
        response = self.env["dunning.response"].search(
            [("partner_id", "=", self.customer_en.id)]
        )
        self.assertRecordValues(
            response,
            [
                {
                    "kind": "reply",
                    "source": "email",
                    "communication_id": comm.id,
                    "company_id": self.company.id,
                    "res_model": "mail.message",
                    "res_id": reply.id,
                }
            ],
        )
        # the effectiveness report counts it, once
        self.env.flush_all()
        row = self.env["dunning.effectiveness.report"].search(
            [("communication_id", "=", comm.id)]
        )
        self.assertRecordValues(
            row, [{"reply_count": 1, "response_count": 1, "responded": True}]
        )

    def test_absence_notice_lands_but_does_not_count(self):
        comm = self._communication(self.customer_en, "friendly")
        as_job(self.env["dunning.channel.email"])._create_mails(comm)
        thread_id = self._reply(
            comm,
            body="I am out of the office until Monday.",
            headers="Auto-Submitted: auto-replied\r\n",
        )
        self.assertEqual(thread_id, comm.id)
        self.assertIn(self.collector.partner_id, comm.message_partner_ids)
        self.assertFalse(
            self.env["dunning.response"].search(
                [("partner_id", "=", self.customer_en.id)]
            )
        )

    def test_reply_to_another_message_is_not_a_reminder_response(self):
        comm = self._communication(self.customer_en, "friendly")
        as_job(self.env["dunning.channel.email"])._create_mails(comm)
        other = self.customer_en.message_post(
            body="Hello", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        raw = (
            "From: Smith AP <ap@smith.example>\r\n"
            "To: catchall@lumiere.example\r\n"
            "Subject: Re: Hello\r\n"
            f"Message-Id: {make_msgid(domain='smith.example')}\r\n"
            f"In-Reply-To: {other.message_id}\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "\r\n"
            "Thanks\r\n"
        )
        thread_id = self.env["mail.thread"].message_process(False, raw.encode())
        self.assertEqual(thread_id, self.customer_en.id)
        self.assertFalse(
            self.env["dunning.response"].search(
                [("partner_id", "=", self.customer_en.id)]
            )
        )

    # ------------------------------------------------------------------
    # Sending pace
    # ------------------------------------------------------------------
    def _queue_pass(self, when):
        with freeze_time(when, ignore=["asyncio", "aiosmtpd"]), real_delivery():
            self.env["mail.mail"].process_email_queue()
        return [rcpt for rcpts, _msg in self._received() for rcpt in rcpts]

    def test_pace_per_domain_over_queue_passes(self):
        self.env["ir.config_parameter"].set_param(PACE_PARAM, 2)
        with freeze_time("2026-03-20 09:00:00"):
            comms = [
                self._reminder_to(f"{name}@example.com")
                for name in ("a", "b", "c", "d", "e")
            ]
            other = self._reminder_to("x@other.test")
        ours = {c._dunning_contact().email for c in comms} | {"x@other.test"}

        def sent(received):
            return [r for r in received if r in ours]

        first = sent(self._queue_pass("2026-03-20 09:00:00"))
        self.assertEqual(first, ["a@example.com", "b@example.com", "x@other.test"])
        self.assertEqual(other.state, "sent")
        self.assertEqual(
            [c.mail_id.state for c in comms],
            ["sent", "sent", "outgoing", "outgoing", "outgoing"],
        )
        # nothing more for example.com within the hour
        self.assertEqual(sent(self._queue_pass("2026-03-20 09:40:00")), first)
        second = sent(self._queue_pass("2026-03-20 10:00:00"))
        self.assertEqual(second[3:], ["c@example.com", "d@example.com"])
        third = sent(self._queue_pass("2026-03-20 11:00:00"))
        self.assertEqual(third[5:], ["e@example.com"])
        self.assertEqual([c.state for c in comms], ["sent"] * 5)

    def test_no_pace_by_default(self):
        comms = [self._reminder_to(f"{n}@example.com") for n in ("a", "b", "c")]
        received = self._queue_pass("2026-03-20 09:00:00")
        self.assertEqual(
            [
                r
                for r in received
                if r in ("a@example.com", "b@example.com", "c@example.com")
            ],
            ["a@example.com", "b@example.com", "c@example.com"],
        )
        self.assertEqual([c.state for c in comms], ["sent"] * 3)

    # ------------------------------------------------------------------
    # Bounces
    # ------------------------------------------------------------------
    def _bounce(self, comm):
        self.env["mail.thread"].message_process(False, delivery_status(comm))

    def test_bounce_through_the_gateway_falls_back_to_letter(self):
        comm = self._communication(self.customer_en, "friendly")
        delivered = self._reminder_to("ok@fine.example")
        as_job(self.env["dunning.channel.email"])._create_mails(comm)
        with real_delivery():
            (comm | delivered).mail_id.send()
        self.assertEqual(comm.state, "sent")
        self._bounce(comm)
        self.assertRecordValues(
            comm,
            [
                {
                    "email_state": "failed",
                    "email_bounced": True,
                    "channel_letter": True,
                    "letter_state": "pending",
                    "state": "queued",
                }
            ],
        )
        self.assertIn("bounced", comm.error_message)
        self.assertEqual(self.customer_en.activity_ids.user_id, self.collector)
        # the collector prints the letter: the reminder is sent, by post
        comm.action_print_letters()
        self.assertRecordValues(comm, [{"letter_state": "done", "state": "sent"}])
        # the level's bounce rate: one of its two emails bounced
        self.env.flush_all()
        [group] = self.env["dunning.effectiveness.report"].read_group(
            [("communication_id", "in", (comm | delivered).ids)],
            ["emailed_count:sum", "bounced_count:sum", "bounce_rate"],
            ["level_id", "mail_template_id"],
            lazy=False,
        )
        self.assertEqual(group["level_id"][0], self.levels["friendly"].id)
        self.assertEqual(
            group["mail_template_id"][0],
            self.env.ref("account_dunning_advanced.mail_template_dunning_friendly").id,
        )
        self.assertEqual(group["emailed_count"], 2)
        self.assertEqual(group["bounced_count"], 1)
        self.assertAlmostEqual(group["bounce_rate"], 50.0)

    def test_refused_address_counts_as_bounce(self):
        comm = self._reminder_to("refused@gone.example")
        comm.partner_id.street = False  # nothing else to send it by
        with real_delivery():
            comm.mail_id.send()
        self.assertRecordValues(
            comm, [{"state": "failed", "email_state": "failed", "email_bounced": True}]
        )


@tagged("post_install", "-at_install")
class TestDunningOneClickUnsubscribe(HttpCase):
    """The List-Unsubscribe address of a reminder, as a mailbox provider calls
    it (RFC 8058): a POST without session nor CSRF token."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        cls.customer = cls.env["res.partner"].create(
            {"name": "Dupont SARL", "is_company": True, "email": "a@dupont.example"}
        )
        scenario = cls.env["dunning.scenario"].create(
            {
                "name": "Standard",
                "company_id": company.id,
                "level_ids": [(0, 0, {"name": "Friendly", "offset_days": 10})],
            }
        )
        cls.comm = (
            cls.env["dunning.communication"]
            .sudo()
            .create(
                {
                    "name": "REM/1",
                    "date": "2026-03-20",
                    "company_id": company.id,
                    "partner_id": cls.customer.id,
                    "level_id": scenario.level_ids.id,
                    "channel_email": True,
                    "state": "sent",
                    "sent_datetime": "2026-03-20 08:00:00",
                }
            )
        )

    def _unsubscribe_path(self, comm=None):
        url = self.env["dunning.channel.email"]._mail_headers(comm or self.comm)[
            "List-Unsubscribe"
        ]
        return "/" + url.strip("<>").split("/", 3)[3]

    def _one_click(self, path):
        return self.url_open(path, data={"List-Unsubscribe": "One-Click"})

    def _responses(self):
        return self.env["dunning.response"].search(
            [("partner_id", "=", self.customer.id)]
        )

    def test_one_click_switches_to_letters_without_csrf(self):
        path = self._unsubscribe_path()
        # a person following the link sees the page, nothing changes
        page = self.url_open(path)
        self.assertEqual(page.status_code, 200)
        self.assertIn("Dupont SARL", page.text)
        self.assertFalse(self.customer.dunning_preferred_channel)
        response = self._one_click(path)
        self.assertEqual(response.status_code, 200)
        self.assertRecordValues(
            self.customer,
            [
                {
                    "dunning_preferred_channel": "letter",
                    "dunning_channel_changed_origin": "customer",
                }
            ],
        )
        note = self.customer.message_ids.filtered(
            lambda m: "Reminder channel set to Letter" in str(m.body)
        )
        self.assertEqual(note.record_company_id, self.env.company)
        self.assertRecordValues(
            self._responses(),
            [
                {
                    "kind": "preference",
                    "source": "email",
                    "communication_id": self.comm.id,
                    "company_id": self.env.company.id,
                }
            ],
        )
        # the provider may post again: nothing more changes or counts
        self.assertEqual(self._one_click(path).status_code, 200)
        self.assertEqual(len(self._responses()), 1)

    def test_one_click_needs_a_valid_token(self):
        path = self._unsubscribe_path()
        token = path.split("/")[3]
        other = self.env["res.partner"].create({"name": "Other"})
        for bad in (token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), "garbage"):
            response = self._one_click(f"/dunning/channel/{bad}/unsubscribe")
            self.assertEqual(response.status_code, 403)
        # a token of another company than the customer's
        other_company = self.env["res.company"].create({"name": "Other Company"})
        self.customer.company_id = self.env.company
        foreign = self.comm.with_company(other_company).sudo()
        foreign.company_id = other_company
        response = self._one_click(self._unsubscribe_path(foreign))
        self.assertEqual(response.status_code, 403)
        # expired
        self.env.company.dunning_token_validity_days = 30
        foreign.company_id = self.env.company
        with freeze_time(datetime.now() - timedelta(days=31)):
            old = self._unsubscribe_path()
        self.assertEqual(self._one_click(old).status_code, 403)
        # a POST that is not the one-click unsubscription
        response = self.url_open(path, data={"channel": "letter"})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.customer.dunning_preferred_channel)
        self.assertFalse(other.dunning_preferred_channel)
        self.assertFalse(self._responses())
