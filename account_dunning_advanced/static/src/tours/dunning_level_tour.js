/** @odoo-module */

import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("account_dunning_advanced_level_preview", {
    url: "/odoo/action-account_dunning_advanced.dunning_scenario_action",
    steps: () => [
        {
            content: "Open the scenario",
            trigger: ".o_list_view .o_data_row td:contains(Tour Scenario)",
            run: "click",
        },
        {
            content: "Open its friendly level",
            trigger:
                ".o_field_widget[name='level_ids'] .o_data_row td:contains(Tour Friendly)",
            run: "click",
        },
        {
            content: "The level shows the email template it uses",
            trigger:
                ".modal .o_field_widget[name='mail_template_used_id']:contains(Friendly)",
        },
        {
            content: "Rename the level",
            trigger: ".modal .o_field_widget[name='name'] input",
            run: "edit Tour Friendly Reminder",
        },
        {
            content: "Preview its email",
            trigger: ".modal button[name='action_preview_email']",
            run: "click",
        },
        {
            content: "The preview is titled and shows the rendered email",
            trigger: ".modal .modal-title:contains(Preview)",
        },
        {
            content: "Choose the customer to preview for",
            trigger: ".modal .o_field_widget[name='partner_id'] input",
            run: "edit Level Customer",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains(Level Customer SA)",
            run: "click",
        },
        {
            content: "Render the email for that customer",
            trigger: ".modal button[name='action_preview']",
            run: "click",
        },
        {
            content: "The email is rendered for the customer with its invoice",
            trigger:
                ".modal .o_field_widget[name='body_html']:contains(Level Customer SA):contains(INV/)",
        },
        {
            content: "Close the preview",
            trigger: ".modal .modal-footer button:contains(Close)",
            run: "click",
        },
        {
            content: "The renamed level is saved",
            trigger:
                ".o_field_widget[name='level_ids'] .o_data_row td:contains(Tour Friendly Reminder)",
        },
    ],
});
