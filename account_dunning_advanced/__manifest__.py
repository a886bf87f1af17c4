# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Advanced Customer Dunning",
    "summary": "Automated, consolidated and polite customer payment reminders "
    "by payer typology, with scenarios, levels, penalties and reporting",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "AGPL-3",
    "author": "Account Dunning Advanced Authors",
    "website": "https://github.com/account-dunning-advanced/account-dunning-advanced",
    "development_status": "Alpha",
    "depends": [
        "account",
        "account_payment",
        "mail",
        "portal",
        "sms",
        "resource",
    ],
    "data": [
        # security
        "security/dunning_security.xml",
        "security/ir.model.access.csv",
        # data
        "data/ir_sequence_data.xml",
        # views
        "views/dunning_typology_views.xml",
        "views/dunning_scenario_views.xml",
        "views/dunning_communication_views.xml",
        "views/dunning_run_views.xml",
        "views/menus.xml",
    ],
    "demo": [],
    "assets": {
        "web.assets_tests": [
            "account_dunning_advanced/static/src/tours/*.js",
        ],
    },
    "installable": True,
    "application": False,
}
