# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import mimetypes
from datetime import timedelta
from urllib.parse import urlencode

from markupsafe import Markup

from odoo import fields, http
from odoo.http import request
from odoo.tools.mimetypes import guess_mimetype
from odoo.tools.misc import format_amount, format_date

from odoo.addons.payment import utils as payment_utils

from .main import DunningChannelPreference

# a proof or a dispute document, not an archive
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# a customer who opens the page several times a day responds once
VISIT_INTERVAL = timedelta(hours=12)
DONE_MESSAGES = ("paid", "promise", "dispute", "already")
# a proof of payment or a dispute document: a PDF, a scan or a photo (never a
# page or a program a collector would open)
ATTACHMENT_MIMETYPES = ("application/pdf", "image/png", "image/jpeg")
# the scenario's field default, for a customer without scenario
DEFAULT_PROMISE_DAYS = 30


def _text(kwargs, name):
    """The text field ``name`` of a posted form ("" when missing or a file)."""
    value = kwargs.get(name)
    return value if isinstance(value, str) else ""


class PortalInputError(ValueError):
    """What the customer typed cannot be accepted: shown on the page."""


class DunningCustomerPortal(DunningChannelPreference):
    """The customer's page linked from every reminder, opened by the same
    signed token as the channel preference (customer and company bound,
    expiring): the statement of open items, payment, and the customer's
    replies (already paid, promise to pay, dispute), each logged for the
    collector and counted as a response to the reminder."""

    def _customer(self, token):
        """(customer, company) of the token, the page then in the customer's
        language; (None, None) for a bad token."""
        partner, company = self._partner_from_token(token)
        if partner:
            lang = request.env["dunning.planner"]._partner_lang(partner, company)
            request.update_context(lang=lang)
            partner, company = partner.with_context(lang=lang), company
        return partner, company

    # ------------------------------------------------------------------
    # What the page shows
    # ------------------------------------------------------------------
    def _open_items(self, partner, company):
        """The customer's open invoice items in ``company``, the way the
        planner sees them today, with their stage."""
        # the customer's own items: the token's environment
        env = partner.env
        today = fields.Date.context_today(partner)
        planner = env["dunning.planner"]
        selection = planner._select_open_items(company, today, [partner.id])
        rows = [row for row in selection["items"] if not row["plan_line_id"]]
        moves = env["account.move"].browse({row["move_id"] for row in rows})
        currencies = env["res.currency"].browse({row["currency_id"] for row in rows})
        levels = env["dunning.level"].browse(
            {lid for row in rows for lid in row["sent_level_ids"]}
        )
        offsets = {lv.id: (lv.offset_days, lv.sequence, lv.id) for lv in levels}
        reasons = dict(
            env["dunning.run.log"]._fields["reason"]._description_selection(env)
        )
        lang = partner.lang or company.partner_id.lang
        moves_by_id = {move.id: move for move in moves}
        currency_by_id = {currency.id: currency for currency in currencies}
        items = []
        for row in rows:
            move = moves_by_id[row["move_id"]]
            currency = currency_by_id[row["currency_id"]]
            reached = max(row["sent_level_ids"], key=offsets.get, default=None)
            days_late = (today - row["date_maturity"]).days
            items.append(
                {
                    "move": move,
                    "due_date": format_date(env, row["date_maturity"], lang_code=lang),
                    "days_late": days_late,
                    "amount": row["amount_residual_currency"],
                    "amount_label": format_amount(
                        env, row["amount_residual_currency"], currency, lang
                    ),
                    "amount_company": row["amount_residual"],
                    "currency": currency,
                    "hold": row["hold_reason"]
                    and reasons.get(row["hold_reason"], row["hold_reason"]),
                    "level": reached and levels.browse(reached).name,
                    "document": self._stored_pdf(move),
                }
            )
        customer = selection["customers"].get(partner.id) or {}
        return items, customer

    def _stored_pdf(self, move):
        """The invoice's PDF already stored (never rendered here), or empty."""
        attachment = move.invoice_pdf_report_id or move.message_main_attachment_id
        if attachment.mimetype == "application/pdf":
            return attachment
        return attachment.browse()

    def _page_values(self, partner, company, token, **values):
        items, customer = self._open_items(partner, company)
        today = fields.Date.context_today(partner)
        promise_min, promise_max = self._promise_limits(partner)
        # the reasons and replies the customer may see: the token's environment
        env = partner.env
        reasons = env["dunning.dispute.reason"].search(
            [("company_id", "in", [False, company.id])]
        )
        payable = self._payable(items)
        currencies = {item["currency"] for item in payable}
        return {
            "partner": partner,
            "company": company,
            "res_company": company,
            "token": token,
            "items": items,
            "totals": self._totals(items, partner, company),
            "pay_all": len(payable) > 1 and len(currencies) == 1,
            "pay_all_currencies": len(currencies) > 1,
            "promise_until": customer.get("promise_until"),
            "today": today,
            "promise_min": promise_min,
            "promise_max": promise_max,
            "reasons": reasons,
            "collector": partner._dunning_collector(),
            "recorded": self._recorded(env, partner, company),
            "done": values.pop("done", None),
            "error": values.pop("error", None),
            "form": values.pop("form", None) or {},
            "page_name": "dunning_statement",
            **values,
        }

    def _recorded(self, env, partner, company):
        """What the customer told us that is still open (declared payments
        holding invoices, the promise, the disputes), as lines to show;
        ``env`` is the page's."""
        today = fields.Date.context_today(partner)
        lang = partner.lang or company.partner_id.lang
        lines = []
        declarations = env["dunning.payment.declaration"].search(
            [
                ("partner_id", "=", partner.id),
                ("company_id", "=", company.id),
                ("state", "=", "open"),
                ("hold_until", ">=", today),
            ]
        )
        for declaration in declarations:
            lines.append(
                request.env._(
                    "Payment of %(amount)s on %(date)s declared for %(invoices)s.",
                    amount=format_amount(
                        env, declaration.amount, declaration.currency_id, lang
                    ),
                    date=format_date(env, declaration.payment_date, lang_code=lang),
                    invoices=", ".join(declaration.move_ids.mapped("name")),
                )
            )
        promise = env["dunning.promise"]._dunning_open_duplicates(
            {"partner_id": partner.id, "company_id": company.id}
        )
        if promise:
            lines.append(
                request.env._(
                    "Payment of %(amount)s promised by %(date)s.",
                    amount=promise._amount_label(),
                    date=format_date(env, promise.date, lang_code=lang),
                )
            )
        disputes = env["dunning.dispute"].search(
            [
                ("partner_id", "=", partner.id),
                ("company_id", "=", company.id),
                ("state", "=", "open"),
            ]
        )
        for dispute in disputes:
            lines.append(
                request.env._(
                    "%(invoice)s disputed (%(reason)s): %(note)s",
                    invoice=dispute.move_id.name,
                    reason=dispute.reason_id.name,
                    note=dispute.note or "",
                )
            )
        return lines

    def _promise_limits(self, partner):
        """(first, last) date the customer may promise to pay by: from
        tomorrow to the scenario's limit."""
        today = fields.Date.context_today(partner)
        scenario = partner._dunning_scenario()
        max_days = scenario.promise_max_days if scenario else DEFAULT_PROMISE_DAYS
        return today + timedelta(days=1), today + timedelta(days=max(max_days, 1))

    def _totals(self, items, partner, company):
        lang = partner.lang or company.partner_id.lang
        totals = {}
        for item in items:
            totals[item["currency"]] = (
                totals.get(item["currency"], 0.0) + item["amount"]
            )
        return [
            format_amount(request.env, amount, currency, lang)
            for currency, amount in sorted(totals.items(), key=lambda kv: kv[0].name)
        ]

    def _render_page(self, partner, company, token, **values):
        return request.render(
            "account_dunning_advanced.dunning_portal_page",
            self._page_values(partner, company, token, **values),
        )

    @http.route(
        "/dunning/customer/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
        sitemap=False,
    )
    def customer_page(self, token, done=None, reply=None, **kwargs):
        """The page; ``reply`` (paid, promise, dispute) opens that form."""
        partner, company = self._customer(token)
        if not partner:
            return self._invalid()
        self._register_visit(partner, company)
        return self._render_page(
            partner,
            company,
            token,
            done=done if done in DONE_MESSAGES else None,
            form={"form": reply} if reply in DONE_MESSAGES else None,
        )

    def _register_visit(self, partner, company):
        # the visit counts as the customer's response: the token's environment
        Response = partner.env["dunning.response"]
        recent = Response.search_count(
            [
                ("partner_id", "=", partner.id),
                ("company_id", "=", company.id),
                ("kind", "=", "portal_visit"),
                ("date", ">=", fields.Datetime.now() - VISIT_INTERVAL),
            ],
            limit=1,
        )
        if not recent:
            self._register(partner, company, "portal_visit")

    # ------------------------------------------------------------------
    # Documents and payment
    # ------------------------------------------------------------------
    def _payable(self, items):
        """The items the customer may pay online: not held back (dispute,
        declared payment...)."""
        return [item for item in items if not item["hold"]]

    def _own_item(self, items, move_id):
        """The open item of invoice ``move_id`` on the page, else None: an id
        of another customer or company is unknown here."""
        try:
            move_id = int(move_id)
        except (TypeError, ValueError):
            return None
        return next((item for item in items if item["move"].id == move_id), None)

    @http.route(
        "/dunning/customer/<string:token>/document/<int:move_id>",
        type="http",
        auth="public",
        methods=["GET"],
        sitemap=False,
    )
    def customer_document(self, token, move_id, **kwargs):
        partner, company = self._customer(token)
        if not partner:
            return self._invalid()
        items, _customer = self._open_items(partner, company)
        item = self._own_item(items, move_id)
        if not item or not item["document"]:
            return request.not_found()
        # the customer's own stored invoice, found among the page's items (read
        # in the token's environment)
        stream = request.env["ir.binary"]._get_stream_from(item["document"])
        return stream.get_response(as_attachment=True)

    @http.route(
        "/dunning/customer/<string:token>/pay",
        type="http",
        auth="public",
        methods=["GET"],
        sitemap=False,
    )
    def customer_pay(self, token, move_id=None, **kwargs):
        """To Odoo's payment page: the invoice's own page for one invoice,
        Odoo's payment link for all of them (one currency)."""
        partner, company = self._customer(token)
        if not partner:
            return self._invalid()
        items, _customer = self._open_items(partner, company)
        payable = self._payable(items)
        if move_id is not None:
            item = self._own_item(items, move_id)
            if not item:
                return self._render_page(
                    partner,
                    company,
                    token,
                    error=request.env._("This invoice is not open on this page."),
                )
            # Odoo's own "Pay Now" of the invoice list
            url = item["move"].get_portal_url(
                anchor="portal_pay", query_string="&payment=True"
            )
            targets = [item]
        else:
            if not payable or len({item["currency"] for item in payable}) != 1:
                return self._render_page(
                    partner,
                    company,
                    token,
                    error=request.env._(
                        "The invoices are in several currencies: pay them one by one."
                    ),
                )
            url = self._payment_link(partner, company, payable, token)
            targets = payable
        self._register(
            partner,
            company,
            "payment",
            note=request.env._(
                "Online payment started: %(invoices)s",
                invoices=", ".join(item["move"].name for item in targets),
            ),
        )
        return request.redirect(url)

    def _payment_link(self, partner, company, items, token):
        """Odoo's payment form (as ``payment.link.wizard`` links to it) for
        the total of ``items``, all in one currency; ``dunning_token`` makes
        the form create the transaction through our route, linked to the
        invoices (see ``controllers/payment.py``)."""
        currency = items[0]["currency"]
        amount = currency.round(sum(item["amount"] for item in items))
        params = {
            "reference": ", ".join(item["move"].name for item in items),
            "amount": amount,
            "currency_id": currency.id,
            "partner_id": partner.id,
            "company_id": company.id,
            "access_token": payment_utils.generate_access_token(
                partner.id, amount, currency.id
            ),
            "dunning_token": token,
        }
        return f"/payment/pay?{urlencode(params)}"

    # ------------------------------------------------------------------
    # The customer's replies
    # ------------------------------------------------------------------
    def _reply(self, token, action, done, kwargs):
        """Check the token, run ``action(partner, company, items, kwargs)``
        in a savepoint, back to the page: ``done``, "already" when the action
        found the reply already recorded (a form sent twice) and saved
        nothing, or the error and nothing saved."""
        partner, company = self._customer(token)
        if not partner:
            return self._invalid()
        items, _customer = self._open_items(partner, company)
        try:
            with request.env.cr.savepoint():
                created = action(partner, company, items, kwargs)
        except PortalInputError as error:
            form = {
                key: value for key, value in kwargs.items() if isinstance(value, str)
            }
            return self._render_page(
                partner, company, token, error=str(error), form=form
            )
        done = done if created else "already"
        return request.redirect(f"/dunning/customer/{token}?done={done}")

    @http.route(
        "/dunning/customer/<string:token>/paid",
        type="http",
        auth="public",
        methods=["POST"],
        sitemap=False,
    )
    def customer_paid(self, token, **kwargs):
        return self._reply(token, self._declare_paid, "paid", kwargs)

    @http.route(
        "/dunning/customer/<string:token>/promise",
        type="http",
        auth="public",
        methods=["POST"],
        sitemap=False,
    )
    def customer_promise(self, token, **kwargs):
        return self._reply(token, self._promise, "promise", kwargs)

    @http.route(
        "/dunning/customer/<string:token>/dispute",
        type="http",
        auth="public",
        methods=["POST"],
        sitemap=False,
    )
    def customer_dispute(self, token, **kwargs):
        return self._reply(token, self._dispute, "dispute", kwargs)

    def _declare_paid(self, partner, company, items, kwargs):
        selected = request.httprequest.form.getlist("move_ids")
        chosen = [self._own_item(items, move_id) for move_id in selected]
        if not chosen or None in chosen:
            raise PortalInputError(request.env._("Choose the invoices you have paid."))
        if len({item["currency"] for item in chosen}) != 1:
            raise PortalInputError(
                request.env._(
                    "Declare the payments of invoices in different currencies apart."
                )
            )
        payment_date = self._parse_date(_text(kwargs, "payment_date"))
        if payment_date > fields.Date.context_today(partner):
            raise PortalInputError(
                request.env._("The payment date cannot be in the future.")
            )
        amount = self._parse_amount(_text(kwargs, "amount"))
        proof = self._upload(kwargs.get("proof"))
        reference = _text(kwargs, "reference").strip()[:200]
        currency = chosen[0]["currency"]
        moves = request.env["account.move"].union(*(item["move"] for item in chosen))
        # the customer's page records for them: the token's environment
        env = partner.env
        declaration, created = env["dunning.payment.declaration"]._dunning_create_once(
            {
                "partner_id": partner.id,
                "company_id": company.id,
                "move_ids": [(6, 0, moves.ids)],
                "payment_date": payment_date,
                "amount": amount,
                "currency_id": currency.id,
                "reference": reference,
            }
        )
        if not created:
            return False
        if proof:
            declaration.attachment_ids = env["ir.attachment"].create(
                {
                    "name": proof[0],
                    "raw": proof[1],
                    "res_model": declaration._name,
                    "res_id": declaration.id,
                    "mimetype": proof[2],
                }
            )
        summary = request.env._(
            "%(customer)s declares %(amount)s paid on %(date)s (reference "
            "%(reference)s) for %(invoices)s: not reminded until %(until)s "
            "unless reconciled before.",
            customer=partner.name,
            amount=format_amount(env, amount, currency),
            date=format_date(env, payment_date),
            reference=reference or "-",
            invoices=", ".join(moves.mapped("name")),
            until=format_date(env, declaration.hold_until),
        )
        self._log(
            partner, company, request.env._("Payment declared by the customer"), summary
        )
        self._register(
            partner,
            company,
            "already_paid",
            declaration,
            note=", ".join(moves.mapped("name")),
        )
        return True

    def _promise(self, partner, company, items, kwargs):
        # the customer's page records for them: the token's environment
        env = partner.env
        # sent again: its invoices are now held back by the promise itself
        if env["dunning.promise"]._dunning_open_duplicates(
            {"partner_id": partner.id, "company_id": company.id}
        ):
            return False
        first, last = self._promise_limits(partner)
        promised = self._parse_date(_text(kwargs, "promise_date"))
        if not first <= promised <= last:
            raise PortalInputError(
                request.env._(
                    "Choose a date between %(first)s and %(last)s.",
                    first=format_date(request.env, first),
                    last=format_date(request.env, last),
                )
            )
        remindable = [item for item in items if not item["hold"]]
        if not remindable:
            raise PortalInputError(
                request.env._("Nothing is left to pay on this page.")
            )
        note = _text(kwargs, "note").strip()[:2000]
        # dunning.promise registers the response itself, from this source
        promise, created = (
            env["dunning.promise"]
            .with_company(company)
            .with_context(dunning_response_source="portal")
            ._dunning_create_once(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "date": promised,
                    "amount": company.currency_id.round(
                        sum(item["amount_company"] for item in remindable)
                    ),
                    "user_id": False,
                    "note": request.env._(
                        "Proposed by the customer online. %(note)s", note=note
                    ),
                }
            )
        )
        if not created:
            return False
        self._log(
            partner,
            company,
            request.env._("Payment date proposed by the customer"),
            request.env._(
                "%(customer)s proposes to pay %(amount)s by %(date)s. %(note)s",
                customer=partner.name,
                amount=promise._amount_label(),
                date=format_date(env, promised),
                note=note,
            ),
            post=False,
        )
        return True

    def _dispute(self, partner, company, items, kwargs):
        item = self._own_item(items, kwargs.get("move_id"))
        if not item:
            raise PortalInputError(request.env._("Choose the invoice you dispute."))
        # the customer's page records for them: the token's environment
        env = partner.env
        reason_id = _text(kwargs, "reason_id")
        reason = env["dunning.dispute.reason"].browse(
            int(reason_id) if reason_id.isdigit() else []
        )
        reason = reason.exists()
        if not reason or reason.company_id not in (company, reason.company_id.browse()):
            raise PortalInputError(request.env._("Choose the reason of the dispute."))
        note = _text(kwargs, "note").strip()[:2000]
        if not note:
            raise PortalInputError(
                request.env._("Tell us what is wrong with the invoice.")
            )
        document = self._upload(kwargs.get("attachment"))
        dispute, created = (
            env["dunning.dispute"]
            .with_company(company)
            .with_context(dunning_response_source="portal")
            ._dunning_create_once(
                {
                    "move_id": item["move"].id,
                    "reason_id": reason.id,
                    "note": note,
                    "user_id": partner._dunning_collector().id,
                }
            )
        )
        if not created:
            return False
        dispute.message_post(
            body=Markup("<p>%s</p>")
            % request.env._("Opened by the customer online: %(note)s", note=note),
            author_id=partner.id,
            attachments=[document[:2]] if document else [],
        )
        self._log(
            partner,
            company,
            request.env._("Invoice disputed by the customer"),
            request.env._(
                "%(customer)s disputes %(invoice)s (%(reason)s): %(note)s",
                customer=partner.name,
                invoice=item["move"].name,
                reason=reason.name,
                note=note,
            ),
        )
        return True

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _parse_date(self, value):
        try:
            day = fields.Date.to_date(value)
        except (TypeError, ValueError):
            day = None
        if day:
            return day
        raise PortalInputError(request.env._("Enter a valid date."))

    def _parse_amount(self, value):
        try:
            amount = float((value or "").replace(",", ".").replace(" ", ""))
        except ValueError:
            amount = 0.0
        if not amount > 0 or amount != amount or amount == float("inf"):
            raise PortalInputError(request.env._("Enter the amount paid, a number."))
        return amount

    def _upload(self, upload):
        """(file name, content, mimetype) of an uploaded file, or None. The
        type is what the content is, whatever its name says."""
        if not upload or not getattr(upload, "filename", None):
            return None
        data = upload.read(MAX_ATTACHMENT_BYTES + 1)
        if len(data) > MAX_ATTACHMENT_BYTES:
            raise PortalInputError(
                request.env._("The file is too large (10 MB at most).")
            )
        if not data:
            return None
        mimetype = guess_mimetype(data, default="")
        if mimetype not in ATTACHMENT_MIMETYPES:
            raise PortalInputError(
                request.env._("Send a PDF or an image (PNG or JPEG) as the file.")
            )
        # the name says the type too: Odoo types a stored file by its name
        name = upload.filename[:200]
        if mimetypes.guess_type(name)[0] != mimetype:
            name += mimetypes.guess_extension(mimetype)
        return name, data, mimetype

    def _log(self, partner, company, summary, note, post=True):
        """A dunning note on the customer and an activity for its collector.
        ``note`` holds what the customer typed: plain text, escaped there."""
        # the customer's page logs for the collector, behind the token
        customer = partner.with_company(company)
        if post:
            customer._dunning_post(note)
        customer._dunning_schedule_collector_activity(summary, note)

    def _register(self, partner, company, kind, record=None, note=None):
        # the customer's response to the reminder, behind the token
        partner.env["dunning.response"]._dunning_register(
            [
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "kind": kind,
                    "source": "portal",
                    "res_model": record._name if record else False,
                    "res_id": record.id if record else False,
                    "note": note or False,
                }
            ]
        )
