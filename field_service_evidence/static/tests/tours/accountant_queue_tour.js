/** @odoo-module **/

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// An accountant with Invoicing rights only posts the concession agreed on a dispute, from the
// Invoicing menu and without typing a URL, then sees the invoice's amount due drop.
// The test (tests/test_accountant_queue.py) builds the dispute: 610.50 invoiced to partner_a,
// 150.00 agreed in the Proposal stage.
registry.category("web_tour.tours").add("fse_accountant_queue_tour", {
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open Invoicing",
            trigger: ".o_app[data-menu-xmlid='account.menu_finance']",
            run: "click",
        },
        {
            content: "The accountant has a Disputes menu",
            trigger: ".o_main_navbar [data-menu-xmlid='field_service_evidence.menu_dispute']",
        },
        {
            content: "Click 1: Customers",
            trigger: ".o_main_navbar [data-menu-xmlid='account.menu_finance_receivables']",
            run: "click",
        },
        {
            content: "Click 2: Concessions to post",
            trigger: ".dropdown-item[data-menu-xmlid='field_service_evidence.menu_concessions_to_post']",
            run: "click",
        },
        {
            content: "The dispute waits with its customer, the amount due and the agreed concession",
            trigger:
                ".o_list_view .o_data_row:has(td[name='partner_id']:contains('partner_a')):has(td[name='invoice_residual']:contains('610.50')):has(td[name='concession_to_post_amount']:contains('150.00'))",
        },
        {
            content: "Click 3: Post",
            trigger: ".o_data_row button[name='action_post_concession']",
            run: "click",
        },
        {
            content: "The concession is prefilled with the agreed amount",
            trigger: ".modal .o_field_widget[name='amount_total']:contains('150.00')",
        },
        {
            content: "Click 4: Post it",
            trigger: ".modal-footer button[name='action_post']",
            run: "click",
        },
        {
            content: "Nothing is left to post",
            trigger: "body:not(:has(.modal)) .o_action:has(.o_view_nocontent):contains('No concession to post')",
        },
        {
            content: "Customers",
            trigger: ".o_main_navbar [data-menu-xmlid='account.menu_finance_receivables']",
            run: "click",
        },
        {
            content: "Invoices",
            trigger: ".dropdown-item[data-menu-xmlid='account.menu_action_move_out_invoice_type']",
            run: "click",
        },
        {
            content: "Open the disputed invoice",
            trigger: ".o_list_view .o_data_row:contains('partner_a') td[name='name']",
            run: "click",
        },
        {
            content: "Its amount due dropped by the concession: 610.50 - 150.00",
            trigger: ".o_form_view .o_field_widget[name='amount_residual']:contains('460.50')",
        },
    ],
});
