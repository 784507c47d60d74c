/** @odoo-module **/

import { registry } from "@web/core/registry";
import { openTab, saveForm } from "@field_service_evidence/../tests/tours/tour_steps";

// A dispute owner opens the demo invoice the customer disputes, opens a dispute on two of
// its lines, logs the call, accepts the recommendation and resolves the dispute with a root
// cause. The test (tests/test_dispute_tour.py) starts the tour on the invoice and checks
// what was saved.
const LINES = ".o_notebook .tab-pane.active div[name='line_ids']";
const CALLS = ".o_notebook .tab-pane.active div[name='call_ids']";

function saveDispute(content) {
    return saveForm(content, "Wait for the dispute to be saved");
}

registry.category("web_tour.tours").add("fse_dispute_owner_tour", {
    steps: () => [
        {
            content: "The posted invoice is open",
            trigger: ".o_form_view .o_form_saved div[name='state'] .o_arrow_button_current:contains(Posted)",
        },
        {
            content: "The customer disputes it: open a dispute",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_open_dispute']",
            run: "click",
        },
        {
            content: "The new dispute holds the invoice's three product lines",
            trigger: `${LINES} .o_data_row:eq(2)`,
        },
        {
            content: "The customer accepts the labour: remove its line",
            trigger: `${LINES} .o_data_row:contains(Plumbing labour) .o_list_record_remove`,
            run: "click",
        },
        {
            content: "Two lines are left",
            trigger: `${LINES}:not(:has(.o_data_row:eq(2))) .o_data_row:eq(1)`,
        },
        {
            content: "Write what the customer says",
            trigger: ".o_form_view div[name='statement'] textarea",
            run: "edit The heating element was not needed, the diagnostic visit should have found it.",
        },
        ...saveDispute("Save the dispute"),
        {
            content: "The call is still to be made",
            trigger: ".o_form_view button[name='action_open_calls']:contains(0)",
        },
        ...openTab("walkthrough", "Open the Walkthrough tab: the script and the call log"),
        {
            content: "Log a call",
            trigger: `${CALLS} .o_field_x2many_list_row_add a:contains("Log call")`,
            run: "click",
        },
        {
            content: "How long the call lasted",
            trigger: `${CALLS} .o_selected_row div[name='duration'] input`,
            run: "edit 12",
        },
        {
            content: "The customer agreed",
            trigger: `${CALLS} .o_selected_row div[name='outcome'] select`,
            run: "selectByLabel Customer agreed",
        },
        {
            content: "What was said",
            trigger: `${CALLS} .o_selected_row div[name='notes'] textarea`,
            run: "edit Walked the customer through the readings and the signed authorisation.",
        },
        ...saveDispute("Save the dispute with its call"),
        {
            content: "The call is logged",
            trigger: ".o_form_view button[name='action_open_calls']:contains(1)",
        },
        {
            content: "Accept the recommendation",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_accept_recommendation']",
            run: "click",
        },
        {
            content: "The recommendation is accepted",
            trigger: ".o_form_view .o_form_saved .o-mail-Message:contains(Recommendation accepted)",
        },
        ...openTab("resolution", "Open the Resolution tab"),
        {
            content: "Pick the root cause",
            trigger: ".o_form_view div[name='root_cause_id'] input",
            run: "edit Customer misunderstanding",
        },
        {
            content: "Choose Customer misunderstanding",
            trigger: ".o-autocomplete--dropdown-menu .dropdown-item:contains(Customer misunderstanding)",
            run: "click",
        },
        ...saveDispute("Save the dispute with its root cause"),
        {
            content: "Resolve the dispute",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_resolve']",
            run: "click",
        },
        {
            content: "The dispute is resolved",
            trigger:
                ".o_form_view .o_form_saved .o_statusbar_status button.o_arrow_button_current:contains(Resolved)",
        },
    ],
});
