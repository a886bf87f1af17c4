# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from freezegun import freeze_time

from odoo.tests import tagged

from .dunning_dispatch_common import TODAY, DunningDispatchCommon


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestDunningLetters(DunningDispatchCommon):
    def _letter_comm(self, partner, tone, **values):
        return self._communication(
            partner, tone, channel_email=False, channel_letter=True, **values
        )

    def test_letter_html_per_language(self):
        comm_fr = self._letter_comm(
            self.customer_fr,
            "formal",
            penalty_rate=12.15,
            penalty_interest=25.3,
            penalty_indemnity=80.0,
        )
        comm_en = self._letter_comm(self.customer_en, "friendly")
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "account_dunning_advanced.action_report_dunning_letter", comm_fr.ids
            )[0]
            .decode()
        )
        eur_inv, usd_inv = self.invoices[self.customer_fr]
        for expected in (
            "Dupont SARL",
            "5 avenue Foch",
            "75016",
            "Lyon, 20/03/2026",
            eur_inv.name,
            usd_inv.name,
            "09/02/2026",
            "1\xa0234,56\xa0€",
            "$\xa02\xa0500,00",
            "L.441-10",
            "12,15\xa0%",
            "FR76 3000 4000 0312 3456 7890 143",  # IBAN in groups of four
            "Colette Collector",
        ):
            self.assertIn(expected, html)
        html_en = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "account_dunning_advanced.action_report_dunning_letter", comm_en.ids
            )[0]
            .decode()
        )
        self.assertIn("Lyon, 03/20/2026", html_en)
        self.assertIn("1,234.56\xa0€", html_en)
        self.assertNotIn("L.441-10", html_en)

    def test_dispatch_stores_one_letter_per_reminder(self):
        comms = self._letter_comm(self.customer_fr, "formal") | self._letter_comm(
            self.customer_en, "friendly"
        )
        self.assertEqual(comms._dispatch_letter(), comms)
        self.assertEqual(comms.mapped("letter_state"), ["pending", "pending"])
        self.assertFalse(comms.letter_attachment_id, "the queue renders them")
        self.env["dunning.communication"]._cron_produce_documents()
        for comm in comms:
            letter = comm.letter_attachment_id
            self.assertRecordValues(
                letter, [{"res_model": "dunning.communication", "res_id": comm.id}]
            )
            self.assertIn(comm.partner_id.name, letter.raw.decode())
            self.assertNotIn(
                (comms - comm).partner_id.name,
                letter.raw.decode(),
                "each letter holds its own customer only",
            )
            # the customer is shared between companies: no copy of the letter there
            self.assertFalse(
                self.env["ir.attachment"].search(
                    [
                        ("res_model", "=", "res.partner"),
                        ("res_id", "=", comm.partner_id.id),
                    ]
                )
            )
            self.assertEqual(comm.state, "queued", "sent only once printed")
            self.assertEqual(comm.letter_state, "done")

    def test_print_letters_merges_and_marks_sent(self):
        comms = self._letter_comm(self.customer_fr, "formal") | self._letter_comm(
            self.customer_en, "final"
        )
        action = comms.action_print_letters()
        attachment_id = int(action["url"].split("/")[3].split("?")[0])
        merged = self.env["ir.attachment"].browse(attachment_id).raw.decode()
        # one document with both letters, each archived on its reminder
        self.assertIn("Dupont SARL", merged)
        self.assertIn("Smith Ltd", merged)
        self.assertTrue(all(comms.mapped("letter_attachment_id")))
        self.assertRecordValues(comms, [{"state": "sent"}, {"state": "sent"}])
        self.assertTrue(all(comms.mapped("sent_datetime")))

    def test_post_letters_through_snailmail(self):
        if "snailmail.letter" not in self.env:
            self.skipTest("snailmail is not installed")
        comm = self._letter_comm(self.customer_fr, "formal")
        letters = comm.action_post_letters()
        self.assertRecordValues(
            letters,
            [
                {
                    "state": "pending",
                    "model": "dunning.communication",
                    "res_id": comm.id,
                    "partner_id": self.customer_fr.id,
                    "attachment_id": comm.letter_attachment_id.id,
                    "city": "Paris",
                }
            ],
        )
        self.assertEqual(comm.state, "sent")
