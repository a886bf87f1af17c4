# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import base64
import json

from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestDunningChannelPreference(HttpCase):
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
        cls.comm = cls.env["dunning.communication"].create(
            {
                "name": "REM/1",
                "date": "2026-03-20",
                "company_id": company.id,
                "partner_id": cls.customer.id,
                "level_id": scenario.level_ids.id,
                "channel_email": True,
            }
        )

    def _path(self, token):
        return f"/dunning/channel/{token}"

    def test_valid_token_switches_to_letter_and_back(self):
        url = self.comm._dunning_channel_preference_url()
        token = url.rsplit("/", 1)[1]
        page = self.url_open(self._path(token))
        self.assertEqual(page.status_code, 200)
        self.assertIn("Dupont SARL", page.text)
        self.assertIn("by email", page.text)
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        response = self.url_open(
            self._path(token) + "/set", data={"channel": "letter", "csrf_token": csrf}
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("by post", response.text)
        self.assertRecordValues(
            self.customer,
            [
                {
                    "dunning_preferred_channel": "letter",
                    "dunning_channel_changed_origin": "customer",
                }
            ],
        )
        self.assertTrue(self.customer.dunning_channel_changed_date)
        self.assertIn(
            "Reminder channel set to Letter", self.customer.message_ids[0].body
        )
        self.url_open(
            self._path(token) + "/set", data={"channel": "email", "csrf_token": csrf}
        )
        self.assertEqual(self.customer.dunning_preferred_channel, "email")

    def test_tampered_token_is_refused(self):
        token = self.comm._dunning_channel_token()
        other = self.env["res.partner"].create({"name": "Other"})
        raw = base64.urlsafe_b64decode(token + "===")
        # the signature of one customer with the payload of another
        swapped = (
            base64.urlsafe_b64encode(
                raw[:41] + json.dumps({"partner_id": other.id}).encode()
            )
            .decode()
            .rstrip("=")
        )
        flipped = (
            base64.urlsafe_b64encode(raw[:20] + bytes([raw[20] ^ 1]) + raw[21:])
            .decode()
            .rstrip("=")
        )
        valid_page = self.url_open(self._path(token))
        csrf = valid_page.text.split('name="csrf_token" value="')[1].split('"')[0]
        for bad in (swapped, flipped, "garbage"):
            page = self.url_open(self._path(bad))
            self.assertEqual(page.status_code, 403)
            self.assertIn("Invalid link", page.text)
            response = self.url_open(
                self._path(bad) + "/set", data={"channel": "letter", "csrf_token": csrf}
            )
            self.assertEqual(response.status_code, 403)
        self.assertFalse(self.customer.dunning_preferred_channel)
        self.assertFalse(other.dunning_preferred_channel)

    def test_collector_change_is_recorded(self):
        self.customer.dunning_preferred_channel = "letter"
        self.assertEqual(self.customer.dunning_channel_changed_origin, "collector")
        self.assertTrue(self.customer.dunning_channel_changed_date)
