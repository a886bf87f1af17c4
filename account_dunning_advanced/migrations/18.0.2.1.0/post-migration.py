# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Each scenario's late-payment regime from its own company's country.

The new ``legal_regime`` column was filled with one default for every row (the
main company's). Scenarios of a French company keep the French B2B regime the
addon applied to everyone before; those of other companies get none; shared
scenarios keep French B2B when a French company uses the database (the planner
applies it only to French companies)."""

from openupgradelib import openupgrade


@openupgrade.migrate()
def migrate(env, version):
    openupgrade.logged_query(
        env.cr,
        """
        UPDATE dunning_scenario s
           SET legal_regime = CASE
               WHEN s.company_id IS NOT NULL THEN
                   CASE WHEN EXISTS (
                       SELECT 1 FROM res_company c
                         JOIN res_partner p ON p.id = c.partner_id
                         JOIN res_country k
                           ON k.id = COALESCE(p.country_id, c.account_fiscal_country_id)
                        WHERE c.id = s.company_id AND k.code = 'FR')
                   THEN 'french_b2b' ELSE 'none' END
               ELSE
                   CASE WHEN EXISTS (
                       SELECT 1 FROM res_company c
                         JOIN res_partner p ON p.id = c.partner_id
                         JOIN res_country k
                           ON k.id = COALESCE(p.country_id, c.account_fiscal_country_id)
                        WHERE k.code = 'FR')
                   THEN 'french_b2b' ELSE 'none' END
               END
         WHERE s.legal_regime IS DISTINCT FROM 'generic'
        """,
    )
