# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from werkzeug.exceptions import NotFound

from odoo.exceptions import ValidationError
from odoo.http import request, route

from odoo.addons.account_payment.controllers import payment as account_payment

from .portal import DunningCustomerPortal


class DunningPaymentPortal(account_payment.PaymentPortal):
    """ "Pay all" of the customer's page: Odoo's payment form, whose
    transaction is created by our route and linked to the invoices, as
    account_payment does for one invoice (``/invoice/transaction/<id>``) or
    the overdue ones of a logged-in user: once the payment is confirmed,
    Odoo's post-processing reconciles it with them."""

    def _dunning_customer(self, token):
        """(customer, company, portal) of a valid page token, else NotFound."""
        portal = DunningCustomerPortal()
        partner, company = portal._customer(token)
        if not partner:
            raise NotFound()
        return partner, company, portal

    def _get_extra_payment_form_values(self, dunning_token=None, **kwargs):
        values = super()._get_extra_payment_form_values(**kwargs)
        if dunning_token:
            self._dunning_customer(dunning_token)
            page = f"/dunning/customer/{dunning_token}"
            values.update(
                {"transaction_route": f"{page}/transaction", "landing_route": page}
            )
        return values

    @route("/dunning/customer/<string:token>/transaction", type="json", auth="public")
    def dunning_pay_all_transaction(self, token, access_token=None, **kwargs):
        """Create the draft transaction of "Pay all" and return its processing
        values. The invoices and the amount are those of the page now, never
        the client's: the open invoices of the token's customer and company
        that are not held back, in one currency."""
        try:
            partner, company, portal = self._dunning_customer(token)
        except NotFound:
            raise ValidationError(
                request.env._("This link is invalid or has expired.")
            ) from None
        items, _customer = portal._open_items(partner, company)
        payable = portal._payable(items)
        currencies = {item["currency"] for item in payable}
        if not payable:
            raise ValidationError(request.env._("Nothing is left to pay on this page."))
        if len(currencies) != 1:
            raise ValidationError(
                request.env._(
                    "The invoices are in several currencies: pay them one by one."
                )
            )
        currency = payable[0]["currency"]
        amount = currency.round(sum(item["amount"] for item in payable))
        try:
            asked = float(kwargs.get("amount"))
        except (TypeError, ValueError):
            asked = None
        if asked is None or currency.compare_amounts(asked, amount):
            raise ValidationError(
                request.env._(
                    "The amount due has changed since you opened the page: reload it."
                )
            )
        # the portal behind its token: the visitor is public, the token's
        # customer and company bound the providers and invoices read here
        env = request.env(su=True)
        token_id = self._cast_as_int(kwargs.get("token_id"))
        if token_id:
            provider = env["payment.token"].browse(token_id).exists().provider_id
        else:
            provider_id = self._cast_as_int(kwargs.get("provider_id"))
            provider = env["payment.provider"].browse(provider_id or []).exists()
        if provider.company_id != company:
            raise ValidationError(
                request.env._("This payment method is not available.")
            )
        self._validate_transaction_kwargs(kwargs)
        kwargs.update(amount=amount, landing_route=f"/dunning/customer/{token}")
        invoices = env["account.move"].browse({item["move"].id for item in payable})
        return self._process_transaction(
            partner.id, currency.id, invoices.ids, False, **kwargs
        )
