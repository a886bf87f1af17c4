/** @odoo-module */

import {registry} from "@web/core/registry";

// The customer opens the link of a reminder email and pays all his open
// invoices with Odoo's demo payment provider (payment_demo, test mode). The
// test checks afterwards that the invoices are paid.
registry.category("web_tour.tours").add("account_dunning_advanced_pay_all_demo", {
    steps: () => [
        {
            content: "The customer's page lists both open invoices",
            trigger: ".o_dunning_statement tfoot:contains('1,500.00')",
        },
        {
            content: "Pay all open invoices",
            trigger: "a.o_dunning_pay_all",
            run: "click",
        },
        {
            content: "Odoo's payment page for the total",
            trigger: "#o_payment_form",
        },
        {
            content: "Choose the demo payment provider",
            trigger: 'input[name="o_payment_radio"][data-payment-method-code="demo"]',
            run: "click",
        },
        {
            content: "Enter test card details",
            trigger: 'input[name="customer_input"]',
            run: "edit 4242424242424242",
        },
        {
            content: "Pay",
            trigger: 'button[name="o_payment_submit_button"]:enabled',
            run: "click",
        },
        {
            content: "Back on the customer's page: nothing is due any more",
            trigger: ".o_dunning_portal .o_dunning_nothing",
            timeout: 30000,
        },
    ],
});
