# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import Command, fields

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import as_job


class DunningReportingCommon(AccountTestInvoicingCommon):
    """Invoices without tax nor payment term, so every figure is the amount
    typed here; payments registered at chosen dates; reminders created
    directly, as the engine would have left them once sent."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        # a scenario is made with its levels (it always has one)
        cls.scenario = cls.env["dunning.scenario"].create(
            {
                "name": "Standard",
                "company_id": cls.company.id,
                "level_ids": [
                    Command.create(
                        {
                            "name": "First reminder",
                            "offset_days": 5,
                            "channel_email": True,
                        }
                    ),
                    Command.create(
                        {
                            "name": "Formal notice",
                            "offset_days": 20,
                            "channel_email": True,
                            "channel_letter": True,
                        }
                    ),
                ],
            }
        )
        cls.level_1, cls.level_2 = cls.scenario.level_ids.sorted("offset_days")

    @classmethod
    def _customer(cls, name, **vals):
        return cls.env["res.partner"].create({"name": name, "is_company": True, **vals})

    @classmethod
    def _invoice(cls, partner, amount, invoice_date, due_date, move_type="out_invoice"):
        move = cls.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "invoice_date": invoice_date,
                "invoice_date_due": due_date,
                "invoice_payment_term_id": False,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Service",
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [],
                        }
                    )
                ],
            }
        )
        move.action_post()
        return move

    @classmethod
    def _pay(cls, invoice, amount, date):
        cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"amount": amount, "payment_date": date})._create_payments()

    @classmethod
    def _remind(cls, invoices, date, level=None, state="sent", **vals):
        level = level or cls.level_1
        items = invoices.line_ids.filtered(lambda ln: ln.display_type == "payment_term")
        Communication = as_job(cls.env["dunning.communication"])
        return Communication.create(
            {
                "date": date,
                "company_id": cls.company.id,
                "partner_id": invoices.commercial_partner_id.id,
                "level_id": level.id,
                "channel_email": level.channel_email,
                "channel_letter": level.channel_letter,
                "state": state,
                "sent_datetime": fields.Datetime.to_datetime(date),
                "line_ids": [
                    Command.create(
                        {
                            "move_line_id": item.id,
                            "move_id": item.move_id.id,
                            "level_id": level.id,
                            "date_maturity": item.date_maturity,
                            "currency_id": item.currency_id.id,
                            "company_currency_id": item.company_currency_id.id,
                            "amount_residual": item.amount_residual,
                            "amount_residual_currency": item.amount_residual_currency,
                        }
                    )
                    for item in items
                ],
                **vals,
            }
        )

    def _score(self, partner):
        return self.env["dunning.partner.score"].search(
            [("partner_id", "=", partner.id), ("company_id", "=", self.company.id)]
        )
