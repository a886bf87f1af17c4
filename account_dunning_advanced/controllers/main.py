# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import http
from odoo.http import request
from odoo.tools import verify_hash_signed

from ..models.dunning_communication import CHANNEL_TOKEN_SCOPE


class DunningChannelPreference(http.Controller):
    """Public page, linked from the reminders' footer, where a customer
    chooses letters instead of emails (and back) without logging in."""

    def _partner_from_token(self, token):
        try:
            payload = verify_hash_signed(
                request.env(su=True), CHANNEL_TOKEN_SCOPE, token
            )
        except (ValueError, UnicodeDecodeError, TypeError):
            payload = None
        if not isinstance(payload, dict) or not payload.get("partner_id"):
            return None
        partner = (
            request.env["res.partner"].sudo().browse(payload["partner_id"]).exists()
        )
        return partner or None

    def _invalid(self):
        return request.render(
            "account_dunning_advanced.channel_preference_invalid", status=403
        )

    @http.route(
        "/dunning/channel/<string:token>",
        type="http",
        auth="public",
        website=False,
        methods=["GET"],
        sitemap=False,
    )
    def channel_preference(self, token, **kwargs):
        partner = self._partner_from_token(token)
        if not partner:
            return self._invalid()
        return request.render(
            "account_dunning_advanced.channel_preference_page",
            {"partner": partner, "token": token, "saved": kwargs.get("saved")},
        )

    @http.route(
        "/dunning/channel/<string:token>/set",
        type="http",
        auth="public",
        methods=["POST"],
        sitemap=False,
    )
    def channel_preference_set(self, token, channel=None, **kwargs):
        partner = self._partner_from_token(token)
        if not partner or channel not in ("email", "letter"):
            return self._invalid()
        partner._dunning_set_preferred_channel(channel, "customer")
        return request.redirect(f"/dunning/channel/{token}?saved=1")
