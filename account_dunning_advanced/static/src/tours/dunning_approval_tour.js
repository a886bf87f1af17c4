/** @odoo-module */

import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("account_dunning_advanced_approval", {
    url: "/odoo/action-account_dunning_advanced.dunning_communication_action_to_approve",
    steps: () => [
        {
            content: "Open the reminder waiting for approval",
            trigger: ".o_list_view .o_data_row td:contains(Approval Customer SA)",
            run: "click",
        },
        {
            content: "Its items cannot be edited",
            trigger:
                ".o_form_view .o_field_widget[name='line_ids'].o_readonly_modifier",
        },
        {
            content: "See the letter before approving it",
            trigger: ".o_form_view button[name='action_preview_letter']",
            run: "click",
        },
        {
            content: "The letter names the customer and the invoice",
            trigger: ":iframe .article:contains(Approval Customer SA):contains(INV/)",
        },
        {
            content: "Back to the reminder",
            trigger: ".o_breadcrumb .o_back_button",
            run: "click",
        },
        {
            content: "Approve it",
            trigger: ".o_form_view button[name='action_approve']",
            run: "click",
        },
        {
            content: "The reminder has left the approval queue",
            trigger:
                ".o_form_view .o_statusbar_status button.o_arrow_button_current:not(:contains(To Approve))",
        },
        {
            content: "Its items stay read-only",
            trigger:
                ".o_form_view:not(:has(button[name='action_approve'])) .o_field_widget[name='line_ids'].o_readonly_modifier .o_data_row",
        },
    ],
});

registry
    .category("web_tour.tours")
    .add("account_dunning_advanced_approval_after_payment", {
        url: "/odoo/action-account_dunning_advanced.dunning_communication_action_to_approve",
        steps: () => [
            {
                content: "The customer who paid has left the queue; the others wait",
                trigger:
                    ".o_list_view:not(:has(td:contains(Paying Customer SA))) .o_data_row:has(td:contains(Moot Customer SA))",
            },
            {
                content: "The waiting customer's final notice shows its amount",
                trigger:
                    ".o_data_row:has(td:contains(Waiting Customer SA)) td[name='amount_due']:contains(1,250.00)",
            },
            {
                content: "Open the reminder whose invoice was paid since the run",
                trigger: ".o_data_row td:contains(Moot Customer SA)",
                run: "click",
            },
            {
                content: "Approve it",
                trigger: ".o_form_view button[name='action_approve']",
                run: "click",
            },
            {
                content: "The manager is told why on screen",
                trigger:
                    ".o_notification:contains(Not approved):contains(Invoice in payment)",
            },
            {
                content: "The reason stays on the reminder",
                trigger: ".o_form_view .alert-warning:contains(Invoice in payment)",
            },
            {
                content: "Back to the queue",
                trigger: ".o_breadcrumb .o_back_button",
                run: "click",
            },
            {
                content: "Only the waiting customer's reminder is left: open it",
                trigger:
                    ".o_list_view:not(:has(td:contains(Moot Customer SA))) .o_data_row td:contains(Waiting Customer SA)",
                run: "click",
            },
            {
                content: "Approve it",
                trigger: ".o_form_view button[name='action_approve']",
                run: "click",
            },
            {
                content: "It has left the approval queue",
                trigger:
                    ".o_form_view .o_statusbar_status button.o_arrow_button_current:not(:contains(To Approve))",
            },
        ],
    });
