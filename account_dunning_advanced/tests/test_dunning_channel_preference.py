# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import base64
import json
from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.tests import HttpCase, tagged
from odoo.tools import hash_sign

from ..models.dunning_communication import CHANNEL_TOKEN_SCOPE


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

    def _csrf(self):
        token = self.comm._dunning_channel_token()
        page = self.url_open(self._path(token))
        return page.text.split('name="csrf_token" value="')[1].split('"')[0]

    def _assert_refused(self, token, csrf):
        page = self.url_open(self._path(token))
        self.assertEqual(page.status_code, 403, token)
        response = self.url_open(
            self._path(token) + "/set", data={"channel": "letter", "csrf_token": csrf}
        )
        self.assertEqual(response.status_code, 403, token)
        self.assertFalse(self.customer.dunning_preferred_channel)

    def test_non_canonical_token_is_refused(self):
        token = self.comm._dunning_channel_token()
        csrf = self._csrf()
        # the same bytes, spelt otherwise: base64 decoders skip or tolerate these
        for variant in (token + "!", token + "==", token[:10] + "." + token[10:]):
            self._assert_refused(variant, csrf)

    def test_expired_token_is_refused(self):
        self.env.company.dunning_token_validity_days = 30
        with freeze_time(datetime.now() - timedelta(days=31)):
            old = self.comm._dunning_channel_token()
        with freeze_time(datetime.now() - timedelta(days=29)):
            recent = self.comm._dunning_channel_token()
        csrf = self._csrf()
        self._assert_refused(old, csrf)
        self.assertEqual(self.url_open(self._path(recent)).status_code, 200)

    def test_token_bound_to_customer_and_company(self):
        other_company = self.env["res.company"].create({"name": "Other Company"})
        self.customer.company_id = self.env.company
        csrf = self._csrf()
        # signed for another company than the customer's own
        foreign = self.comm.with_company(other_company).sudo()
        foreign.company_id = other_company
        self._assert_refused(foreign._dunning_channel_token(), csrf)
        # a token of the previous format, without a company
        unbound = hash_sign(
            self.env, CHANNEL_TOKEN_SCOPE, {"partner_id": self.customer.id}
        )
        self._assert_refused(unbound, csrf)

    def test_replayed_request_changes_nothing_more(self):
        token = self.comm._dunning_channel_token()
        csrf = self._csrf()
        for _i in range(2):
            self.url_open(
                self._path(token) + "/set",
                data={"channel": "letter", "csrf_token": csrf},
            )
        logs = self.customer.message_ids.filtered(
            lambda m: "Reminder channel set to" in (m.body or "")
        )
        self.assertEqual(len(logs), 1)
        self.assertEqual(self.customer.dunning_preferred_channel, "letter")

    def test_collector_change_is_recorded(self):
        self.customer.dunning_preferred_channel = "letter"
        self.assertEqual(self.customer.dunning_channel_changed_origin, "collector")
        self.assertTrue(self.customer.dunning_channel_changed_date)
