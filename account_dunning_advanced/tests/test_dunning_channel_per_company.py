# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date

from odoo.tests import HttpCase, tagged

from .common import as_job
from .workspace_common import DunningWorkspaceCommon

FIRST_RUN = date(2026, 4, 10)
NEXT_RUN = date(2026, 4, 11)


@tagged("post_install", "-at_install")
class TestDunningChannelPerCompany(DunningWorkspaceCommon, HttpCase):
    """A customer reminded by two companies chooses its reminder channel in
    each of them: unsubscribing from one company's emails (the mailbox
    provider's one-click POST, over HTTP) or a collector's change in one
    company leaves the other company's reminders as they were."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write(
            {
                "street": "3 rue du Port",
                "zip": "44000",
                "city": "Nantes",
                "country_id": cls.env.ref("base.fr").id,
            }
        )
        cls.other = cls.setup_other_company()["company"]
        cls.env.user.company_ids |= cls.other
        cls.customer.with_company(cls.other).dunning_scenario_id = cls.scenario.copy(
            {"company_id": cls.other.id}
        )
        invoice = (
            cls.env["account.move"]
            .with_company(cls.other)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": cls.customer.id,
                    "invoice_date": "2026-01-20",
                    "invoice_date_due": "2026-02-20",
                    "invoice_line_ids": [
                        (0, 0, {"name": "Audit", "price_unit": 700.0, "tax_ids": []})
                    ],
                }
            )
        )
        invoice.action_post()

    def _remind(self, company, day=FIRST_RUN):
        return (
            as_job(self.env["dunning.run"])
            ._run_company(company, day, "manual", dry_run=False)
            .communication_ids
        )

    def _path(self, reminder, suffix=""):
        url = reminder._dunning_channel_preference_url()
        return "/" + url.split("/", 3)[3] + suffix

    def _channel(self, company):
        return self.customer.with_company(company).dunning_preferred_channel

    def test_one_click_unsubscribe_only_in_its_company(self):
        reminder_a, reminder_b = self._remind(self.company), self._remind(self.other)
        self.assertRecordValues(
            reminder_a | reminder_b,
            [
                {"company_id": self.company.id, "channel_email": True},
                {"company_id": self.other.id, "channel_email": True},
            ],
        )
        # the List-Unsubscribe address of company A's reminder email
        url = (
            self.env["dunning.channel.email"]
            ._mail_headers(reminder_a)["List-Unsubscribe"]
            .strip("<>")
        )
        response = self.url_open(
            "/" + url.split("/", 3)[3], data={"List-Unsubscribe": "One-Click"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self._channel(self.company), "letter")
        self.assertFalse(self._channel(self.other))
        self.assertRecordValues(
            self.customer.with_company(self.other),
            [
                {
                    "dunning_channel_changed_date": False,
                    "dunning_channel_changed_origin": False,
                }
            ],
        )
        # what the customer reads on each company's page
        self.assertIn("by post", self.url_open(self._path(reminder_a)).text)
        self.assertIn("by email", self.url_open(self._path(reminder_b)).text)
        # the next reminders: company A writes, company B still emails
        next_a, next_b = (
            self._remind(self.company, NEXT_RUN),
            self._remind(self.other, NEXT_RUN),
        )
        self.assertRecordValues(
            next_a | next_b,
            [
                {
                    "company_id": self.company.id,
                    "channel_email": False,
                    "channel_letter": True,
                },
                {
                    "company_id": self.other.id,
                    "channel_email": True,
                    "channel_letter": False,
                },
            ],
        )
        self.assertIn("asked for letters", next_a.skipped_channels)
        self.assertFalse(next_a.mail_id)
        self.assertTrue(next_b.mail_id)

    def test_collector_change_only_in_its_company(self):
        self.customer.with_company(self.other).dunning_preferred_channel = "letter"
        self.assertRecordValues(
            self.customer.with_company(self.other),
            [
                {
                    "dunning_preferred_channel": "letter",
                    "dunning_channel_changed_origin": "collector",
                }
            ],
        )
        self.assertRecordValues(
            self.customer.with_company(self.company),
            [
                {
                    "dunning_preferred_channel": False,
                    "dunning_channel_changed_origin": False,
                    "dunning_channel_changed_date": False,
                }
            ],
        )
        note = self.customer.message_ids.filtered(
            lambda m: "Reminder channel set to Letter" in str(m.body)
        )
        self.assertEqual(note.record_company_id, self.other)
        self.assertRecordValues(
            self._remind(self.company) | self._remind(self.other),
            [
                {"company_id": self.company.id, "channel_email": True},
                {"company_id": self.other.id, "channel_email": False},
            ],
        )
