# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import html

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import as_job
from .dunning_dispatch_common import TODAY, DunningDispatchCommon


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestDunningSmsCall(DunningDispatchCommon):
    def test_sms_queued_with_amount_due_date_and_link(self):
        invoice = self.invoices[self.customer_fr][:1]
        comm = self._communication(
            self.customer_fr,
            "friendly",
            moves=invoice,
            channel_email=False,
            channel_sms=True,
        )
        sms = as_job(self.env["dunning.channel.sms"])._send(comm)
        self.assertEqual(comm.sms_id, sms)
        self.assertEqual(sms.state, "outgoing")
        self.assertEqual(sms.partner_id, self.customer_fr)
        self.assertEqual(sms.number.replace(" ", ""), "+33612345678")
        for expected in (
            "Lumière SAS",
            invoice.name,
            "1\xa0234,56\xa0€",
            "09/02/2026",
            invoice.get_portal_url(),
        ):
            self.assertIn(expected, sms.body)
        self.assertLessEqual(len(sms.body), 320)
        self.assertEqual(comm.state, "sent", "an SMS-only reminder is sent when queued")
        self.assertIn(comm.mail_message_id, self.customer_fr.message_ids)

    def test_sms_several_invoices(self):
        comm = self._communication(
            self.customer_en, "friendly", channel_email=False, channel_sms=True
        )
        as_job(self.env["dunning.channel.sms"])._send(comm)
        body = comm.sms_id.body
        self.assertIn("2 invoices", body)
        self.assertIn("1,234.56\xa0€ + $\xa02,500.00", body)
        self.assertIn("02/09/2026", body)
        self.assertIn("/my/invoices", body)

    def test_level_sms_text_in_the_customer_language(self):
        level = self.levels["friendly"]
        level.sms_body = "{company}: {amount} overdue ({invoices}). Pay: {url}"
        level.with_context(
            lang="fr_FR"
        ).sms_body = "{company} : {amount} impayés ({invoices}). Payer : {url}"
        invoice = self.invoices[self.customer_fr][:1]
        comm_fr = self._communication(
            self.customer_fr,
            "friendly",
            moves=invoice,
            channel_email=False,
            channel_sms=True,
        )
        comm_en = self._communication(
            self.customer_en, "friendly", channel_email=False, channel_sms=True
        )
        as_job(self.env["dunning.channel.sms"])._send(comm_fr | comm_en)
        self.assertEqual(
            comm_fr.sms_id.body,
            f"Lumière SAS : 1\xa0234,56\xa0€ impayés ({invoice.name}). "
            f"Payer : {invoice.get_base_url()}{invoice.get_portal_url()}",
        )
        eur_inv, usd_inv = self.invoices[self.customer_en]
        self.assertEqual(
            comm_en.sms_id.body,
            f"Lumière SAS: 1,234.56\xa0€ + $\xa02,500.00 overdue "
            f"({eur_inv.name}, {usd_inv.name}). "
            f"Pay: {self.company.get_base_url()}/my/invoices",
        )

    def test_level_sms_text_placeholders_checked(self):
        with self.assertRaisesRegex(ValidationError, "placeholder"):
            self.levels["friendly"].sms_body = "{company}: pay {total} now"
        with self.assertRaisesRegex(ValidationError, "placeholder"):
            self.levels["friendly"].sms_body = "{company: pay now"

    def test_call_activity(self):
        previous = self._communication(
            self.customer_en, "courtesy", state="sent", channel_email=True
        )
        comm = self._communication(
            self.customer_en, "formal", channel_email=False, channel_call=True
        )
        activity = as_job(self.env["dunning.channel.call"])._send(comm)
        self.assertRecordValues(
            activity,
            [
                {
                    "activity_type_id": self.env.ref(
                        "account_dunning_advanced.mail_activity_type_dunning_call"
                    ).id,
                    "res_model": "res.partner",
                    "res_id": self.customer_en.id,
                    "user_id": self.collector.id,
                    "date_deadline": TODAY,
                }
            ],
        )
        self.assertEqual(comm.activity_id, activity)
        note = html.unescape(str(activity.note))
        for expected in (
            self.invoices[self.customer_en][0].name,
            "1,234.56\xa0€",
            "$\xa02,500.00",
            "39 days late",
            "+44 7700 900123",
            previous.level_id.name,
            "03/20/2026",
        ):
            self.assertIn(expected, note)
        self.assertEqual(comm.state, "sent")

    def test_call_falls_back_to_level_responsible(self):
        self.customer_en.with_company(self.company).dunning_collector_id = False
        self.levels["formal"].activity_user_id = self.manager
        comm = self._communication(
            self.customer_en,
            "formal",
            channel_email=False,
            channel_call=True,
            collector_id=False,
        )
        self.assertEqual(
            as_job(self.env["dunning.channel.call"])._send(comm).user_id, self.manager
        )
