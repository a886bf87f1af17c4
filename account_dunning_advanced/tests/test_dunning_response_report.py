# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import datetime

from freezegun import freeze_time

from odoo.tests import tagged

from .reporting_common import DunningReportingCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-06-30 09:00:00")
class TestDunningResponseReport(DunningReportingCommon):
    """Five customers reminded on 06-20 at the first level, two with variant
    A, three with variant B; their responses registered as the collectors,
    the portal, the mail gateway and the accounting leave them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        template = cls.env.ref(
            "account_dunning_advanced.mail_template_dunning_friendly"
        )
        cls.variant_a, cls.variant_b = cls.env["dunning.level.variant"].create(
            [
                {"level_id": cls.level_1.id, "name": name, "mail_template_id": tpl.id}
                for name, tpl in (
                    ("A", template),
                    ("B", template.copy({"name": "Friendly B"})),
                )
            ]
        )
        cls.customers = [cls._customer(f"Customer {i}") for i in range(1, 6)]
        cls.invoices = [
            cls._invoice(customer, 1000, "2026-05-01", "2026-06-10")
            for customer in cls.customers
        ]
        cls.reminders = [
            cls._remind(
                invoice,
                "2026-06-20",
                variant_id=(cls.variant_a if i < 2 else cls.variant_b).id,
                channel_email=True,
            )
            for i, invoice in enumerate(cls.invoices)
        ]

    def _row(self, reminder):
        return self.env["dunning.effectiveness.report"].search(
            [("communication_id", "=", reminder.id)]
        )

    def _email(self, record, author, date):
        return self.env["mail.message"].create(
            {
                "model": record._name,
                "res_id": record.id,
                "author_id": author.id,
                "message_type": "email",
                "body": "We are on it",
                "date": date,
            }
        )

    def _register(self, customer, kind, source, **vals):
        return self.env["dunning.response"]._dunning_register(
            [
                {
                    "partner_id": customer.id,
                    "company_id": self.company.id,
                    "kind": kind,
                    "source": source,
                    **vals,
                }
            ]
        )

    def _respond(self):
        c1, c2, c3, c4, c5 = self.customers
        # 1 (A): a promise logged by the collector, then a payment of 600
        self.env["dunning.promise"].create(
            {
                "partner_id": c1.id,
                "company_id": self.company.id,
                "date": "2026-07-10",
                "amount": 400.0,
            }
        )
        self._pay(self.invoices[0], 600.0, "2026-06-25")
        # 2 (A): a dispute of the invoice
        self.env["dunning.dispute"].create(
            {
                "move_id": self.invoices[1].id,
                "reason_id": self.env.ref(
                    "account_dunning_advanced.dispute_reason_price"
                ).id,
            }
        )
        # 3 (B): viewed its statement on the portal
        self._register(c3, "portal_visit", "portal", date=datetime(2026, 6, 22, 8))
        # 4 (B): replied by email, registered by the mail gateway: once
        reply = self._email(self.reminders[3], c4, "2026-06-21 10:00:00")
        self._register(
            c4,
            "reply",
            "email",
            date=datetime(2026, 6, 21, 10),
            res_model="mail.message",
            res_id=reply.id,
        )
        # 5 (B): nothing here; what it did in another company is not counted
        other_company = self.setup_other_company()["company"]
        other = self._register(c5, "promise", "portal", company_id=other_company.id)
        misfiled = self._register(
            c5,
            "reply",
            "email",
            company_id=other_company.id,
            communication_id=self.reminders[4].id,
        )
        return other, misfiled

    def test_responses_of_every_source_counted(self):
        other, misfiled = self._respond()
        c1, c2 = self.customers[:2]
        self.assertFalse(other.communication_id, "no reminder in that company")
        responses = self.env["dunning.response"].search(
            [("partner_id", "in", [c1.id, c2.id])], order="kind"
        )
        self.assertRecordValues(
            responses,
            [
                {
                    "kind": "dispute",
                    "source": "collector",
                    "res_model": "dunning.dispute",
                    "communication_id": self.reminders[1].id,
                },
                {
                    "kind": "promise",
                    "source": "collector",
                    "res_model": "dunning.promise",
                    "communication_id": self.reminders[0].id,
                },
            ],
        )
        rows = self.env["dunning.effectiveness.report"].search(
            [("communication_id", "in", [r.id for r in self.reminders])],
            order="partner_id",
        )
        self.assertRecordValues(
            rows.sorted(lambda r: r.partner_id.name),
            [
                # promise (06-30 09:00) and payment (06-25): first after 5 days
                {
                    "variant_id": self.variant_a.id,
                    "mail_template_id": self.variant_a.mail_template_id.id,
                    "response_count": 2,
                    "responded": True,
                    "response_delay": 5.0,
                    "reply_count": 0,
                    "paid_30_count": 1,
                },
                {
                    "variant_id": self.variant_a.id,
                    "mail_template_id": self.variant_a.mail_template_id.id,
                    "response_count": 1,
                    "responded": True,
                    "response_delay": 10.375,
                    "reply_count": 0,
                    "paid_30_count": 0,
                },
                {
                    "variant_id": self.variant_b.id,
                    "mail_template_id": self.variant_b.mail_template_id.id,
                    "response_count": 1,
                    "responded": True,
                    "response_delay": 2 + 8 / 24,
                    "reply_count": 0,
                    "paid_30_count": 0,
                },
                {
                    "variant_id": self.variant_b.id,
                    "mail_template_id": self.variant_b.mail_template_id.id,
                    "response_count": 1,
                    "responded": True,
                    "response_delay": 1 + 10 / 24,
                    "reply_count": 1,
                    "paid_30_count": 0,
                },
                {
                    "variant_id": self.variant_b.id,
                    "mail_template_id": self.variant_b.mail_template_id.id,
                    "response_count": 0,
                    "responded": False,
                    "response_delay": 0.0,
                    "reply_count": 0,
                    "paid_30_count": 0,
                },
            ],
        )
        self.assertEqual(misfiled.communication_id, self.reminders[4])

    def test_variant_comparison_with_wilson_interval(self):
        self._respond()
        groups = self.env["dunning.effectiveness.report"].read_group(
            [("level_id", "=", self.level_1.id)],
            [
                "reminder_count",
                "response_count",
                "response_rate",
                "response_rate_low",
                "response_rate_high",
                "paid_30_rate",
                "paid_30_rate_low",
                "paid_30_rate_high",
            ],
            ["variant_id"],
            orderby="variant_id",
        )
        a, b = groups
        self.assertEqual(a["variant_id"][0], self.variant_a.id)
        self.assertEqual((a["reminder_count"], b["reminder_count"]), (2, 3))
        self.assertEqual((a["response_count"], b["response_count"]), (3, 2))
        # responded reminders / reminders, not an average of row rates
        self.assertAlmostEqual(a["response_rate"], 100.0)
        self.assertAlmostEqual(b["response_rate"], 200 / 3)
        # Wilson, z = 1.96, by hand: 2 of 2 -> [0.3424, 1];
        # 2 of 3 -> [0.2077, 0.9385]; 1 of 2 -> [0.0945, 0.9055]; 0 of 3 ->
        # [0, 0.5615]
        expected = {
            "response_rate_low": (34.2372, 20.7655),
            "response_rate_high": (100.0, 93.8510),
            "paid_30_rate": (50.0, 0.0),
            "paid_30_rate_low": (9.4529, 0.0),
            "paid_30_rate_high": (90.5471, 56.1506),
        }
        for field, (value_a, value_b) in expected.items():
            self.assertAlmostEqual(a[field], value_a, places=3, msg=field)
            self.assertAlmostEqual(b[field], value_b, places=3, msg=field)

    def test_collector_and_wizard_sources(self):
        c1 = self.customers[0]
        # one open promise per customer: the second replaces the first
        promise = self.env["dunning.promise"].concat(
            *(
                self.env["dunning.promise"]
                .with_context(dunning_response_source="portal")
                .create(
                    {
                        "partner_id": c1.id,
                        "company_id": self.company.id,
                        "date": "2026-07-10",
                        "amount": amount,
                        "communication_id": self.reminders[0].id,
                    }
                )
                for amount in (100.0, 200.0)
            )
        )
        silent = (
            self.env["dunning.promise"]
            .with_context(dunning_response_source=False)
            .create(
                {
                    "partner_id": c1.id,
                    "company_id": self.company.id,
                    "date": "2026-07-11",
                    "amount": 50.0,
                }
            )
        )
        responses = self.env["dunning.response"].search([("partner_id", "=", c1.id)])
        self.assertEqual(responses.mapped("res_id"), sorted(promise.ids, reverse=True))
        self.assertEqual(set(responses.mapped("source")), {"portal"})
        self.assertNotIn(silent.id, responses.mapped("res_id"))
        self.assertEqual(self._row(self.reminders[0]).response_count, 2)
