# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Advanced Customer Dunning",
    "summary": "Automated, consolidated and polite customer payment reminders "
    "by payer typology, with scenarios, levels, penalties and reporting",
    "version": "18.0.2.0.0",
    "category": "Accounting/Accounting",
    "license": "AGPL-3",
    "author": "Account Dunning Advanced Authors",
    "website": "https://github.com/account-dunning-advanced/account-dunning-advanced",
    "development_status": "Alpha",
    "depends": [
        "account",
        "account_payment",
        "account_qr_code_sepa",
        "sms",
    ],
    "data": [
        # security
        "security/dunning_security.xml",
        "security/ir.model.access.csv",
        "security/dunning_workspace_security.xml",
        "security/dunning_reporting_security.xml",
        # data
        "data/ir_sequence_data.xml",
        "data/dunning_dispute_reason_data.xml",
        "data/ir_cron_workspace_data.xml",
        "data/ir_cron_scoring_data.xml",
        "data/mail_activity_type_data.xml",
        "data/mail_message_subtype_data.xml",
        "security/dunning_mail_message_security.xml",
        "data/mail_template_data.xml",
        "data/dunning_default_data.xml",
        "data/dunning_typology_rule_data.xml",
        "data/ir_cron_data.xml",
        # views
        "views/dunning_typology_views.xml",
        "views/dunning_scenario_views.xml",
        "views/dunning_communication_views.xml",
        "views/dunning_run_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "views/dunning_partner_score_views.xml",
        "views/dunning_typology_rule_views.xml",
        "report/dunning_effectiveness_report_views.xml",
        "report/dunning_aged_receivable_report_views.xml",
        "report/dunning_kpi_report_views.xml",
        "views/dunning_worklist_views.xml",
        "views/dunning_promise_views.xml",
        "views/dunning_dispute_views.xml",
        "views/dunning_payment_plan_views.xml",
        "views/account_move_views.xml",
        "views/dunning_approval_views.xml",
        "wizards/dunning_call_outcome_wizard_views.xml",
        "wizards/dunning_assign_collector_wizard_views.xml",
        "views/res_partner_workspace_views.xml",
        "wizards/dunning_run_wizard_views.xml",
        "wizards/dunning_send_wizard_views.xml",
        "data/ir_actions_server_data.xml",
        "views/menus.xml",
        "views/dunning_communication_dispatch_views.xml",
        "views/channel_preference_templates.xml",
        # reports
        "report/dunning_reminder_templates.xml",
        "report/dunning_letter_report.xml",
        # e-invoicing lifecycle statuses
        "security/dunning_einvoice_security.xml",
        "views/dunning_einvoice_status_views.xml",
        "wizards/dunning_einvoice_import_wizard_views.xml",
        "report/dunning_einvoice_templates.xml",
        # litigation hand-over
        "views/dunning_litigation_views.xml",
        "report/dunning_litigation_report.xml",
    ],
    "demo": [
        # before the past runs of dunning_demo.xml, which use the variants
        "demo/dunning_variant_demo.xml",
        "demo/dunning_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "account_dunning_advanced/static/src/tours/*.js",
        ],
    },
    "uninstall_hook": "uninstall_hook",
    "installable": True,
    "application": False,
}
