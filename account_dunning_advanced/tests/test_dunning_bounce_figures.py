# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import tagged

from .common import as_job
from .dunning_dispatch_common import DunningDispatchCommon
from .test_dunning_deliverability import delivery_status, use_test_smtp
from .test_dunning_smtp_delivery import real_delivery


@tagged("post_install", "-at_install")
class TestDunningBounceFigures(DunningDispatchCommon):
    """Bounced reminder emails in the effectiveness report, whatever the
    reminder became after the bounce report: sent by letter instead, still
    waiting for its letter, or failed for want of an address."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.alias_domain_id = cls.env["mail.alias.domain"].create(
            {"name": "lumiere.example"}
        )
        cls.level = cls.levels["friendly"]
        cls.template = cls.env.ref(
            "account_dunning_advanced.mail_template_dunning_friendly"
        ).copy({"name": "Friendly, variant B"})
        cls.variant = cls.env["dunning.level.variant"].create(
            {
                "level_id": cls.level.id,
                "name": "B",
                "mail_template_id": cls.template.id,
            }
        )

    def setUp(self):
        super().setUp()
        self.handler = use_test_smtp(self)

    def _reminder_to(self, email_address, amount, postal=True):
        """A reminder of variant B emailed through the mail queue to a real
        SMTP server, which accepts it."""
        customer = self.customer_en.copy(
            {"email": email_address, "name": email_address}
        )
        if not postal:
            customer.street = False
        customer.with_company(self.company).dunning_collector_id = self.collector
        invoice = self._dunning_invoice(
            customer, "2026-01-01", "2026-02-01", amount, self.company.currency_id
        )
        comm = self._communication(
            customer, "friendly", moves=invoice, variant_id=self.variant.id
        )
        as_job(self.env["dunning.channel.email"])._send(comm)
        return comm

    def _figures(self, comms, groupby):
        """{group key: {measure: value}} of the reminders' rows grouped by
        ``groupby``, as the report's pivot reads them."""
        measures = [
            "reminder_count",
            "emailed_count",
            "bounced_count",
            "bounce_rate",
            "amount_reminded",
            "response_rate",
            "paid_30_rate",
        ]
        self.env.flush_all()
        groups = self.env["dunning.effectiveness.report"].read_group(
            [("communication_id", "in", comms.ids)], measures, [groupby], lazy=False
        )
        figures = {}
        for group in groups:
            key = group[groupby]
            key = key[0] if isinstance(key, tuple) else key
            figures[key] = {measure: group[measure] for measure in measures}
        return figures

    def test_bounces_count_whatever_the_reminder_became(self):
        by_letter = self._reminder_to("ap@gone.example", 100.0)
        failed = self._reminder_to("billing@gone.example", 200.0, postal=False)
        delivered = self._reminder_to("ap@fine.example", 400.0)
        comms = by_letter | failed | delivered
        with real_delivery():
            comms.mail_id.send()
        self.assertEqual(
            {to for rcpts, _content in self.handler.received for to in rcpts},
            {"ap@gone.example", "billing@gone.example", "ap@fine.example"},
        )
        self.assertEqual(comms.mapped("state"), ["sent"] * 3)
        # the customers' servers send their delivery status reports back
        for comm in by_letter | failed:
            self.env["mail.thread"].message_process(False, delivery_status(comm))
        self.assertRecordValues(
            comms,
            [
                {"state": "queued", "email_bounced": True, "letter_state": "pending"},
                {"state": "failed", "email_bounced": True, "letter_state": False},
                {"state": "sent", "email_bounced": False, "letter_state": False},
            ],
        )
        # one email in three bounced, per level, template, variant, channel;
        # the other figures are those of the one reminder sent
        expected = {
            "reminder_count": 1,
            "emailed_count": 3,
            "bounced_count": 2,
            "bounce_rate": 200.0 / 3,
            "amount_reminded": 400.0,
            "response_rate": 0.0,
            "paid_30_rate": 0.0,
        }
        for groupby, key in (
            ("level_id", self.level.id),
            ("mail_template_id", self.template.id),
            ("variant_id", self.variant.id),
            ("channel_email", True),
        ):
            figures = self._figures(comms, groupby)
            self.assertEqual(list(figures), [key], groupby)
            for measure, value in expected.items():
                self.assertAlmostEqual(
                    figures[key][measure], value, msg=f"{groupby}: {measure}"
                )
        # the bounces are those of the recipients' domain
        by_domain = self._figures(comms, "email_domain")
        self.assertEqual(
            {
                domain: (f["emailed_count"], f["bounced_count"], f["bounce_rate"])
                for domain, f in by_domain.items()
            },
            {"gone.example": (2, 2, 100.0), "fine.example": (1, 0, 0.0)},
        )
        # the main channel of the reminder now going by post is the letter
        by_channel = self._figures(comms, "channel")
        self.assertEqual(
            {
                channel: (f["reminder_count"], f["emailed_count"], f["bounced_count"])
                for channel, f in by_channel.items()
            },
            {"letter": (0, 1, 1), "email": (1, 2, 1)},
        )
        # the variant comparison counts the reminders sent, as before
        [variant_group] = self.env["dunning.effectiveness.report"].read_group(
            [
                ("variant_id", "!=", False),
                ("reminder_count", "=", 1),
                ("communication_id", "in", comms.ids),
            ],
            ["reminder_count:sum", "response_rate", "paid_30_rate_high"],
            ["level_id", "variant_id"],
            lazy=False,
        )
        self.assertEqual(variant_group["reminder_count"], 1)

        # the collector prints the letter: the reminder is sent, by post, and
        # its bounce is still counted once
        by_letter.action_print_letters()
        self.assertEqual(by_letter.state, "sent")
        figures = self._figures(comms, "variant_id")[self.variant.id]
        self.assertEqual(
            (
                figures["reminder_count"],
                figures["emailed_count"],
                figures["bounced_count"],
                figures["amount_reminded"],
            ),
            (2, 3, 2, 500.0),
        )
        self.assertEqual(
            self.env["dunning.effectiveness.report"].search_count(
                [("communication_id", "=", by_letter.id)]
            ),
            1,
        )
