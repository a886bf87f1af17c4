/** @odoo-module */

import {registry} from "@web/core/registry";

const EDITED = "Vous pouvez aussi nous appeler au 04 78 00 00 00.";

// Started on the friendly reminder's mail template, by a user working in
// French: the editor shows and saves the French body.
registry.category("web_tour.tours").add("account_dunning_advanced_template_french", {
    steps: () => [
        {
            content: "The editor shows the French text of the reminder",
            trigger:
                ".o_field_widget[name='body_html'] .odoo-editor-editable p:contains(Sauf erreur de notre part)",
        },
        {
            content: "Rewrite a paragraph of the French text",
            trigger:
                ".o_field_widget[name='body_html'] .odoo-editor-editable p:contains(Si quelque chose empêche le paiement)",
            run: `editor ${EDITED}`,
        },
        {
            content: "Save the template",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
        {
            content: "Go to the scenarios",
            trigger: "body",
            run: "goToUrl /odoo/action-account_dunning_advanced.dunning_scenario_action",
        },
        {
            content: "Open the scenario",
            trigger: ".o_list_view .o_data_row td:contains(Template Scenario)",
            run: "click",
        },
        {
            content: "Open its friendly level",
            trigger:
                ".o_field_widget[name='level_ids'] .o_data_row td:contains(Template Friendly)",
            run: "click",
        },
        {
            content: "Preview its email",
            trigger: ".modal button[name='action_preview_email']",
            run: "click",
        },
        {
            content: "Choose the French customer",
            trigger: ".modal .o_field_widget[name='partner_id'] input",
            run: "edit Client Français",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains(Client Français SARL)",
            run: "click",
        },
        {
            trigger: ".modal button[name='action_preview']",
            run: "click",
        },
        {
            content: "The French customer's email shows the edited French text",
            trigger: `.modal .o_field_widget[name='body_html']:contains(Client Français SARL):contains(${EDITED})`,
        },
        {
            content: "Choose the English customer",
            trigger: ".modal .o_field_widget[name='partner_id'] input",
            run: "edit English Customer",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains(English Customer Ltd)",
            run: "click",
        },
        {
            trigger: ".modal button[name='action_preview']",
            run: "click",
        },
        {
            content: "The English customer's email keeps the English text",
            trigger:
                ".modal .o_field_widget[name='body_html']:contains(English Customer Ltd):contains(If anything prevents the payment)",
        },
        {
            content: "... without the French edit",
            trigger: `.modal .o_field_widget[name='body_html']:not(:contains(${EDITED}))`,
        },
        {
            content: "Close the preview",
            trigger: ".modal .modal-footer button[special='cancel']",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal .o_field_widget[name='partner_id']))",
        },
    ],
});
