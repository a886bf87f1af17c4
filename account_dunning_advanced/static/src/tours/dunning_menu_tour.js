/** @odoo-module */

import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("account_dunning_advanced_menu", {
    url: "/odoo/action-account_dunning_advanced.dunning_communication_action",
    steps: () => [
        {
            content: "The reminders list opens from the Dunning menu",
            trigger: ".o_breadcrumb .text-truncate:contains(Reminders)",
        },
        {
            content: "Open the Dunning menu",
            trigger:
                ".o_menu_sections button:contains(Dunning), .o_menu_sections a:contains(Dunning)",
            run: "click",
        },
        {
            content: "Open the runs",
            trigger: ".dropdown-item:contains(Runs)",
            run: "click",
        },
        {
            content: "The runs list is shown",
            trigger: ".o_breadcrumb .text-truncate:contains(Dunning Runs)",
        },
    ],
});
