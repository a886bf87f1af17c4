# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from freezegun import freeze_time

from odoo.tests import tagged

from .common import as_job
from .dunning_dispatch_common import TODAY, DunningDispatchCommon


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestDunningFallbacks(DunningDispatchCommon):
    def test_no_email_address_gives_letter(self):
        self.customer_en.email = False
        comm = self._communication(self.customer_en, "friendly")
        self.env["dunning.dispatch"]._apply_channel_fallbacks(comm)
        self.assertRecordValues(
            comm, [{"channel_email": False, "channel_letter": True}]
        )
        self.assertIn("no email address", comm.skipped_channels)

    def test_preferred_letter_gives_letter(self):
        self.customer_fr.dunning_preferred_channel = "letter"
        comm = self._communication(self.customer_fr, "friendly")
        self.env["dunning.dispatch"]._apply_channel_fallbacks(comm)
        self.assertRecordValues(
            comm, [{"channel_email": False, "channel_letter": True}]
        )
        self.assertIn("asked for letters", comm.skipped_channels)

    def test_invoice_contact_is_the_recipient(self):
        invoice_contact = self.env["res.partner"].create(
            {
                "name": "Accounts Payable",
                "type": "invoice",
                "parent_id": self.customer_en.id,
                "email": False,
            }
        )
        comm = self._communication(self.customer_en, "friendly")
        self.assertEqual(comm.contact_id, invoice_contact)
        self.env["dunning.dispatch"]._apply_channel_fallbacks(comm)
        # no email on the invoice contact: a letter to the customer's address
        self.assertTrue(comm.channel_letter)
        self.assertFalse(comm.channel_email)
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "account_dunning_advanced.action_report_dunning_letter", comm.ids
            )[0]
            .decode()
        )
        self.assertIn("SW1A 1AA", html)
        self.assertIn("Attn: Accounts Payable", html)

    def test_no_mobile_drops_sms(self):
        self.customer_en.mobile = False
        comm = self._communication(self.customer_en, "friendly", channel_sms=True)
        self.env["dunning.dispatch"]._apply_channel_fallbacks(comm)
        self.assertRecordValues(comm, [{"channel_sms": False, "channel_email": True}])
        self.assertIn("SMS", comm.skipped_channels)
        self.assertIn("no mobile number", comm.skipped_channels)

    def test_no_postal_address_asks_collector(self):
        self.customer_en.write({"email": False, "street": False})
        comm = self._communication(self.customer_en, "friendly")
        self.env["dunning.dispatch"]._apply_channel_fallbacks(comm)
        self.assertRecordValues(
            comm, [{"channel_email": False, "channel_letter": False, "state": "failed"}]
        )
        self.assertIn("postal address", comm.skipped_channels)
        activity = self.customer_en.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.collector)
        self.assertIn("postal address", activity.summary)
        self.assertFalse(as_job(self.env["dunning.channel.letter"])._send(comm))

    def test_bounced_email_fails_with_activity(self):
        comm = self._communication(self.customer_en, "friendly")
        mail = as_job(self.env["dunning.channel.email"])._create_mails(comm)
        # what the mail queue does when the SMTP server refuses the recipient
        mail.write({"state": "exception", "failure_reason": "550 5.1.1 user unknown"})
        mail._postprocess_sent_message(
            success_pids=[],
            failure_reason="550 5.1.1 user unknown",
            failure_type="mail_smtp",
        )
        # the customer has a postal address: the reminder goes by letter instead
        self.assertRecordValues(
            comm,
            [
                {
                    "state": "queued",
                    "email_state": "failed",
                    "channel_letter": True,
                    "letter_state": "pending",
                }
            ],
        )
        self.assertIn("550 5.1.1 user unknown", comm.error_message)
        activity = self.customer_en.activity_ids
        self.assertEqual(activity.user_id, self.collector)
        self.assertIn(comm.name, activity.summary)

    def test_bounce_after_sending_fails_reminder(self):
        # no postal address: nothing left to send it by
        self.customer_en.street = False
        comm = self._communication(self.customer_en, "friendly")
        mail = as_job(self.env["dunning.channel.email"])._create_mails(comm)
        mail.send()
        self.assertEqual(comm.state, "sent")
        self.env["mail.thread"]._routing_handle_bounce(
            False,
            {
                "bounced_email": "ap@smith.example",
                "bounced_partner": self.customer_en,
                "bounced_msg_ids": [comm.mail_message_id.message_id],
                "bounced_message": comm.mail_message_id,
                "email_from": "MAILER-DAEMON@smith.example",
                "to": "bounce@lumiere.example",
                "message_id": "<bounce-1@smith.example>",
            },
        )
        self.assertEqual(comm.state, "failed")
        self.assertIn("bounced", comm.error_message)
        self.assertEqual(self.customer_en.activity_ids.user_id, self.collector)
