/** @odoo-module **/

import { registry } from "@web/core/registry";

// An accountant posts the concession agreed on a dispute in the Proposal stage as a partial
// credit note, then opens the invoice and sees its amount due drop by the concession.
// The test (tests/test_concession_tour.py) builds the dispute: 220.00 invoiced, 55.00 conceded.
registry.category("web_tour.tours").add("fse_concession_tour", {
    url: "/odoo/invoice-disputes",
    steps: () => [
        {
            content: "Open the customer's dispute",
            trigger: ".o_kanban_record:contains('Concession Tour Customer')",
            run: "click",
        },
        {
            content: "The dispute is in the Proposal stage",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Proposal')",
        },
        {
            content: "Post the agreed concession",
            trigger: ".o_form_view .o_statusbar_buttons button:contains('Post concession')",
            run: "click",
        },
        {
            content: "The conceded amount is prefilled",
            trigger: ".modal .o_field_widget[name='amount_total']:contains('55.00')",
        },
        {
            content: "Choose a partial credit note",
            trigger: ".modal .o_field_widget[name='method'] input[data-value='credit_note']",
            run: "click",
        },
        {
            content: "The write-off account is hidden for a credit note",
            trigger: ".modal:not(:has(.o_field_widget[name='account_id']))",
        },
        {
            content: "Post it",
            trigger: ".modal-footer button[name='action_post']",
            run: "click",
        },
        {
            content: "The dispute shows its concession entry",
            trigger: ".o_form_view:not(:has(.modal)) button[name='action_open_concession_moves']:contains('1')",
        },
        {
            content: "Post concession is gone: it cannot be posted twice",
            trigger: ".o_form_view .o_statusbar_buttons:not(:has(button:contains('Post concession')))",
        },
        {
            content: "Open the invoice",
            trigger: ".o_form_view button[name='action_open_invoice']",
            run: "click",
        },
        {
            content: "The amount due dropped by the concession: 220.00 - 55.00",
            trigger: ".o_form_view .o_field_widget[name='amount_residual']:contains('165.00')",
        },
    ],
});
