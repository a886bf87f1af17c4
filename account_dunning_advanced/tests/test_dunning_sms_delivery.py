# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import HttpCase, tagged

from odoo.addons.sms.tests.common import MockSMS

from .common import as_job
from .dunning_dispatch_common import DunningDispatchCommon


@tagged("post_install", "-at_install")
class TestDunningSmsDelivery(HttpCase, DunningDispatchCommon, MockSMS):
    """The reminder's SMS state as Odoo's SMS queue and the provider's delivery
    reports (``/sms/status``) move it: the provider is mocked at Odoo's IAP
    boundary, as in Odoo's own SMS tests."""

    def _sms_reminder(self):
        comm = self._communication(
            self.customer_fr,
            "friendly",
            moves=self.invoices[self.customer_fr][:1],
            channel_email=False,
            channel_sms=True,
        )
        sms = as_job(self.env["dunning.channel.sms"])._send(comm)
        self.assertRecordValues(comm, [{"sms_state": "pending", "sms_id": sms.id}])
        return comm, sms

    def _send_queue(self, **gateway):
        """Odoo's scheduled action sending the SMS queue."""
        with self.mockSMSGateway(**gateway):
            self.env["sms.sms"].sudo()._process_queue()

    def _delivery_report(self, sms, status):
        """The provider's report, as IAP posts it to this server."""
        self.env.flush_all()
        self.make_jsonrpc_request(
            "/sms/status",
            {"message_statuses": [{"sms_status": status, "uuids": [sms.uuid]}]},
        )
        self.env.invalidate_all()

    def test_accepted_is_sent_then_delivered(self):
        comm, sms = self._sms_reminder()
        self._send_queue()
        # what the provider received
        self.assertEqual([sent["number"] for sent in self._sms], [sms.number])
        # accepted by the provider: Odoo shows it "Sent", the reminder's SMS
        # is done, not yet delivered
        self.assertEqual(sms.state, "pending")
        self.assertRecordValues(
            comm, [{"sms_state": "done", "sms_delivered_datetime": False}]
        )
        self.assertFalse(comm.error_message)
        # the provider reports it delivered
        self._delivery_report(sms, "delivered")
        self.assertEqual(comm.sms_state, "done")
        self.assertTrue(comm.sms_delivered_datetime)
        self.assertFalse(comm.error_message)

    def test_refused_by_the_provider_fails(self):
        comm, sms = self._sms_reminder()
        self._send_queue(sim_error="wrong_number_format")
        self.assertEqual(sms.state, "error")
        self.assertRecordValues(
            comm, [{"sms_state": "failed", "sms_delivered_datetime": False}]
        )
        self.assertIn("SMS not sent: sms_number_format", comm.error_message)

    def test_not_delivered_after_acceptance_fails(self):
        comm, sms = self._sms_reminder()
        self._send_queue()
        self.assertEqual(comm.sms_state, "done")
        self._delivery_report(sms, "not_delivered")
        self.assertRecordValues(
            comm, [{"sms_state": "failed", "sms_delivered_datetime": False}]
        )
        self.assertIn("SMS not sent: sms_not_delivered", comm.error_message)
        # the same report again records nothing more
        self._delivery_report(sms, "not_delivered")
        self.assertEqual(comm.error_message.count("sms_not_delivered"), 1)
