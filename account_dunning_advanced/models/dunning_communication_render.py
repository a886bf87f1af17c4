# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
from contextlib import contextmanager
from datetime import timedelta
from functools import lru_cache

from odoo import _, models
from odoo.tools import formataddr, hash_sign
from odoo.tools.misc import format_amount, format_date, formatLang

# Days the customer gets to pay after a final notice when the scenario has no
# further level: the usual "eight days" of French formal notices.
FINAL_NOTICE_DAYS = 8
CHANNEL_TOKEN_SCOPE = "account_dunning_advanced.channel_preference"
RENDER_MEMO_KEY = "account_dunning_advanced.render_values"

_logger = logging.getLogger(__name__)


class DunningCommunication(models.Model):
    """Values shown in reminders, already formatted in the customer's language,
    shared by the email templates and the letter report."""

    _inherit = "dunning.communication"

    def _dunning_contact(self):
        self.ensure_one()
        return self.contact_id or self.partner_id

    def _dunning_lang(self):
        self.ensure_one()
        contact = self._dunning_contact()
        return self.lang or contact.lang or self.partner_id.lang or "en_US"

    def _dunning_invoice_numbers(self, limit=3):
        """Invoice numbers for a subject line, shortened past ``limit``."""
        self.ensure_one()
        names = list(dict.fromkeys(self.line_ids.move_id.mapped("name")))
        if len(names) > limit:
            return _(
                "%(names)s and %(count)s more",
                names=", ".join(names[:limit]),
                count=len(names) - limit,
            )
        return ", ".join(names)

    def _dunning_email_from(self):
        """The company's reminder address, else the collector, else the company."""
        self.ensure_one()
        company = self.company_id
        if company.dunning_email:
            return formataddr((company.name, company.dunning_email))
        if self.collector_id.email:
            return self.collector_id.email_formatted
        return company.email_formatted or self.env.user.email_formatted

    def _dunning_reply_to(self):
        self.ensure_one()
        if self.collector_id.email:
            return self.collector_id.email_formatted
        return self._dunning_email_from()

    def _dunning_channel_token(self):
        self.ensure_one()
        return hash_sign(
            self.sudo().env, CHANNEL_TOKEN_SCOPE, {"partner_id": self.partner_id.id}
        )

    def _dunning_channel_preference_url(self):
        self.ensure_one()
        base_url = self.company_id.get_base_url()
        return f"{base_url}/dunning/channel/{self._dunning_channel_token()}"

    def _dunning_payment_qr(self, bank, currency, amount):
        """(url, base64 image) of the payment QR code Odoo builds for this
        bank account and amount, or (False, False). A reminder without its QR
        code is still a reminder: a missing image backend only loses the QR."""
        self.ensure_one()
        args = (amount, self._dunning_invoice_numbers(limit=10), None, currency)
        try:
            url = bank.build_qr_code_url(*args, self.partner_id)
            image = url and bank.build_qr_code_base64(*args, self.partner_id)
        except Exception:  # noqa: BLE001 - e.g. no reportlab image backend
            _logger.warning("Payment QR code of %s not built", self.name, exc_info=True)
            return False, False
        return url or False, image or False

    def _dunning_bank_account(self):
        self.ensure_one()
        banks = self.line_ids.move_id.partner_bank_id.filtered(
            lambda b: b.partner_id == self.company_id.partner_id
        )
        return banks[:1] or self.company_id.partner_id.bank_ids[:1]

    def _dunning_next_step(self):
        """(level, date) of the next reminder, or (empty, deadline) after the
        last level."""
        self.ensure_one()
        level = self.level_id
        later = level.scenario_id.level_ids.filtered(
            lambda lv: (lv.offset_days, lv.sequence, lv.id)
            > (level.offset_days, level.sequence, level.id)
        ).sorted(lambda lv: (lv.offset_days, lv.sequence, lv.id))[:1]
        if later:
            return later, self.date + timedelta(
                days=max(later.offset_days - level.offset_days, 1)
            )
        return later, self.date + timedelta(days=FINAL_NOTICE_DAYS)

    def _dunning_company_address(self):
        self.ensure_one()
        partner = self.company_id.partner_id
        city = " ".join(filter(None, [partner.zip, partner.city]))
        return ", ".join(
            filter(
                None, [partner.street, partner.street2, city, partner.country_id.name]
            )
        )

    def _dunning_days_label(self, days_late):
        if days_late > 0:
            return _("%(days)s days late", days=days_late)
        if days_late < 0:
            return _("due in %(days)s days", days=-days_late)
        return _("due today")

    def _dunning_render_values(self):
        """Everything a reminder shows, formatted in the customer's language.
        During a dispatch (``_dunning_render_memo``) they are computed once per
        reminder, shared by its email, letter and call note."""
        self.ensure_one()
        lang = self._dunning_lang()
        memo = self.env.cr.cache.get(RENDER_MEMO_KEY)
        if memo is None:
            return self._dunning_compute_render_values(lang)
        if (self.id, lang) not in memo:
            memo[self.id, lang] = self._dunning_compute_render_values(lang)
        return memo[self.id, lang]

    @contextmanager
    def _dunning_render_memo(self):
        """Share the render values of reminders within one dispatch only: the
        reminders do not change while they are sent."""
        if RENDER_MEMO_KEY in self.env.cr.cache:
            yield
            return
        self.env.cr.cache[RENDER_MEMO_KEY] = {}
        try:
            yield
        finally:
            self.env.cr.cache.pop(RENDER_MEMO_KEY, None)

    def _dunning_compute_render_values(self, lang):
        comm = self.with_context(lang=lang)
        env = comm.env
        # the same few due dates recur on every line of a batch
        format_day = lru_cache(maxsize=None)(
            lambda day: format_date(env, day, lang_code=lang)
        )
        base_url = comm.company_id.get_base_url()
        contact = comm._dunning_contact()
        items = []
        for line in comm.line_ids:
            move = line.move_id
            items.append(
                {
                    "number": move.name,
                    "reference": move.ref if move.ref and move.ref != move.name else "",
                    "invoice_date": format_day(move.invoice_date),
                    "due_date": format_day(line.date_maturity),
                    "days_late": line.days_late,
                    "days_label": comm._dunning_days_label(line.days_late),
                    "amount": format_amount(
                        env, line.amount_residual_currency, line.currency_id, lang
                    ),
                    "currency": line.currency_id.name,
                    "payment_url": base_url + move.sudo().get_portal_url(),
                }
            )
        amounts = comm._amounts_by_currency()
        totals = [format_amount(env, amount, cur, lang) for cur, amount in amounts]
        company_currency = comm.company_id.currency_id
        penalties = False
        if comm.tone in ("formal", "final") and (
            comm.penalty_interest or comm.penalty_indemnity
        ):
            late_invoices = len(
                comm.line_ids.filtered(lambda ln: ln.days_late > 0).move_id
            )
            penalties = {
                "rate": f"{formatLang(env, comm.penalty_rate, digits=2)}\xa0%",
                "interest": format_amount(
                    env, comm.penalty_interest, company_currency, lang
                ),
                "indemnity": format_amount(
                    env, comm.penalty_indemnity, company_currency, lang
                ),
                "indemnity_unit": format_amount(
                    env,
                    comm.company_id.dunning_penalty_indemnity,
                    company_currency,
                    lang,
                ),
                "late_invoices": late_invoices,
                "total": format_amount(
                    env,
                    comm.penalty_interest + comm.penalty_indemnity,
                    company_currency,
                    lang,
                ),
            }
        next_level, next_date = comm._dunning_next_step()
        bank = comm._dunning_bank_account()
        qr_url = qr_image = False
        if bank and len(amounts) == 1:
            qr_url, qr_image = comm._dunning_payment_qr(bank, *amounts[0])
        collector = comm.collector_id
        return {
            "lang": lang,
            "company": comm.company_id,
            "customer": comm.partner_id,
            "contact": contact,
            "postal": comm._dunning_postal_partner() or contact,
            "customer_name": comm.partner_id.name,
            "contact_name": contact.name
            if contact != comm.partner_id
            else comm.partner_id.name,
            "date": format_day(comm.date),
            "company_address": comm._dunning_company_address(),
            "first_due_date": format_day(
                min(comm.line_ids.mapped("date_maturity") or [False]) or False
            ),
            "items": items,
            "totals": totals,
            "single_currency": len(amounts) == 1,
            "penalties": penalties,
            "next_level": next_level,
            "next_date": format_day(next_date),
            "bank": bank
            and {
                "holder": bank.partner_id.name,
                "iban": bank.acc_number,
                "bic": bank.bank_bic or "",
                "bank_name": bank.bank_name or "",
            },
            "qr_url": (base_url + qr_url)
            if qr_url and qr_url.startswith("/")
            else qr_url,
            "qr_image": qr_image,
            "collector": {
                "name": collector.name or comm.company_id.name,
                "email": collector.email
                or comm.company_id.dunning_email
                or comm.company_id.email
                or "",
                "phone": collector.phone or comm.company_id.phone or "",
            },
            "preference_url": comm._dunning_channel_preference_url(),
            "prefers_letter": comm.partner_id.dunning_preferred_channel == "letter",
        }

    def _dunning_sms_text(self):
        """Short text: total, earliest due date and a payment link."""
        self.ensure_one()
        lang = self._dunning_lang()
        comm = self.with_context(lang=lang)
        env = comm.env
        lines = comm.line_ids.sorted("date_maturity")
        total = " + ".join(
            format_amount(env, amount, cur, lang)
            for cur, amount in comm._amounts_by_currency()
        )
        first = lines[:1]
        url = comm.company_id.get_base_url() + first.move_id.sudo().get_portal_url()
        if len(lines.move_id) == 1:
            return _(
                "%(company)s: invoice %(number)s, %(amount)s due on %(date)s. "
                "Pay online: %(url)s",
                company=comm.company_id.name,
                number=first.move_id.name,
                amount=total,
                date=format_date(env, first.date_maturity, lang_code=lang),
                url=url,
            )
        return _(
            "%(company)s: %(count)s invoices, %(amount)s due since %(date)s. "
            "Pay online: %(url)s",
            company=comm.company_id.name,
            count=len(lines.move_id),
            amount=total,
            date=format_date(env, first.date_maturity, lang_code=lang),
            url=comm.company_id.get_base_url() + "/my/invoices",
        )
