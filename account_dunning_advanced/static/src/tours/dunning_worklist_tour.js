/** @odoo-module */

import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("account_dunning_advanced_worklist", {
    url: "/odoo/action-account_dunning_advanced.dunning_worklist_action",
    steps: () => [
        {
            content: "Every overdue customer is listed, with why it is not reminded",
            trigger: ".o_list_view th[data-name='hold_reason']",
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
            content: "The call dialog is titled",
            trigger: ".modal .modal-title:contains(Log Call Outcome)",
        },
        {
            content: "The customer did not answer",
            trigger:
                ".modal .o_field_widget[name='outcome'] input[data-value='not_reached']",
            run: "click",
        },
        {
            content: "Confirm the call",
            trigger: ".modal button[name='action_confirm']",
            run: "click",
        },
        {
            content: "Back on the customer, who calls back and promises to pay",
            trigger: ".o_form_view:not(:has(.modal)) button[name='action_promise']",
            run: "click",
        },
        {
            content: "The dialog says what it records",
            trigger: ".modal .modal-title:contains(Promise to Pay)",
        },
        {
            content: "Promised amount",
            trigger: ".modal .o_field_widget[name='promise_amount'] input",
            run: "edit 700",
        },
        {
            content: "Confirm the promise",
            trigger: ".modal button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The promise holds the reminders back",
            trigger:
                ".o_form_view div[name='promise_banner']:contains(reminders held back until)",
        },
        {
            content: "The customer shows why it is not reminded",
            trigger:
                ".o_form_view .o_field_widget[name='hold_reason']:contains(Promise to pay)",
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
