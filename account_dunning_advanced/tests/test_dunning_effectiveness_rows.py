# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The effectiveness report's stored rows show what its query computes live,
in the transaction that changed what a reminder's figures read: payments,
their undoing, new invoices reminded, the email's fate, replies, promises,
disputes, e-invoicing statuses."""

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged

from .reporting_common import DunningReportingCommon

FIGURES = [
    "reminder_count",
    "amount_reminded",
    "amount_paid_30",
    "paid_30_count",
    "response_count",
    "reply_count",
    "emailed_count",
    "bounced_count",
]


@tagged("post_install", "-at_install")
@freeze_time("2026-06-30 09:00:00")
class TestDunningEffectivenessRows(DunningReportingCommon):
    """A customer (and its contact Ann) reminded by email on 06-20 of an
    invoice of 1,000 due 06-10; another customer reminded alike, whose
    figures never move."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._customer("Reminded Ltd", email="ap@reminded.example")
        cls.contact = cls.env["res.partner"].create(
            {
                "name": "Ann",
                "parent_id": cls.customer.id,
                "email": "ann@reminded.example",
            }
        )
        cls.invoice = cls._invoice(cls.customer, 1000, "2026-05-01", "2026-06-10")
        cls.reminder = cls._remind(cls.invoice, "2026-06-20", channel_email=True)
        cls.bystander = cls._customer("Bystander Ltd")
        cls._remind(
            cls._invoice(cls.bystander, 300, "2026-05-01", "2026-06-10"),
            "2026-06-20",
        )

    def setUp(self):
        super().setUp()
        # the rows of the set-up stored: what a test changes must mark them
        self.assertEqual(self.env["dunning.effectiveness.report"]._store_diff(), [])

    def _figures(self, customer=None):
        """The customer's figures as the pivot reads them (read_group)."""
        Report = self.env["dunning.effectiveness.report"]
        groups = Report.read_group(
            [("partner_id", "=", (customer or self.customer).id)],
            FIGURES,
            ["partner_id"],
        )
        self.assertEqual(Report._store_diff(), [])
        return {name: groups[0][name] for name in FIGURES} if groups else {}

    def assertFigures(self, **expected):
        figures = self._figures()
        self.assertEqual({name: figures[name] for name in expected}, expected)

    def _payment_line(self):
        return self.invoice.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        ).matched_credit_ids.credit_move_id

    def test_payment_then_unreconciled(self):
        self.assertFigures(reminder_count=1, amount_reminded=1000.0, amount_paid_30=0)
        self._pay(self.invoice, 400.0, "2026-06-25")
        self.assertFigures(amount_paid_30=400.0, paid_30_count=1, response_count=1)
        self._payment_line().remove_move_reconcile()
        self.assertFigures(amount_paid_30=0, paid_30_count=0, response_count=0)
        self.assertEqual(self._figures(self.bystander)["reminder_count"], 1)

    def test_payment_reset_to_draft(self):
        self._pay(self.invoice, 1000.0, "2026-06-28")
        self.assertFigures(amount_paid_30=1000.0)
        self._payment_line().move_id.button_draft()
        self.assertFigures(amount_paid_30=0, paid_30_count=0)

    def test_new_invoice_reminded_after_queueing(self):
        invoice = self._invoice(self.customer, 500, "2026-06-01", "2026-06-15")
        reminder = self._remind(invoice, "2026-06-25", state="queued")
        self.assertFigures(reminder_count=1, amount_reminded=1000.0)
        # the dispatch sends it
        reminder.write({"state": "sent", "sent_datetime": fields.Datetime.now()})
        self.assertFigures(reminder_count=2, amount_reminded=1500.0)
        # a payment of the new invoice is the new reminder's
        self._pay(invoice, 500.0, "2026-06-29")
        self.assertFigures(amount_paid_30=500.0, paid_30_count=1)

    def test_email_delivered_then_bounced(self):
        self.reminder.write({"email_state": "done"})
        self.assertFigures(emailed_count=1, bounced_count=0)
        self.env["dunning.channel.email"]._feedback_failed(
            self.reminder, "550 5.1.1 no such user", bounced=True
        )
        self.assertFigures(emailed_count=1, bounced_count=1)

    def _reply(self):
        return self.env["mail.message"].create(
            {
                "model": "res.partner",
                "res_id": self.customer.id,
                "author_id": self.contact.id,
                "message_type": "email",
                "body": "We pay on Friday",
                "date": "2026-06-22 08:00:00",
            }
        )

    def test_reply_by_email_then_its_author_leaves(self):
        self._reply()
        self.assertFigures(reply_count=1, response_count=1)
        # Ann now works elsewhere: her emails are no longer this customer's
        self.contact.parent_id = self.bystander
        self.assertFigures(reply_count=0, response_count=0)

    def test_reply_recorded_by_the_mail_gateway_counts_once(self):
        reply = self._reply()
        self.env["dunning.response"]._dunning_register(
            [
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "kind": "reply",
                    "source": "email",
                    "date": "2026-06-22 08:00:00",
                    "res_model": "mail.message",
                    "res_id": reply.id,
                }
            ]
        )
        self.assertFigures(reply_count=1, response_count=1)
        reply.unlink()
        self.assertFigures(reply_count=1, response_count=1)

    def test_promise_and_dispute(self):
        self.env["dunning.promise"].create(
            {
                "partner_id": self.customer.id,
                "company_id": self.company.id,
                "date": "2026-07-10",
                "amount": 400.0,
            }
        )
        self.assertFigures(response_count=1, reply_count=0)
        self.env["dunning.dispute"].create(
            {
                "move_id": self.invoice.id,
                "reason_id": self.env.ref(
                    "account_dunning_advanced.dispute_reason_price"
                ).id,
            }
        )
        self.assertFigures(response_count=2)

    def test_einvoicing_status(self):
        Report = self.env["dunning.effectiveness.report"]
        self.env["dunning.einvoice.status"].create(
            {"move_id": self.invoice.id, "status": "received", "date": "2026-06-18"}
        )
        groups = Report.read_group(
            [("partner_id", "=", self.customer.id)],
            ["reminder_count"],
            ["einvoice_status"],
        )
        self.assertEqual(Report._store_diff(), [])
        self.assertEqual(
            [(g["einvoice_status"], g["reminder_count"]) for g in groups],
            [("received", 1)],
        )

    def test_configuration_read_when_shown(self):
        """A level's template changed marks no customer: read when shown."""
        template = self.env.ref(
            "account_dunning_advanced.mail_template_dunning_friendly"
        ).copy({"name": "Friendly, shorter"})
        self.level_1.mail_template_id = template
        Report = self.env["dunning.effectiveness.report"]
        row = Report.search([("communication_id", "=", self.reminder.id)])
        self.assertEqual(row.mail_template_id, template)
        self.assertEqual(Report._store_diff(), [])

    def test_reminder_moved_to_another_company(self):
        other_company = self.env["res.company"].create({"name": "Other Company"})
        Report = self.env["dunning.effectiveness.report"].sudo()
        self.reminder.sudo().company_id = other_company
        self.assertEqual(Report._store_diff(), [])
        self.reminder.sudo().company_id = self.company
        self.assertEqual(Report._store_diff(), [])
        self.assertEqual(
            Report.search([("communication_id", "=", self.reminder.id)]).company_id,
            self.company,
        )
