# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
from datetime import timedelta
from urllib.parse import quote

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.osv import expression

_logger = logging.getLogger(__name__)

# A bank account the SEPA QR code accepts (BNP Paribas' published example).
DEMO_IBAN = "FR76 3000 4000 0312 3456 7890 143"
DEMO_BIC = "BNPAFRPPXXX"

# Paid history of the demo customers: (customer, amount, currency, days ago
# of the invoice, of its due date, of its payment). Some paid on time, some
# late after reminders, so that every report has months of figures. The US
# customers are the second company's (DEMO_US_CUSTOMERS), the others the
# French company's.
DEMO_HISTORY = [
    ("demo_partner_martin", 1800.0, "EUR", 170, 140, 141),
    ("demo_partner_martin", 2100.0, "EUR", 120, 90, 92),
    ("demo_partner_martin", 950.0, "EUR", 80, 50, 47),
    ("demo_partner_martin", 1300.0, "EUR", 92, 62, 50),
    ("demo_partner_dubois", 3200.0, "EUR", 160, 130, 112),
    ("demo_partner_dubois", 1400.0, "EUR", 100, 70, 64),
    ("demo_partner_dubois", 720.0, "EUR", 82, 52, 40),
    ("demo_partner_lefevre", 2750.0, "EUR", 175, 145, 96),
    ("demo_partner_lefevre", 980.0, "EUR", 130, 100, 74),
    ("demo_partner_grandcompte", 12500.0, "EUR", 150, 120, 104),
    ("demo_partner_grandcompte", 9800.0, "EUR", 95, 65, 63),
    ("demo_partner_petit", 249.0, "EUR", 110, 80, 79),
    ("demo_partner_smith", 5400.0, "USD", 165, 135, 118),
    ("demo_partner_smith", 4200.0, "USD", 105, 75, 60),
    ("demo_partner_harper", 1650.0, "EUR", 140, 110, 103),
    ("demo_partner_harper", 860.0, "EUR", 122, 92, 80),
    ("demo_partner_rousseau", 2300.0, "EUR", 125, 95, 88),
    ("demo_partner_rousseau", 1250.0, "EUR", 162, 132, 120),
    ("demo_partner_moreau", 3900.0, "EUR", 145, 115, 116),
    ("demo_partner_moreau", 2200.0, "EUR", 112, 82, 70),
    ("demo_partner_moreau", 1500.0, "EUR", 92, 62, 50),
    ("demo_partner_pacific", 6200.0, "USD", 152, 122, 108),
    ("demo_partner_pacific", 3100.0, "USD", 102, 72, 60),
    ("demo_partner_golden", 4500.0, "USD", 132, 102, 90),
    ("demo_partner_golden", 2800.0, "USD", 82, 52, 40),
]
DEMO_US_CUSTOMERS = ("demo_partner_pacific", "demo_partner_golden")
# Days ago of the daily runs replayed over that history (the last ones bring
# today's run to several levels).
DEMO_HISTORY_RUNS = [135, 125, 115, 105, 95, 85, 75, 65, 55, 45, 25, 12]
# The customers of the standard scenario whose history reaches its friendly
# level, the level of the demo's A/B test: both variants get some of them.
DEMO_VARIANT_CUSTOMERS = (
    "demo_partner_martin",
    "demo_partner_dubois",
    "demo_partner_harper",
    "demo_partner_rousseau",
    "demo_partner_moreau",
    "demo_partner_pacific",
    "demo_partner_golden",
)
# The scenarios for businesses: French B2B late-payment penalties (art.
# L.441-10 of the Code de commerce) in a company established in France.
DEMO_B2B_SCENARIOS = (
    "dunning_scenario_standard",
    "dunning_scenario_key_account",
    "dunning_scenario_chronic",
    "dunning_scenario_export",
)
USD_PER_EUR = 1.08


class DunningDemo(models.AbstractModel):
    """Demo data that XML cannot express: the French language, the French
    company's chart of accounts, IBAN and payment provider, and months of
    invoices, reminders and payments replayed in order, relative to the day the
    demo is installed, in both companies."""

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
        # Odoo loads a module's translations after its demo data, and the
        # language installed above only those of the modules installed
        # already: the history replayed below renders its reminders in French
        # only once this addon's terms (templates, reminder views) are loaded.
        self.env["ir.module.module"]._get(
            "account_dunning_advanced"
        )._update_translations(codes)
        return True

    @api.model
    def _demo_variant_template_body(self):
        """The A/B variant's template says what the friendly reminder says,
        in every installed language: the shipped friendly template's body and
        its translations, copied (not a second copy of the text), so that it
        is edited in Odoo's template editor like the others."""
        direct = self.env.ref(
            "account_dunning_advanced.demo_mail_template_friendly_direct",
            raise_if_not_found=False,
        )
        if not direct:
            return True
        friendly = self.env.ref(
            "account_dunning_advanced.mail_template_dunning_friendly"
        )
        bodies = {
            code: friendly.with_context(lang=code).body_html
            for code, _name in self.env["res.lang"].get_installed()
        }
        direct.with_context(lang="en_US").write(
            {"body_html": friendly.with_context(lang="en_US").body_html}
        )
        bodies.pop("en_US", None)
        if bodies:
            direct.update_field_translations("body_html", bodies)
        return True

    @api.model
    def _demo_french_company(self):
        """The demo's main company, in France and in euros: a chart of
        accounts (the French one when l10n_fr_account is installed, else the
        generic one), the administrator working in it, Odoo's demo payment
        provider when payment_demo is installed. The second company is Odoo's
        own demo company, in the United States and in dollars."""
        company = self.env.ref("account_dunning_advanced.demo_company_fr")
        eur = self.env.ref("base.EUR")
        if not company.chart_template:
            modules = self.env["ir.module.module"].search(
                [("name", "=", "l10n_fr_account"), ("state", "=", "installed")]
            )
            self.env["account.chart.template"].try_loading(
                "fr" if modules else "generic_coa", company, install_demo=False
            )
        # the generic chart is American: books in euros, taxes of France
        company.write(
            {"currency_id": eur.id, "account_fiscal_country_id": company.country_id.id}
        )
        if "siret" in company.partner_id._fields:  # l10n_fr
            company.partner_id.siret = company.company_registry
        usd = self.env.ref("base.USD")
        if not self.env["res.currency.rate"].search_count(
            [("company_id", "=", company.id), ("currency_id", "=", usd.id)]
        ):
            self.env["res.currency.rate"].create(
                {
                    "name": fields.Date.context_today(self) - timedelta(days=365),
                    "currency_id": usd.id,
                    "company_id": company.id,
                    "rate": USD_PER_EUR,
                }
            )
        us_company = self.env.ref("base.main_company")
        admin = self.env.ref("base.user_admin")
        admin.write(
            {
                "company_ids": [Command.link(company.id), Command.link(us_company.id)],
                "company_id": company.id,
            }
        )
        self._demo_payment_provider(company)
        return True

    @api.model
    def _demo_payment_provider(self, company):
        """Odoo's demo provider (payment_demo, test mode) in ``company`` too,
        published: the customers pay their reminders online."""
        demo = self.env.ref("payment.payment_provider_demo", raise_if_not_found=False)
        if not demo or demo.code != "demo":  # payment_demo is not installed
            return self.env["payment.provider"]
        provider = self.env["payment.provider"].search(
            [("code", "=", "demo"), ("company_id", "=", company.id)], limit=1
        )
        if not provider:
            provider = demo.copy({"company_id": company.id, "name": demo.name})
        provider.write(
            {
                "state": "test",
                "is_published": True,
                "payment_method_ids": [Command.set(demo.payment_method_ids.ids)],
            }
        )
        provider.payment_method_ids.active = True
        return provider

    @api.model
    def _demo_legal_regime(self):
        """The scenarios for businesses claim the French B2B penalties: they
        apply to the French company's reminders only."""
        for xmlid in DEMO_B2B_SCENARIOS:
            self.env.ref(
                f"account_dunning_advanced.{xmlid}"
            ).legal_regime = "french_b2b"
        return True

    @api.model
    def _demo_variant_arms(self):
        """Variants are drawn by hashing (customer, level, variant) ids, which
        differ from one database to the next: with a few customers, one arm
        may get them all. Until both arms have some of the demo's customers
        (one in 64 databases), the last variant is made again (a new id, a new
        draw), before any reminder used it."""
        level = self.env.ref("account_dunning_advanced.dunning_level_standard_friendly")
        Variant = self.env["dunning.level.variant"]
        partners = [
            self.env.ref(f"account_dunning_advanced.{xmlid}").id
            for xmlid in DEMO_VARIANT_CUSTOMERS
        ]
        for _attempt in range(20):
            variants = Variant.search([("level_id", "=", level.id)])
            assigned = Variant._dunning_assign([(p, level.id) for p in partners])
            if set(assigned.values()) >= set(variants):
                break
            last = variants[-1]
            again = last.copy({"name": last.name})
            self.env["ir.model.data"].search(
                [("model", "=", last._name), ("res_id", "=", last.id)]
            ).write({"res_id": again.id})
            last.unlink()
        return True

    @api.model
    def _demo_company_bank(self):
        """The French company's first bank account becomes a valid IBAN, so
        the reminders of euro invoices carry a SEPA payment QR code."""
        company = self.env.ref("account_dunning_advanced.demo_company_fr")
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
        """Create the paid history and replay, day by day, the runs of both
        companies and the payments, so reminders precede the payments they
        obtained."""
        companies = {
            "fr": self.env.ref("account_dunning_advanced.demo_company_fr"),
            "us": self.env.ref("base.main_company"),
        }
        today = fields.Date.context_today(self)
        currencies = {
            c.name: c
            for c in self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "in", ["EUR", "USD"])])
        }
        invoices = self.env["account.move"]
        for key, company in companies.items():
            rows = [
                row
                for row in DEMO_HISTORY
                if (row[0] in DEMO_US_CUSTOMERS) == (key == "us")
            ]
            invoices |= (
                self.env["account.move"]
                .with_company(company)
                .create(
                    [
                        {
                            "move_type": "out_invoice",
                            "company_id": company.id,
                            "partner_id": self.env.ref(
                                f"account_dunning_advanced.{xmlid}"
                            ).id,
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
                        for xmlid, amount, currency, invoice_ago, due_ago, _paid in rows
                    ]
                )
            )
        invoices.action_post()
        self._demo_name_records(invoices, "demo_history_invoice")
        paid_ago = {
            invoice: row[5]
            for invoice, row in zip(
                invoices,
                [r for r in DEMO_HISTORY if r[0] not in DEMO_US_CUSTOMERS]
                + [r for r in DEMO_HISTORY if r[0] in DEMO_US_CUSTOMERS],
                strict=True,
            )
        }
        events = [(ago, 1, "run", None) for ago in DEMO_HISTORY_RUNS]
        events += [(ago, 0, "pay", invoice) for invoice, ago in paid_ago.items()]
        Run = self.env["dunning.run"]
        payments = self.env["account.payment"]
        for ago, _order, kind, invoice in sorted(
            events, key=lambda e: (-e[0], e[1], e[3] and e[3].id)
        ):
            day = today - timedelta(days=ago)
            if kind == "pay":
                wizard = (
                    self.env["account.payment.register"]
                    .with_company(invoice.company_id)
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
            for company in companies.values():
                run = Run.with_company(company)._run_company(
                    company, day, "scheduled", dry_run=False
                )
                # As if the mail queue of that day had delivered them: history
                # is not sent again today.
                comms = run.communication_ids
                comms.mail_id.write({"state": "sent"})
                self.env["dunning.channel.email"]._feedback_sent(
                    comms.filtered("mail_id")
                )
                comms._dunning_mark_sent()
        self._demo_name_records(payments, "demo_history_payment")
        partials = invoices.line_ids.matched_credit_ids
        self._demo_name_records(partials.exchange_move_id, "demo_history_exchange")
        # Risk scores and typologies as the weekly job leaves them.
        self.env["dunning.partner.score"]._cron_recompute()
        self.env["dunning.partner.score"]._cron_rescore_queued()
        return True

    @api.model
    def _demo_rebase_links(self, base_url):
        """The stored documents of the demo (emails kept after sending, their
        unsubscribe header, rendered letters) link to the address Odoo served
        when they were made (``web.base.url``): ./setup/demo serving another
        one calls this with it, and they are made again for it. Emails are
        rewritten (their text is final), letters rendered again."""
        params = self.env["ir.config_parameter"].sudo()
        old = (params.get_param("web.base.url") or "").rstrip("/")
        new = base_url.rstrip("/")
        if not old or old == new:
            return 0
        pairs = [(old, new), (quote(old, safe=""), quote(new, safe=""))]

        def rebase(text):
            for before, after in pairs:
                text = text.replace(before, after)
            return text

        # the reminders' emails, and the notifications of the history's
        # activities to the collectors
        domain = []
        for before, _after in pairs:
            domain = expression.OR(
                [domain, [("body_html", "like", before)], [("headers", "like", before)]]
            )
        mails = self.env["mail.mail"].search(domain)
        for mail in mails:
            body = mail.body_html or ""
            values = {}
            if any(before in body for before, _after in pairs):
                values["body_html"] = Markup(rebase(str(body)))
            if old in (mail.headers or ""):
                values["headers"] = rebase(mail.headers)
            if values:
                mail.write(values)
        params.set_param("web.base.url", new)
        letters = (
            self.env["dunning.communication"]
            .with_context(active_test=False)
            .search([("letter_attachment_id", "!=", False)])
        )
        # not the stored letter again (the report reloads its attachment)
        Letter = self.env["dunning.channel.letter"].with_context(
            report_pdf_no_attachment=True
        )
        for comm in letters:
            content, _type = Letter._render_pdf(Letter._report(comm), comm.ids)
            comm.letter_attachment_id.write({"raw": content})
        _logger.info(
            "Demo: %s emails and %s letters now link to %s instead of %s",
            len(mails),
            len(letters),
            new,
            old,
        )
        return len(mails) + len(letters)
