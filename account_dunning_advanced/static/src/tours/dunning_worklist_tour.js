/** @odoo-module */

import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("account_dunning_advanced_worklist", {
    url: "/odoo/action-account_dunning_advanced.dunning_worklist_action",
    steps: () => [
        {
            content: "My customers are listed in the worklist",
            trigger: ".o_facet_value:contains(My Customers)",
        },
        {
            content: "Open the customer's dunning page",
            trigger:
                ".o_list_view .o_data_row td[name='partner_id']:contains(Tour Customer SA)",
            run: "click",
        },
        {
            content: "Log the call",
            trigger: ".o_form_view button[name='action_log_call']",
            run: "click",
        },
        {
            content: "The customer promises to pay",
            trigger:
                ".modal .o_field_widget[name='outcome'] input[data-value='reached_promise']",
            run: "click",
        },
        {
            content: "Promised amount",
            trigger: ".modal .o_field_widget[name='promise_amount'] input",
            run: "edit 700",
        },
        {
            content: "Confirm the outcome",
            trigger: ".modal button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The promise holds the reminders back",
            trigger:
                ".o_form_view div[name='promise_banner']:contains(reminders held back until)",
        },
        {
            content: "The promise is listed on the page",
            trigger: ".o_form_view .o_notebook a:contains(Promises)",
            run: "click",
        },
        {
            trigger:
                ".o_form_view .o_field_widget[name='promise_ids'] .o_data_row:contains(Open)",
        },
    ],
});
