# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import as_job, create_dunning_users

TODAY = date(2026, 3, 20)


class DunningDispatchCommon(AccountTestInvoicingCommon):
    """A French company (EUR) reminding a French customer and an English
    customer of invoices in EUR and USD."""

    @classmethod
    @AccountTestInvoicingCommon.setup_country("fr")
    @AccountTestInvoicingCommon.setup_chart_template("generic_coa")
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.usd = cls.setup_other_currency("USD")
        cls.company = cls.company_data["company"]
        cls.company.write(
            {
                "name": "Lumière SAS",
                "street": "12 rue de la Paix",
                "zip": "69002",
                "city": "Lyon",
                "dunning_email": "relances@lumiere.example",
            }
        )
        bank = cls.env["res.bank"].create({"name": "BNP Paribas", "bic": "BNPAFRPPXXX"})
        cls.bank_account = cls.env["res.partner.bank"].create(
            {
                "acc_number": "FR7630004000031234567890143",
                "partner_id": cls.company.partner_id.id,
                "bank_id": bank.id,
            }
        )
        cls.collector, cls.manager = create_dunning_users(cls.env, cls.company)
        cls.collector.write(
            {"email": "colette@lumiere.example", "phone": "+33 4 78 00 00 00"}
        )
        address = {
            "street": "5 avenue Foch",
            "zip": "75016",
            "city": "Paris",
            "country_id": cls.env.ref("base.fr").id,
        }
        cls.customer_fr = cls.env["res.partner"].create(
            dict(
                address,
                name="Dupont SARL",
                is_company=True,
                lang="fr_FR",
                email="compta@dupont.example",
                mobile="+33 6 12 34 56 78",
            )
        )
        cls.customer_en = cls.env["res.partner"].create(
            dict(
                address,
                name="Smith Ltd",
                is_company=True,
                lang="en_US",
                email="ap@smith.example",
                mobile="+44 7700 900123",
                country_id=cls.env.ref("base.uk").id,
                city="London",
                zip="SW1A 1AA",
            )
        )
        for customer in cls.customer_fr | cls.customer_en:
            customer.with_company(cls.company).dunning_collector_id = cls.collector
        cls.scenario = cls.env["dunning.scenario"].create(
            {
                "name": "Standard",
                "company_id": cls.company.id,
                "level_ids": [
                    (0, 0, {"name": "Courtesy", "offset_days": -5, "tone": "courtesy"}),
                    (0, 0, {"name": "Friendly", "offset_days": 10, "tone": "friendly"}),
                    (
                        0,
                        0,
                        {
                            "name": "Formal",
                            "offset_days": 30,
                            "tone": "formal",
                            "include_penalties": True,
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "name": "Final notice",
                            "offset_days": 45,
                            "tone": "final",
                            "include_penalties": True,
                        },
                    ),
                ],
            }
        )
        cls.levels = {lv.tone: lv for lv in cls.scenario.level_ids}
        cls.invoices = {}
        for customer in cls.customer_fr | cls.customer_en:
            cls.invoices[customer] = cls._dunning_invoice(
                customer, "2026-01-10", "2026-02-09", 1234.56, cls.company.currency_id
            ) + cls._dunning_invoice(
                customer, "2026-02-05", "2026-03-07", 2500.0, cls.usd
            )
        cls._sequence = 0

    @classmethod
    def _dunning_invoice(cls, partner, invoice_date, due_date, amount, currency):
        invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": invoice_date,
                "invoice_date_due": due_date,
                "currency_id": currency.id,
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Lighting design",
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [],
                        },
                    )
                ],
            }
        )
        invoice.action_post()
        return invoice

    @classmethod
    def _communication(cls, partner, tone, moves=None, penalties=False, **values):
        """A reminder as the engine creates it, with its frozen lines; with
        ``penalties``, each late item's penalties as the run computes them
        (the planner's terms and figures, in company and invoice currency)."""
        cls._sequence += 1
        level = cls.levels[tone]
        moves = moves if moves is not None else cls.invoices[partner]
        items = moves.line_ids.filtered(lambda ln: ln.display_type == "payment_term")
        figures = cls._penalty_figures(items) if penalties else {}
        vals = {
            "name": f"REM/2026/{cls._sequence:04d}",
            "date": TODAY,
            "company_id": cls.company.id,
            "partner_id": partner.id,
            "contact_id": partner._dunning_contact().id,
            "collector_id": cls.collector.id,
            "lang": partner.lang,
            "level_id": level.id,
            "tone": tone,
            "channel_email": True,
            "amount_due": sum(items.mapped("amount_residual")),
            "line_ids": [
                (
                    0,
                    0,
                    {
                        "move_line_id": item.id,
                        "move_id": item.move_id.id,
                        "level_id": level.id,
                        "date_maturity": item.date_maturity,
                        "days_late": (TODAY - item.date_maturity).days,
                        "currency_id": item.currency_id.id,
                        "company_currency_id": item.company_currency_id.id,
                        "amount_residual_currency": item.amount_residual_currency,
                        "amount_residual": item.amount_residual,
                        **figures.get(item, {}),
                    },
                )
                for item in items
            ],
        }
        if penalties:
            terms = cls.env["dunning.planner"]._penalty_terms(
                {"company": cls.company}, cls.scenario
            )
            vals.update(
                penalty_rate=terms["rate"],
                legal_regime=terms["regime"],
                penalty_interest=sum(f["penalty_interest"] for f in figures.values()),
                penalty_indemnity=sum(f["penalty_indemnity"] for f in figures.values()),
            )
        vals.update(values)
        return as_job(cls.env["dunning.communication"]).create(vals)

    @classmethod
    def _penalty_figures(cls, items):
        """{item: penalty figures} of the late ``items`` on TODAY, by the
        planner's own ``_penalties`` (the fixed indemnity once per invoice,
        never again once a reminder charged it)."""
        planner = cls.env["dunning.planner"]
        context = {
            "company": cls.company,
            "date": TODAY,
            "precision": cls.company.currency_id.rounding,
        }
        terms = planner._penalty_terms(context, cls.scenario)
        charged_before = (
            as_job(cls.env["dunning.communication.line"])
            .search([("move_id", "in", items.move_id.ids)])
            .filtered(lambda ln: ln.penalty_indemnity > 0)
            .move_id
        )
        charged, figures = set(), {}
        for item in items.sorted(lambda it: (it.date_maturity, it.id)):
            days_late = (TODAY - item.date_maturity).days
            if days_late <= 0:
                continue
            row = {
                "move_id": item.move_id.id,
                "currency_id": item.currency_id.id,
                "amount_residual": item.amount_residual,
                "amount_residual_currency": item.amount_residual_currency,
                "indemnity_charged": item.move_id in charged_before,
            }
            figures[item] = planner._penalties(context, terms, row, days_late, charged)
        return figures
