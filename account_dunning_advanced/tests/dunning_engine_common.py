# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date, timedelta
from unittest.mock import patch

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import as_job

# A Wednesday: the Standard levels -3/+5/+15/+30 fall on weekdays or are moved.
DUE = date(2026, 3, 18)


class DunningEngineCommon(AccountTestInvoicingCommon):
    """The company follows the default "Standard" scenario of the addon; its
    customers are companies with an email and a postal address."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.standard = cls.env.ref("account_dunning_advanced.dunning_scenario_standard")
        cls.company.dunning_scenario_id = cls.standard
        cls.level = {lv.tone: lv for lv in cls.standard.level_ids.sorted("offset_days")}
        cls.customer = cls._customer("Durand SA")
        cls.other_customer = cls._customer("Martin SARL")

    @classmethod
    def _three_overdue_customers(cls, due):
        """Three customers, each with one invoice due on ``due``, on every
        calendar day (the runs of these tests are not held by weekends)."""
        cls.standard.business_days_only = False
        cls.third_customer = cls._customer("Petit SAS")
        cls.customers = cls.customer | cls.other_customer | cls.third_customer
        for customer in cls.customers:
            cls._invoice(customer, due)

    @classmethod
    def _customer(cls, name, **values):
        return cls.env["res.partner"].create(
            {
                "name": name,
                "is_company": True,
                "email": f"{name.split()[0].lower()}@example.com",
                "street": "1 rue de la Paix",
                "zip": "75002",
                "city": "Paris",
                "country_id": cls.env.ref("base.fr").id,
                **values,
            }
        )

    @classmethod
    def _invoice(cls, partner, due, amount=1000.0, currency=None, company=None, **kw):
        company = company or cls.company
        invoice = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "invoice_date": due - timedelta(days=30),
                    "invoice_date_due": due,
                    "currency_id": (currency or company.currency_id).id,
                    "invoice_line_ids": [
                        (
                            0,
                            0,
                            {
                                "name": "Consulting",
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [],
                            },
                        )
                    ],
                    **kw,
                }
            )
        )
        invoice.action_post()
        return invoice

    def _run(self, day, company=None, **kwargs):
        return as_job(self.env["dunning.run"])._run_company(
            company or self.company, day, "manual", dry_run=False, **kwargs
        )

    def _comms(self, partner=None):
        domain = [("partner_id", "=", (partner or self.customer).id)]
        return self.env["dunning.communication"].search(domain, order="date, id")

    def _logs(self, run, reason=None):
        logs = run.log_ids
        return logs.filtered(lambda log: log.reason == reason) if reason else logs

    def _crash_on_second_batch(self, call):
        """Run ``call()`` while the worker dies (MemoryError, as when killed) as
        it starts its second batch of customers; True when it died. Not
        assertRaises: it would roll back what the first batch committed."""
        run_class = type(self.env["dunning.run"])
        original = run_class._process_batch
        calls = {"count": 0}

        def batch_then_crash(run, *args, **kwargs):
            calls["count"] += 1
            if calls["count"] == 2:
                raise MemoryError("worker killed")
            return original(run, *args, **kwargs)

        with patch.object(run_class, "_process_batch", batch_then_crash):
            try:
                call()
            except MemoryError:
                return True
        return False
