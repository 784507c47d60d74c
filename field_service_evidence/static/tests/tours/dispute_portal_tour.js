/** @odoo-module **/

import { registry } from "@web/core/registry";

// A portal customer disputes a line of their invoice from its portal page.
registry.category("web_tour.tours").add("fse_dispute_portal_tour", {
    url: "/my/invoices",
    steps: () => [
        {
            content: "Open the invoice",
            trigger: ".o_portal_my_doc_table a[href^='/my/invoices/']:first",
            run: "click",
        },
        {
            content: "Dispute the invoice from its portal page",
            trigger: "a.o_dispute_invoice_btn",
            run: "click",
        },
        {
            content: "Say what is wrong",
            trigger: "textarea[name='statement']",
            run: "edit The second capacitor was never replaced.",
        },
        {
            content: "Tick the first line not disputed yet",
            trigger: ".o_dispute_form_lines .o_dispute_line_open:first input[type='checkbox']",
            run: "check",
        },
        {
            content: "Give the reason for that line",
            trigger: ".o_dispute_form_lines .o_dispute_line_open:first input[name^='reason_']",
            run: "edit Not replaced",
        },
        {
            content: "Submit the dispute",
            trigger: "button.o_dispute_submit",
            run: "click",
        },
        {
            content: "The dispute page shows its reference and the statement",
            trigger: ".o_dispute_name:contains('DSP/')",
        },
        {
            content: "The statement is the customer's",
            trigger: ".o_dispute_statement:contains('never replaced')",
        },
    ],
});
