# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import contextlib
import socket
import unittest

import odoo
from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import as_job
from .dunning_dispatch_common import DunningDispatchCommon


class RefusingHandler:
    """An SMTP server that accepts mail, refuses some recipients for good (5xx)
    and others for now (4xx), and keeps what it accepted."""

    def __init__(self):
        self.received = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refused"):
            return "550 5.1.1 User unknown"
        if address.startswith("later"):
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append((envelope.rcpt_tos, envelope.content))
        return "250 Message accepted for delivery"


def smtp_server(handler, port):
    """A real SMTP server (``aiosmtpd``, a test requirement) for ``handler``
    on ``port``, started; the test is skipped where aiosmtpd is missing.
    Imported here, not at the top: Odoo's test loader imports the tests of
    every installed module, for any module's tests."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        raise unittest.SkipTest(
            "aiosmtpd is not installed: no SMTP server to deliver reminders to "
            "(pip install aiosmtpd, a test requirement)"
        ) from None
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def real_delivery():
    """Odoo does not connect to any SMTP server while a test runs: let it,
    for the emails sent inside this block. Odoo logs the refused ones as
    errors, as it does in production."""
    current = odoo.modules.module.current_test
    odoo.modules.module.current_test = None
    try:
        with mute_logger("odoo.addons.mail.models.mail_mail"):
            yield
    finally:
        odoo.modules.module.current_test = current


@tagged("post_install", "-at_install")
class TestDunningSmtpDelivery(DunningDispatchCommon):
    """Reminder emails through a real SMTP server, as the mail queue sends them."""

    def setUp(self):
        super().setUp()
        self.handler = RefusingHandler()
        self.port = free_port()
        self.addCleanup(smtp_server(self.handler, self.port).stop)
        self.env["ir.mail_server"].search([]).active = False
        self.server = self.env["ir.mail_server"].create(
            {
                "name": "Test SMTP",
                "smtp_host": "127.0.0.1",
                "smtp_port": self.port,
                "smtp_encryption": "none",
            }
        )

    def _reminder_to(self, email):
        customer = self.customer_en.copy({"email": email, "name": email})
        customer.with_company(self.company).dunning_collector_id = self.collector
        invoice = self._dunning_invoice(
            customer, "2026-01-01", "2026-02-01", 100.0, self.company.currency_id
        )
        comm = self._communication(customer, "friendly", moves=invoice)
        as_job(self.env["dunning.channel.email"])._create_mails(comm)
        return comm

    def test_refused_failed_busy_retried_accepted_sent(self):
        accepted = self._reminder_to("ap@accepted.example")
        refused = self._reminder_to("refused@gone.example")
        busy = self._reminder_to("later@busy.example")
        mails = (accepted | refused | busy).mail_id
        with real_delivery():
            mails.send()
        delivered = {to for rcpts, _content in self.handler.received for to in rcpts}
        self.assertIn("ap@accepted.example", delivered)
        self.assertFalse({"refused@gone.example", "later@busy.example"} & delivered)
        self.assertEqual(accepted.state, "sent")
        # refused for good: by letter instead, the customer has an address
        self.assertRecordValues(
            refused,
            [{"email_state": "failed", "channel_letter": True, "state": "queued"}],
        )
        self.assertIn("550", refused.error_message)
        todo = refused.partner_id.activity_ids
        self.assertEqual(len(todo), 1)
        self.assertEqual(todo.user_id, self.collector)
        # a temporary refusal: the email waits in Odoo's queue for its next pass
        self.assertEqual(busy.state, "queued")
        self.assertRecordValues(
            busy.mail_id, [{"state": "outgoing", "dunning_retry_count": 1}]
        )
        self.assertGreater(busy.mail_id.scheduled_date, fields.Datetime.now())
        self.assertFalse(busy.partner_id.activity_ids)

    def test_unreachable_server_keeps_reminders_for_later(self):
        comms = self._reminder_to("ap@one.example") | self._reminder_to(
            "ap@two.example"
        )
        self.server.smtp_port = free_port()  # nothing listens there
        with real_delivery():
            comms.mail_id.send()
        self.assertEqual(comms.mapped("state"), ["queued", "queued"])
        self.assertEqual(comms.mail_id.mapped("state"), ["outgoing", "outgoing"])
        # once the server answers again, the queue sends them
        self.server.smtp_port = self.port
        comms.mail_id.scheduled_date = fields.Datetime.now()
        with real_delivery():
            comms.mail_id.send()
        self.assertEqual(comms.mapped("state"), ["sent", "sent"])
        self.assertEqual(len(self.handler.received), 2)

    def test_retries_are_bounded(self):
        busy = self._reminder_to("later@busy.example")
        busy.partner_id.street = False  # no letter to fall back on
        self.env["ir.config_parameter"].set_param(
            "account_dunning_advanced.mail_retry_max", 2
        )
        for _attempt in range(3):
            with real_delivery():
                busy.mail_id.send()
        self.assertEqual(busy.state, "failed")
        self.assertIn("451", busy.error_message)

    def test_two_failures_of_one_customer_one_activity(self):
        first = self._reminder_to("refused@gone.example")
        first.partner_id.street = False
        second = self._communication(
            first.partner_id, "formal", moves=first.line_ids.move_id
        )
        as_job(self.env["dunning.channel.email"])._create_mails(second)
        with real_delivery():
            (first | second).mail_id.send()
        self.assertEqual((first | second).mapped("state"), ["failed", "failed"])
        self.assertEqual(len(first.partner_id.activity_ids), 1)
