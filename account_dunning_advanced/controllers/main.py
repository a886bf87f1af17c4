# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import base64
import binascii
import re

from odoo import http
from odoo.http import request
from odoo.tools import verify_hash_signed

from ..models.dunning_communication import CHANNEL_TOKEN_SCOPE

# hash_sign() output: unpadded urlsafe base64 of 41 bytes of header and signature
# followed by the JSON payload
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{56,2048}")


def canonical_token_bytes(token):
    """The bytes of ``token`` when it is the canonical encoding of them, else None:
    no extra characters, no padding, no alternative encoding of the same bytes."""
    if not TOKEN_RE.fullmatch(token or ""):
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    if base64.urlsafe_b64encode(raw).decode().rstrip("=") != token:
        return None
    return raw


class DunningChannelPreference(http.Controller):
    """Public page, linked from the reminders' footer, where a customer
    chooses letters instead of emails (and back) without logging in."""

    def _partner_from_token(self, token):
        """(customer, company) the token was signed for, or (None, None) when it
        is not canonical, tampered with, expired, or names records that are gone
        or do not belong together.

        The records come in a superuser environment: the signed token is the
        boundary of every customer page, which reads and records through
        ``partner.env`` only what belongs to that customer in that company."""
        if canonical_token_bytes(token) is None:
            return None, None
        # public visitor: the token, verified below, says who they are
        env = request.env(su=True)
        try:
            payload = verify_hash_signed(env, CHANNEL_TOKEN_SCOPE, token)
        except (ValueError, UnicodeDecodeError, TypeError):
            payload = None
        if not isinstance(payload, dict):
            return None, None
        partner_id, company_id = payload.get("partner_id"), payload.get("company_id")
        if not isinstance(partner_id, int) or not isinstance(company_id, int):
            return None, None
        company = env["res.company"].browse(company_id).exists()
        partner = env["res.partner"].browse(partner_id).exists()
        if not company or not partner:
            return None, None
        if partner.company_id and partner.company_id != company:
            return None, None
        return partner.with_company(company), company

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
        partner, company = self._partner_from_token(token)
        if not partner:
            return self._invalid()
        return request.render(
            "account_dunning_advanced.channel_preference_page",
            {
                "partner": partner,
                "company": company,
                "token": token,
                "saved": kwargs.get("saved"),
            },
        )

    @http.route(
        "/dunning/channel/<string:token>/set",
        type="http",
        auth="public",
        methods=["POST"],
        sitemap=False,
    )
    def channel_preference_set(self, token, channel=None, **kwargs):
        partner, _company = self._partner_from_token(token)
        if not partner or channel not in ("email", "letter"):
            return self._invalid()
        # a replayed request sets what is already set: nothing changes or is logged
        partner._dunning_set_preferred_channel(channel, "customer")
        return request.redirect(f"/dunning/channel/{token}?saved=1")

    @http.route(
        "/dunning/channel/<string:token>/unsubscribe",
        type="http",
        auth="public",
        methods=["GET", "POST"],
        csrf=False,
        sitemap=False,
    )
    def channel_preference_unsubscribe(self, token, **kwargs):
        """The List-Unsubscribe address of the reminder emails. The mailbox
        provider's one-click POST (RFC 8058: ``List-Unsubscribe=One-Click``,
        no session, so no CSRF token; the signed token is the proof) switches
        the customer to letters for the token's company; a GET (a person
        following the link) only shows the preference page."""
        partner, company = self._partner_from_token(token)
        if not partner:
            return self._invalid()
        if request.httprequest.method != "POST":
            return request.redirect(f"/dunning/channel/{token}")
        if kwargs.get("List-Unsubscribe") != "One-Click":
            return request.make_response(
                "Expected List-Unsubscribe=One-Click", status=400
            )
        partner._dunning_unsubscribe_one_click(company)
        return request.make_response(
            "OK", headers=[("Content-Type", "text/plain; charset=utf-8")]
        )
