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
