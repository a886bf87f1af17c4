# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import ast
import logging
from collections import defaultdict
from contextlib import contextmanager
from datetime import timedelta
from functools import lru_cache

from odoo import api, models
from odoo.tools import float_round
from odoo.tools.misc import format_date, formatLang, get_lang

from odoo.addons.base.models.res_lang import intersperse

_logger = logging.getLogger(__name__)

RENDER_MEMO_KEY = "account_dunning_advanced.render_values"

# Days the customer gets to pay after a final notice when the planner plans no
# further reminder: the usual "eight days" of French formal notices.
FINAL_NOTICE_DAYS = 8


def amount_formatter(env, lang):
    """``format(amount, currency_id)``: what ``odoo.tools.format_amount``
    writes in ``lang``, the language's separators and grouping and each
    currency's rounding and symbol read once instead of for every amount
    (``format_amount`` looks the language up on each call, a reminder batch
    formats thousands of amounts)."""
    lang_record = get_lang(env, lang)
    grouping = ast.literal_eval(lang_record.grouping)
    thousands_sep = lang_record.thousands_sep or ""
    decimal_point = lang_record.decimal_point
    currencies = {}

    def currency_format(currency_id):
        currency = env["res.currency"].browse(currency_id)
        if currency.position == "before":
            pre, post = f"{currency.symbol or ''}\N{NO-BREAK SPACE}", ""
        else:
            pre, post = "", f"\N{NO-BREAK SPACE}{currency.symbol or ''}"
        return currency.decimal_places, currency.rounding, pre, post

    def format_money(amount, currency_id):
        if currency_id not in currencies:
            currencies[currency_id] = currency_format(currency_id)
        digits, rounding, pre, post = currencies[currency_id]
        parts = "%.*f" % (digits, float_round(amount, precision_rounding=rounding))
        parts = parts.split(".")
        parts[0] = intersperse(parts[0], grouping, thousands_sep)[0]
        formatted = (
            decimal_point.join(parts)
            .replace(" ", "\N{NO-BREAK SPACE}")
            .replace("-", "-\N{ZERO WIDTH NO-BREAK SPACE}")
        )
        return f"{pre}{formatted}{post}"

    return format_money


class DunningReminderContent(models.AbstractModel):
    """What a reminder says, computed once: ``_report_values(reminder)`` is
    what its email (the tone's mail template and the views it calls), its
    letter (report ``dunning_letter``), its SMS, its call note and the
    previews show, in the customer's language."""

    _name = "dunning.reminder.content"
    _description = "Dunning Reminder Content"

    def _report_values(self, reminder):
        """Everything ``reminder`` says, formatted in the customer's language:
        the one source of its email, letter, SMS, call note and previews.
        During a dispatch (``_render_memo``) they are computed once per
        reminder, shared by its email, letter and call note. ``reminder`` may
        be a new record (``dunning.communication.new``) for a preview."""
        reminder.ensure_one()
        lang = reminder._dunning_lang()
        memo = self.env.cr.cache.get(RENDER_MEMO_KEY)
        if memo is None:
            return self._compute_report_values(reminder, lang)
        if (reminder.id, lang) not in memo:
            memo[reminder.id, lang] = self._compute_report_values(reminder, lang)
        return memo[reminder.id, lang]

    @api.model
    def _ref(self, xmlid):
        """``env.ref(xmlid)`` (empty when missing), looked up once per
        dispatch (``_render_memo``): each ``env.ref`` checks that the
        record exists, a query per reminder otherwise."""
        memo = self.env.cr.cache.get(RENDER_MEMO_KEY)
        key = ("ref", xmlid)
        if memo is None or key not in memo:
            record = self.env.ref(xmlid, raise_if_not_found=False)
            if record is None:
                record = self.env["ir.model.data"].browse()
            if memo is None:
                return record
            memo[key] = record
        return memo[key].with_env(self.env)

    @api.model
    @contextmanager
    def _render_memo(self):
        """Share the render values of reminder within one dispatch only: the
        reminder do not change while they are sent."""
        if RENDER_MEMO_KEY in self.env.cr.cache:
            yield
            return
        self.env.cr.cache[RENDER_MEMO_KEY] = {}
        try:
            yield
        finally:
            self.env.cr.cache.pop(RENDER_MEMO_KEY, None)

    @api.model
    def _formatters(self, lang):
        """(format_day(date), format_money(amount, currency)) in ``lang``,
        shared by the reminder of one dispatch: the same due dates and
        amounts recur across a batch, and each formatting looks the language
        up again."""
        memo = self.env.cr.cache.get(RENDER_MEMO_KEY)
        key = ("formatters", lang)
        if memo is not None and key in memo:
            return memo[key]
        env = self.with_context(lang=lang).env
        format_day = lru_cache(maxsize=None)(
            lambda day: format_date(env, day, lang_code=lang)
        )
        money = lru_cache(maxsize=10000)(amount_formatter(env, lang))

        def format_money(amount, currency):
            return money(amount, currency.id)

        if memo is not None:
            memo[key] = (format_day, format_money)
        return format_day, format_money

    @api.model
    def _memo(self, key, make):
        """The dispatch's value of ``key`` (``_render_memo``), made by
        ``make()`` the first time; outside a dispatch, a new one each call."""
        memo = self.env.cr.cache.get(RENDER_MEMO_KEY)
        if memo is None:
            return make()
        if key not in memo:
            memo[key] = make()
        return memo[key]

    @api.model
    def _base_url(self, company):
        """The company's base URL, read once per dispatch."""
        return self._memo(("base_url", company.id), company.get_base_url)

    @api.model
    def _number_formatter(self, lang):
        """``format_number(value, digits)``: ``formatLang`` in ``lang``, each
        value formatted once per dispatch (penalty rates and indemnities are
        the same for a whole batch)."""
        env = self.with_context(lang=lang).env
        return self._memo(
            ("number_formatter", lang),
            lambda: lru_cache(maxsize=1000)(
                lambda value, digits: formatLang(env, value, digits=digits)
            ),
        )

    def _compute_report_values(self, reminder, lang):
        # what the values say is translated into ``lang`` (``env._``)
        self = self.with_context(lang=lang)  # noqa: PLW0642
        comm = reminder.with_context(lang=lang)
        format_day, format_money = self._formatters(lang)
        base_url = self._base_url(comm.company_id)
        contact = comm._dunning_contact()
        token = comm._dunning_channel_token()
        portal_url = f"{base_url}/dunning/customer/{token}"
        items = []
        for line in comm.line_ids:
            move = line.move_id
            items.append(
                {
                    "number": move.name,
                    "reference": line.plan_line_id._dunning_label()
                    if line.plan_line_id
                    else (move.ref if move.ref and move.ref != move.name else ""),
                    "invoice_date": format_day(move.invoice_date),
                    "due_date": format_day(line.date_maturity),
                    "days_late": line.days_late,
                    "days_label": self._days_label(comm, line.days_late),
                    "amount": format_money(
                        line.amount_residual_currency, line.currency_id
                    ),
                    "currency": line.currency_id.name,
                    # the customer's page opens the invoice's payment page,
                    # which gives the invoice its portal token on that click
                    "payment_url": f"{portal_url}/pay?move_id={move.id}",
                }
            )
        amounts = comm._amounts_by_currency()
        totals = [format_money(amount, cur) for cur, amount in amounts]
        penalties = False
        if comm.tone in ("formal", "final"):
            penalties = self._penalty_values(comm, lang)
        next_level, next_date = self._next_step(comm)
        bank = self._bank_account(comm)
        qr_url = qr_image = False
        if bank and len(amounts) == 1:
            qr_url, qr_image = self._payment_qr(comm, bank, *amounts[0])
        collector = comm.collector_id
        values = {
            "lang": lang,
            "company": comm.company_id,
            "customer": comm.partner_id,
            "contact": contact,
            "postal": comm._dunning_postal_partner() or contact,
            "customer_name": comm.partner_id.name,
            "contact_name": contact.name
            if contact != comm.partner_id
            else comm.partner_id.name,
            "date": format_day(comm._dunning_send_date()),
            # the company's blocks: the same for the reminders of a dispatch
            "company_address": self._memo(
                ("company_address", comm.company_id.id, lang),
                lambda: self._company_address(comm),
            ),
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
            "greeting": self._greeting(comm),
            "signature": self._signature(comm),
            "legal_regime": comm._dunning_legal_regime(),
            "letterhead": self._memo(
                ("letterhead", comm.company_id.id, lang),
                lambda: self._letterhead(comm),
            ),
            "collector": {
                "name": collector.name or comm.company_id.name,
                "email": collector.email
                or comm.company_id.dunning_email
                or comm.company_id.email
                or "",
                "phone": collector.phone or comm.company_id.phone or "",
            },
            "preference_url": f"{base_url}/dunning/channel/{token}",
            "portal_url": portal_url,
            "prefers_letter": comm.partner_id.with_company(
                comm.company_id
            ).dunning_preferred_channel
            == "letter",
        }
        # invoices the customer approved on the e-invoicing platform: recalled
        values["einvoice_approvals"] = [
            {
                "number": move.name,
                "date": format_date(
                    self.env, move.dunning_einvoice_approved_date, lang_code=lang
                ),
            }
            for move in comm.line_ids.move_id.filtered(
                "dunning_einvoice_approved_date"
            ).sorted(lambda m: (m.dunning_einvoice_approved_date, m.id))
        ]
        return values

    def _penalty_groups(self, reminder):
        """[(currency, interest, indemnity, invoices charged)] of the
        reminder's penalties in the currency of their invoices."""
        reminder.ensure_one()
        groups = {}
        for line in reminder.line_ids:
            interest = line.penalty_interest_currency
            indemnity = line.penalty_indemnity_currency
            if not (interest or indemnity):
                continue
            group = groups.setdefault(line.currency_id, [0.0, 0.0, set()])
            group[0] += interest
            group[1] += indemnity
            if indemnity:
                group[2].add(line.move_id.id)
        return [
            (currency, interest, indemnity, len(moves))
            for currency, (interest, indemnity, moves) in sorted(
                groups.items(), key=lambda kv: kv[0].name
            )
        ]

    def _penalty_values(self, reminder, lang):
        """What a reminder says of its penalties, in the customer's language:
        the regime's terms and, per invoice currency, the interest, the fixed
        indemnity as the law states it (per late invoice, times the invoices)
        and the total. False without penalties."""
        reminder.ensure_one()
        env = reminder.with_context(lang=lang).env
        groups = self._penalty_groups(reminder)
        if not groups:
            return False
        company = reminder.company_id
        # the planner reads the terms once per context: one per dispatch
        terms = self.env["dunning.planner"]._penalty_terms(
            self._memo(("penalty_context", company.id), lambda: {"company": company}),
            reminder.scenario_id,
        )
        format_day, format_money = self._formatters(lang)
        format_number = self._number_formatter(lang)
        unit_currency = terms["indemnity_currency"]
        unit_amount = terms["indemnity"]
        digits = 0 if unit_amount == int(unit_amount) else 2
        unit = f"{unit_currency.name} {format_number(unit_amount, digits)}"
        rate = f"{format_number(reminder.penalty_rate, 2)}\xa0%"
        date_label = format_day(reminder.date)
        currencies = []
        for currency, interest, indemnity, count in groups:
            lines = []
            if interest:
                lines.append(
                    env._(
                        "Late-payment interest at %(rate)s per year, to date: "
                        "%(amount)s",
                        rate=rate,
                        amount=format_money(interest, currency),
                    )
                )
            if indemnity:
                amount = format_money(indemnity, currency)
                if currency != unit_currency:
                    amount = env._(
                        "%(amount)s (converted on %(date)s)",
                        amount=amount,
                        date=date_label,
                    )
                lines.append(
                    env._(
                        "Fixed recovery indemnity: %(unit)s per late invoice "
                        "× %(count)s invoice: %(amount)s",
                        unit=unit,
                        count=count,
                        amount=amount,
                    )
                    if count == 1
                    else env._(
                        "Fixed recovery indemnity: %(unit)s per late invoice "
                        "× %(count)s invoices: %(amount)s",
                        unit=unit,
                        count=count,
                        amount=amount,
                    )
                )
            currencies.append(
                {
                    "currency": currency.name,
                    "lines": lines,
                    "total": format_money(interest + indemnity, currency),
                }
            )
        return {
            "rate": rate,
            "indemnity_unit": unit if unit_amount else "",
            "currencies": currencies,
        }

    def _greeting(self, reminder):
        """The salutation of the reminder's contact, in the reminder's
        language: by name (and title) for a person, the formal "Dear Sir or
        Madam" for a company or a contact without a name."""
        reminder.ensure_one()
        contact = reminder._dunning_contact()
        env = self.env
        if contact.is_company or not contact.name:
            return env._("Dear Sir or Madam,")
        if contact.title:
            return env._(
                "Dear %(shortcut)s %(name)s,",
                shortcut=contact.title.shortcut or contact.title.name,
                title=contact.title.name,
                name=contact.name,
            )
        return env._("Dear %(name)s,", name=contact.name)

    def _signature(self, reminder):
        """The lines signing the reminder: the collector's name, job title
        and company; without a collector, the company's reminder signature
        and name."""
        reminder.ensure_one()
        company = reminder.company_id
        collector = reminder.collector_id
        if collector:
            title = collector.partner_id.function or self.env._("Credit Management")
            return [collector.name, title, company.name]
        lines = (company.dunning_signature or "").strip().splitlines()
        if not lines:
            lines = [self.env._("Credit Management Department")]
        if company.name not in lines:
            lines.append(company.name)
        return lines

    def _letterhead(self, reminder):
        """The company block printed at the top and bottom of a letter: in
        the body, so that any wkhtmltopdf prints it."""
        reminder.ensure_one()
        company = reminder.company_id
        partner = company.partner_id
        city = " ".join(filter(None, [partner.zip, partner.city]))
        legal = []
        if company.vat:
            legal.append(self.env._("VAT: %(vat)s", vat=company.vat))
        if company.company_registry:
            legal.append(
                self.env._("Registry: %(number)s", number=company.company_registry)
            )
        return {
            "name": company.name,
            "address": [
                line
                for line in (
                    partner.street,
                    partner.street2,
                    city,
                    partner.country_id.name,
                )
                if line
            ],
            "contact": [
                item for item in (company.phone, company.email, company.website) if item
            ],
            "legal": legal,
        }

    def _sms_values(self, reminder):
        """The values an SMS text shows (``dunning.level.sms_body``
        placeholders), formatted in the customer's language: those of
        ``_report_values``, shortened for an SMS."""
        reminder.ensure_one()
        values = self._report_values(reminder)
        comm = reminder.with_context(lang=values["lang"])
        lines = comm.line_ids.sorted("date_maturity")
        first = lines[:1]
        base_url = comm.company_id.get_base_url()
        moves = lines.move_id
        return {
            "company": comm.company_id.name,
            "customer": comm.partner_id.name,
            "reminder": comm.name,
            "invoices": comm._dunning_invoice_numbers(),
            "count": len(moves),
            "amount": " + ".join(values["totals"]),
            "due_date": values["first_due_date"],
            "url": base_url
            + (first.move_id.get_portal_url() if len(moves) == 1 else "/my/invoices"),
        }

    def _sms_text(self, reminder):
        """The level's SMS text with the reminder's values when it has one,
        else a short default: total, earliest due date and a payment link."""
        reminder.ensure_one()
        values = self._sms_values(reminder)
        env = reminder.with_context(lang=reminder._dunning_lang()).env
        custom = reminder.level_id.with_env(env).sms_body
        if custom:
            try:
                return custom.format_map(values)
            except (KeyError, ValueError, IndexError, AttributeError):
                # a broken translation of the text: the default still informs
                _logger.warning(
                    "SMS text of level %s not rendered", reminder.level_id.display_name
                )
        if values["count"] == 1:
            return env._(
                "%(company)s: invoice %(number)s, %(amount)s due on %(date)s. "
                "Pay online: %(url)s",
                company=values["company"],
                number=values["invoices"],
                amount=values["amount"],
                date=values["due_date"],
                url=values["url"],
            )
        return env._(
            "%(company)s: %(count)s invoices, %(amount)s due since %(date)s. "
            "Pay online: %(url)s",
            company=values["company"],
            count=values["count"],
            amount=values["amount"],
            date=values["due_date"],
            url=values["url"],
        )

    def _next_step(self, reminder):
        """(level, date) of the customer's next reminder once this one is
        sent, as the planner will decide it (grace days, interval, business
        days, holds: ``dunning.planner._next_reminders``); (empty, deadline)
        when it plans none, the deadline a last notice gives. Within a
        dispatch, computed once for the reminders read with this one."""
        reminder.ensure_one()
        memo = self.env.cr.cache.get(RENDER_MEMO_KEY)
        key = ("next_step", reminder.id)
        if memo is not None and key in memo:
            return memo[key]
        batch = reminder
        if memo is not None and isinstance(reminder.id, int):
            batch = reminder.browse(reminder._prefetch_ids).filtered(
                lambda c: c.company_id == reminder.company_id
                and c._dunning_send_date() == reminder._dunning_send_date()
            )
        steps = self._next_steps(batch)
        if memo is not None:
            memo.update({("next_step", comm.id): step for comm, step in steps.items()})
        return steps[reminder]

    def _prepare_next_steps(self, reminders):
        """Compute the next steps of ``reminders`` at once into the dispatch's
        memo (``_render_memo``): the channels render them in smaller groups
        (one per template and language), and each group would replan its
        customers again."""
        memo = self.env.cr.cache.get(RENDER_MEMO_KEY)
        if memo is None:
            return
        todo = reminders.filtered(lambda c: ("next_step", c.id) not in memo)
        for batch in todo.grouped(
            lambda c: (c.company_id, c._dunning_send_date())
        ).values():
            steps = self._next_steps(batch)
            memo.update({("next_step", comm.id): step for comm, step in steps.items()})

    def _next_steps(self, reminders):
        """{reminder: (level, date)} of ``_next_step`` for reminders of one
        company and day: the planner replans their customers' open items as
        they will be after these reminders (their items at their levels, the
        customers reminded that day), from the day after."""
        planner = self.env["dunning.planner"]
        # a reminder held for approval is shown as it would leave today
        company, date = reminders.company_id, reminders[:1]._dunning_send_date()
        day = date + timedelta(days=1)
        items = planner._select_open_items(company, day, reminders.partner_id.ids)
        reached = defaultdict(set)
        for line in reminders.line_ids:
            key = line.plan_line_id.id or False, line.move_line_id.id or False
            reached[key].add((line.level_id or line.communication_id.level_id).id)
        for item in items["items"]:
            key = (
                item["plan_line_id"] or False,
                (False if item["plan_line_id"] else item["id"]),
            )
            if key in reached:
                item["sent_level_ids"] = list(
                    set(item["sent_level_ids"]) | reached[key]
                )
        for comm in reminders:
            history = items["history"].setdefault(
                comm.partner_id.id, {"dates": [], "level_id": False}
            )
            history["dates"] = sorted(set(history["dates"]) | {date}, reverse=True)
            # a customer the plan finds no scenario for follows its reminder's
            customer = items["customers"].get(comm.partner_id.id)
            if customer and not customer["scenario_id"]:
                customer["scenario_id"] = comm.scenario_id.id
        found = planner._next_reminders(company, day, items)
        empty = self.env["dunning.level"]
        steps = {}
        for comm in reminders:
            next_date, level = found.get(comm.partner_id.id, (None, None))
            steps[comm] = (
                (level, next_date)
                if level
                else (empty, date + timedelta(days=FINAL_NOTICE_DAYS))
            )
        return steps

    def _payment_qr(self, reminder, bank, currency, amount):
        """(url, base64 image) of the payment QR code Odoo builds for this
        bank account and amount, or (False, False). A reminder without its QR
        code is still a reminder: a missing image backend only loses the QR."""
        reminder.ensure_one()
        args = (amount, reminder._dunning_invoice_numbers(limit=10), None, currency)
        try:
            url = bank.build_qr_code_url(*args, reminder.partner_id)
            image = url and bank.build_qr_code_base64(*args, reminder.partner_id)
        except Exception:  # noqa: BLE001 - e.g. no reportlab image backend
            _logger.warning(
                "Payment QR code of %s not built", reminder.name, exc_info=True
            )
            return False, False
        return url or False, image or False

    def _bank_account(self, reminder):
        reminder.ensure_one()
        banks = reminder.line_ids.move_id.partner_bank_id.filtered(
            lambda b: b.partner_id == reminder.company_id.partner_id
        )
        return banks[:1] or reminder.company_id.partner_id.bank_ids[:1]

    def _company_address(self, reminder):
        reminder.ensure_one()
        partner = reminder.company_id.partner_id
        city = " ".join(filter(None, [partner.zip, partner.city]))
        return ", ".join(
            filter(
                None, [partner.street, partner.street2, city, partner.country_id.name]
            )
        )

    def _days_label(self, reminder, days_late):
        if days_late > 0:
            return self.env._("%(days)s days late", days=days_late)
        if days_late < 0:
            return self.env._("due in %(days)s days", days=-days_late)
        return self.env._("due today")
