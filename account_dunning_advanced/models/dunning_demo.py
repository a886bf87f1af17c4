# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import Command, api, fields, models

# A bank account the SEPA QR code accepts (BNP Paribas' published example).
DEMO_IBAN = "FR76 3000 4000 0312 3456 7890 143"
DEMO_BIC = "BNPAFRPPXXX"

# Paid history of the demo customers: (customer, amount, currency, days ago
# of the invoice, of its due date, of its payment). Some paid on time, some
# late after reminders, so that every report has months of figures.
DEMO_HISTORY = [
    ("demo_partner_martin", 1800.0, "EUR", 170, 140, 141),
    ("demo_partner_martin", 2100.0, "EUR", 120, 90, 92),
    ("demo_partner_martin", 950.0, "EUR", 80, 50, 47),
    ("demo_partner_dubois", 3200.0, "EUR", 160, 130, 112),
    ("demo_partner_dubois", 1400.0, "EUR", 100, 70, 64),
    ("demo_partner_lefevre", 2750.0, "EUR", 175, 145, 96),
    ("demo_partner_lefevre", 980.0, "EUR", 130, 100, 74),
    ("demo_partner_grandcompte", 12500.0, "EUR", 150, 120, 104),
    ("demo_partner_grandcompte", 9800.0, "EUR", 95, 65, 63),
    ("demo_partner_petit", 249.0, "EUR", 110, 80, 79),
    ("demo_partner_smith", 5400.0, "USD", 165, 135, 118),
    ("demo_partner_smith", 4200.0, "USD", 105, 75, 60),
    ("demo_partner_harper", 1650.0, "EUR", 140, 110, 103),
    ("demo_partner_rousseau", 2300.0, "EUR", 125, 95, 88),
    ("demo_partner_moreau", 3900.0, "EUR", 145, 115, 116),
]
# Days ago of the daily runs replayed over that history (the last ones bring
# today's run to several levels).
DEMO_HISTORY_RUNS = [135, 125, 115, 105, 95, 85, 75, 65, 55, 45, 25, 12]


class DunningDemo(models.AbstractModel):
    """Demo data that XML cannot express: the French language, the company's
    IBAN, and months of invoices, reminders and payments replayed in order,
    relative to the day the demo is installed."""

    _name = "dunning.demo"
    _description = "Dunning Demo Data"

    @api.model
    def _demo_install_languages(self, codes):
        langs = (
            self.env["res.lang"]
            .with_context(active_test=False)
            .search([("code", "in", codes), ("active", "=", False)])
        )
        if langs:
            self.env["base.language.install"].create(
                {"lang_ids": [Command.set(langs.ids)]}
            ).lang_install()
        return True

    @api.model
    def _demo_company_bank(self):
        """The main company's first bank account becomes a valid IBAN, so the
        reminders of euro invoices carry a SEPA payment QR code."""
        company = self.env.ref("base.main_company")
        partner = company.partner_id
        bank = self.env["res.bank"].search([("bic", "=", DEMO_BIC)], limit=1)
        bank = bank or self.env["res.bank"].create(
            {"name": "BNP Paribas", "bic": DEMO_BIC}
        )
        vals = {"acc_number": DEMO_IBAN, "bank_id": bank.id, "allow_out_payment": True}
        account = partner.bank_ids[:1]
        if account:
            account.write(vals)
        else:
            account = self.env["res.partner.bank"].create(
                {**vals, "partner_id": partner.id}
            )
        return account

    @api.model
    def _demo_name_records(self, records, prefix):
        """External ids in this module, so that uninstalling it removes these
        records like the ones of the demo XML (before the customers)."""
        self.env["ir.model.data"].create(
            [
                {
                    "module": "account_dunning_advanced",
                    "name": f"{prefix}_{index}",
                    "model": record._name,
                    "res_id": record.id,
                    "noupdate": True,
                }
                for index, record in enumerate(records, 1)
            ]
        )

    @api.model
    def _demo_history(self):
        """Create the paid history and replay, day by day, the runs and the
        payments, so reminders precede the payments they obtained."""
        company = self.env.ref("base.main_company")
        today = fields.Date.context_today(self)
        currencies = {
            c.name: c
            for c in self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "in", ["EUR", "USD"])])
        }
        invoices = self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "company_id": company.id,
                    "partner_id": self.env.ref(f"account_dunning_advanced.{xmlid}").id,
                    "currency_id": currencies[currency].id,
                    "invoice_date": today - timedelta(days=invoice_ago),
                    "invoice_date_due": today - timedelta(days=due_ago),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Services",
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
                for xmlid, amount, currency, invoice_ago, due_ago, _paid in DEMO_HISTORY
            ]
        )
        invoices.action_post()
        self._demo_name_records(invoices, "demo_history_invoice")
        events = [(ago, 1, "run", None) for ago in DEMO_HISTORY_RUNS]
        events += [
            (row[5], 0, "pay", invoice)
            for row, invoice in zip(DEMO_HISTORY, invoices, strict=True)
        ]
        Run = self.env["dunning.run"]
        payments = self.env["account.payment"]
        for ago, _order, kind, invoice in sorted(events, key=lambda e: (-e[0], e[1])):
            day = today - timedelta(days=ago)
            if kind == "pay":
                wizard = (
                    self.env["account.payment.register"]
                    .with_context(active_model="account.move", active_ids=invoice.ids)
                    .create({"payment_date": day})
                )
                action = wizard.action_create_payments()  # one invoice, one payment
                payments |= payments.browse(action["res_id"])
                # not left for the vacuum: it would hold the customer back
                # from an uninstallation
                wizard.unlink()
                continue
            while day.weekday() >= 5:
                day -= timedelta(days=1)
            run = Run._run_company(company, day, "scheduled", dry_run=False)
            # As if the mail queue of that day had delivered them: history is
            # not sent again today.
            comms = run.communication_ids
            comms.mail_id.write({"state": "sent"})
            self.env["dunning.channel.email"]._feedback_sent(comms.filtered("mail_id"))
            comms._dunning_mark_sent()
        self._demo_name_records(payments, "demo_history_payment")
        partials = invoices.line_ids.matched_credit_ids
        self._demo_name_records(partials.exchange_move_id, "demo_history_exchange")
        # Risk scores and typologies as the weekly job leaves them.
        self.env["dunning.partner.score"]._cron_recompute()
        self.env["dunning.partner.score"]._cron_rescore_queued()
        return True
