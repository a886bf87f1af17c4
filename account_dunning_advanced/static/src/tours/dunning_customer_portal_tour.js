/** @odoo-module */

import {registry} from "@web/core/registry";

// The customer's page of a reminder, as the (anonymous) customer. The test
// opens it with a valid token and checks the records afterwards.

function isoDay(offsetDays) {
    const day = new Date(Date.now() + offsetDays * 86400000);
    const pad = (n) => String(n).padStart(2, "0");
    return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
}

function attachFile(input, name) {
    const transfer = new DataTransfer();
    transfer.items.add(new File(["%PDF-1.4 proof"], name, {type: "application/pdf"}));
    input.files = transfer.files;
}

const statementSteps = () => [
    {
        content: "The statement lists the customer's open invoices",
        trigger: "h3:contains(Statement of Durand SA)",
    },
    {
        content: "with their amounts in the invoice currency",
        trigger: ".o_dunning_statement tbody tr:first td:contains('1,000.00')",
    },
    {
        content: "the reminder level they reached",
        trigger:
            ".o_dunning_statement .o_dunning_stage:contains(Reminder sent: Friendly)",
    },
    {
        content: "and the stored PDF of the invoice",
        trigger: ".o_dunning_statement tbody tr:first a.o_dunning_document",
    },
];

registry.category("web_tour.tours").add("account_dunning_advanced_portal_paid", {
    steps: () => [
        ...statementSteps(),
        {
            content: "Open 'I have already paid'",
            trigger: "details.o_dunning_paid summary",
            run: "click",
        },
        {
            content: "Choose the first invoice",
            trigger: ".o_dunning_paid input[name=move_ids]:first",
            run: "click",
        },
        {
            content: "Payment date",
            trigger: ".o_dunning_paid input[name=payment_date]",
            run() {
                this.anchor.value = isoDay(-2);
            },
        },
        {
            content: "Amount paid",
            trigger: ".o_dunning_paid input[name=amount]",
            run: "edit 1000",
        },
        {
            content: "Reference of the transfer",
            trigger: ".o_dunning_paid input[name=reference]",
            run: "edit VIR-2026-42",
        },
        {
            content: "Proof of payment",
            trigger: ".o_dunning_paid input[name=proof]",
            run() {
                attachFile(this.anchor, "transfer.pdf");
            },
        },
        {
            content: "Send",
            trigger: ".o_dunning_paid button[name=submit_paid]",
            run: "click",
        },
        {
            content: "The payment is acknowledged",
            trigger: ".o_dunning_done:contains(recorded your payment)",
        },
        {
            content: "and the invoice is on hold",
            trigger:
                ".o_dunning_statement tbody tr:first .o_dunning_stage:contains(Declared paid)",
        },
    ],
});

registry.category("web_tour.tours").add("account_dunning_advanced_portal_promise", {
    steps: () => [
        ...statementSteps(),
        {
            content: "Open 'I will pay on a later date'",
            trigger: "details.o_dunning_promise summary",
            run: "click",
        },
        {
            content: "Promised date",
            trigger: ".o_dunning_promise input[name=promise_date]",
            run() {
                this.anchor.value = isoDay(10);
            },
        },
        {
            content: "A message",
            trigger: ".o_dunning_promise input[name=note]",
            run: "edit Paid with the end-of-month run",
        },
        {
            content: "Send",
            trigger: ".o_dunning_promise button[name=submit_promise]",
            run: "click",
        },
        {
            content: "The promise is acknowledged",
            trigger: ".o_dunning_done:contains(recorded the date you proposed)",
        },
        {
            content: "and the reminders are paused",
            trigger: ".alert-info:contains(You promised to pay)",
        },
    ],
});

registry.category("web_tour.tours").add("account_dunning_advanced_portal_dispute", {
    steps: () => [
        ...statementSteps(),
        {
            content: "Open 'I dispute an invoice'",
            trigger: "details.o_dunning_dispute summary",
            run: "click",
        },
        {
            content: "The first invoice",
            trigger: ".o_dunning_dispute select[name=move_id]",
            run() {
                this.anchor.selectedIndex = 1;
            },
        },
        {
            content: "The reason",
            trigger: ".o_dunning_dispute select[name=reason_id]",
            run() {
                const option = [...this.anchor.options].find(
                    (opt) => opt.text === "Quality issue"
                );
                this.anchor.value = option.value;
            },
        },
        {
            content: "What is wrong",
            trigger: ".o_dunning_dispute textarea[name=note]",
            run: "edit Two of the ten chairs arrived broken",
        },
        {
            content: "A photo of the damage",
            trigger: ".o_dunning_dispute input[name=attachment]",
            run() {
                attachFile(this.anchor, "damage.pdf");
            },
        },
        {
            content: "Send",
            trigger: ".o_dunning_dispute button[name=submit_dispute]",
            run: "click",
        },
        {
            content: "The dispute is acknowledged",
            trigger: ".o_dunning_done:contains(received your dispute)",
        },
        {
            content: "and the invoice is on hold",
            trigger:
                ".o_dunning_statement tbody tr:first .o_dunning_stage:contains(Invoice disputed)",
        },
    ],
});

registry.category("web_tour.tours").add("account_dunning_advanced_portal_pay_all", {
    steps: () => [
        ...statementSteps(),
        {
            content: "Pay all open invoices",
            trigger: "a.o_dunning_pay_all",
            run: "click",
        },
        {
            content: "Odoo's payment page for the total, with the payment methods",
            trigger: "#o_payment_form",
        },
        {
            content: "for the amount due",
            trigger: "main:contains('1,500.00')",
        },
    ],
});
