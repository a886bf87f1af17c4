/** @odoo-module */

import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("account_dunning_advanced_einvoice_review", {
    url: "/odoo/action-account_dunning_advanced.dunning_einvoice_message_action",
    steps: () => [
        {
            content: "Open the message that matched no invoice",
            trigger: ".o_list_view .o_data_row td:contains(INV/1999/0042)",
            run: "click",
        },
        {
            content: "It says why it waits",
            trigger: ".o_form_view .alert:contains(No posted customer invoice)",
        },
        {
            content: "Pick the invoice",
            trigger: ".o_form_view .o_field_widget[name='move_id'] input",
            run: "edit INV/2026/00001",
        },
        {
            content: "Choose it in the list",
            trigger: ".o-autocomplete--dropdown-item:contains(INV/2026/00001)",
            run: "click",
        },
        {
            content: "Apply the message to it",
            trigger: ".o_form_view button[name='action_apply']",
            run: "click",
        },
        {
            content: "The message is applied",
            trigger:
                ".o_form_view:not(:has(button[name='action_apply'])) .o_statusbar_status button.o_arrow_button_current:contains(Applied)",
        },
    ],
});
