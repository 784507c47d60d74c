/** @odoo-module **/

import { registry } from "@web/core/registry";
import { openTab, saveForm } from "@field_service_evidence/../tests/tours/tour_steps";
import { ITEMS, READINGS, fillReading, pickInRow } from "@field_service_evidence/../tests/tours/job_steps";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// A technician records a job on its form, as on a tablet on site: the complaint and
// diagnosis, a reading before the work, the part with why it is needed, the customer's
// signed authorisation, the work, a reading after it, and the job completed with a full
// service record. The Python test (tests/test_tours.py) checks what was saved.
const JOB = "Heat pump blows warm air, tour job";
const CUSTOMER = "Tour Customer Rosa Delgado";

const APPROVALS = "div[name='approval_ids']";
const DIALOG = ".modal:not(.o_inactive_modal)";

function saveJob(content) {
    return saveForm(content, "Wait for the job to be saved");
}

// A reading of the run capacitor; without a phaseLabel, the phase the job proposes is
// kept, and the saved row must show `expectedPhase`.
function addCapacitorReading(measured, phaseLabel, result, expectedPhase = phaseLabel) {
    const row = `${READINGS} .o_data_row:has([name='finding']:contains(tested at ${measured} uF))`;
    return [
        ...fillReading({
            search: "Run capacitor",
            choice: "/^Run capacitor$/",
            unit: "uF",
            component: "Condenser fan run capacitor",
            phaseLabel,
            measured,
        }),
        // Saving commits what was typed in the row (and judges the reading on the server).
        ...saveJob("Save the job with the reading"),
        {
            content: `${measured} uF against a rated 5 uF is ${result}`,
            trigger: `${row} [name='result']:contains(${result})`,
        },
        {
            content: `It was measured ${expectedPhase}`,
            trigger: `${row} [name='phase']:contains(${expectedPhase})`,
        },
    ];
}

registry.category("web_tour.tours").add("fse_service_record_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open Project",
            trigger: ".o_app[data-menu-xmlid='project.menu_main_pm']",
            run: "click",
        },
        {
            content: "Open the Field Service menu",
            trigger: ".o_main_navbar [data-menu-xmlid='field_service_evidence.menu_field_service']",
            run: "click",
        },
        {
            content: "Open the jobs",
            trigger: ".dropdown-item[data-menu-xmlid='field_service_evidence.menu_field_service_jobs']",
            run: "click",
        },
        {
            content: "The jobs board shows",
            trigger: ".o_breadcrumb .active:contains(Jobs)",
        },
        {
            content: "Create a job",
            trigger: ".o_control_panel .o-kanban-button-new",
            run: "click",
        },
        {
            content: "Name the job",
            trigger: ".o_form_view div[name='name'] textarea",
            run: `edit ${JOB}`,
        },
        {
            content: "Pick the field-service project",
            trigger: ".o_form_view div[name='project_id'] input",
            run: "edit Field Service",
        },
        {
            content: "Choose the Field Service project",
            trigger: ".o-autocomplete--dropdown-menu .dropdown-item:contains(/^Field Service$/)",
            run: "click",
        },
        {
            content: "Pick the customer",
            trigger: ".o_form_view div[name='partner_id'] input",
            run: `edit ${CUSTOMER}`,
        },
        {
            content: "Choose the customer",
            trigger: `.o-autocomplete--dropdown-menu .dropdown-item:contains(${CUSTOMER})`,
            run: "click",
        },
        {
            content: "The job is a service job: its work status shows",
            trigger: ".o_form_view div[name='service_state']:has(.o_arrow_button_current:contains(Not started))",
        },
        // The service record
        ...openTab("service_record_page", "Open the service record"),
        {
            content: "Write down the customer's complaint",
            trigger: "div[name='service_complaint'] textarea",
            run: "edit The heat pump runs but blows warm air; the outdoor fan does not turn.",
        },
        {
            content: "Write down the diagnosis",
            trigger: "div[name='service_diagnosis'] textarea",
            run: "edit The outdoor fan's run capacitor tests far below its rating: the fan cannot start.",
        },
        ...saveJob("Save the job with its service record"),
        // A reading before the work
        ...openTab("service_readings_page", "Open the readings"),
        ...addCapacitorReading("2.1", "Before work", "Out of spec"),
        // The part, justified by the reading
        ...openTab("service_work_page", "Open work and approval"),
        {
            content: "Show the justifying readings of the work items",
            trigger: `${ITEMS} .o_optional_columns_dropdown button`,
            run: "click",
        },
        {
            content: "Tick Justifying readings",
            trigger: ".o-dropdown--menu input[name='reading_ids']",
            run: "check",
        },
        {
            content: "The justifying readings column shows",
            trigger: `${ITEMS} th[data-name='reading_ids']`,
        },
        {
            content: "Add a part",
            trigger: `${ITEMS} .o_field_x2many_list_row_add a:contains(Add a part)`,
            run: "click",
        },
        // Looked up by its code, the part is proposed by its name.
        ...pickInRow(ITEMS, "product_id", "CAP-R-5", "Run capacitor 5 uF", "Pick the product"),
        {
            content: "Its description and price come from the product",
            trigger: `${ITEMS} .o_selected_row div[name='price_subtotal']:contains(185.00)`,
        },
        {
            content: "Say why the part is needed",
            trigger: `${ITEMS} .o_selected_row div[name='justification'] textarea`,
            run: "edit The capacitor tested at 2.1 uF against its rated 5 uF: the fan cannot start without a new one.",
        },
        {
            content: "Link the reading that justifies it",
            trigger: `${ITEMS} .o_selected_row div[name='reading_ids'] input`,
            run: "edit condenser fan",
        },
        {
            content: "Choose the reading before work",
            trigger: ".o-autocomplete--dropdown-menu .dropdown-item:contains(Condenser fan run capacitor)",
            run: "click",
        },
        {
            content: "The reading is linked",
            trigger: `${ITEMS} .o_selected_row div[name='reading_ids'] .o_tag:contains(Condenser fan run capacitor)`,
        },
        ...saveJob("Save the job with its part"),
        {
            content: "The part is proposed to the customer",
            trigger: `${ITEMS} .o_data_row div[name='state']:contains(Proposed)`,
        },
        // The customer's authorisation, signed on the tablet
        {
            content: "Record the customer's approval",
            trigger: `${APPROVALS} .o_field_x2many_list_row_add a:contains(Record an approval)`,
            run: "click",
        },
        {
            content: "The approver is the job's customer",
            trigger: `${DIALOG} div[name='approver_name'] input:value(${CUSTOMER})`,
        },
        {
            content: "Say what the customer approves",
            trigger: `${DIALOG} div[name='scope'] textarea`,
            run: "edit Replace the outdoor fan run capacitor, $185.00.",
        },
        {
            content: "Add the part to the approval",
            trigger: `${DIALOG} div[name='work_item_ids'] .o_field_x2many_list_row_add a`,
            run: "click",
        },
        {
            content: "Select the part",
            trigger: `${DIALOG} .o_list_view .o_data_row td:contains(Run capacitor 5 uF)`,
            run: "click",
        },
        {
            content: "The part is in the approval",
            trigger: `${DIALOG} div[name='work_item_ids'] .o_data_row td:contains(Run capacitor 5 uF)`,
        },
        {
            content: "Have the customer sign",
            trigger: `${DIALOG} div[name='signature'] .o_signature`,
            run: "click",
        },
        {
            content: "The signature is drawn from the customer's name",
            trigger: `${DIALOG} .o_web_sign_auto_button.active`,
        },
        {
            content: "Adopt the signature",
            trigger: `${DIALOG} .modal-footer button.btn-primary:contains(Adopt & Sign):enabled`,
            run: "click",
        },
        {
            content: "The approval shows the signature",
            trigger: `${DIALOG} div[name='signature'] img.o_signature`,
        },
        {
            content: "Approve",
            trigger: `${DIALOG} button[name='action_approve']`,
            run: "click",
        },
        {
            content: "The approval is approved",
            trigger: `${DIALOG} .o_statusbar_status button.o_arrow_button_current:contains(Approved)`,
        },
        {
            content: "Close the approval",
            trigger: `${DIALOG} .modal-footer .o_form_button_save`,
            run: "click",
        },
        {
            content: "The approval is listed as approved",
            trigger: `${APPROVALS} .o_data_row div[name='state']:contains(Approved)`,
        },
        // The work
        {
            content: "Start work",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_start_work']",
            run: "click",
        },
        {
            content: "The work is in progress",
            trigger: ".o_form_view .o_form_saved div[name='service_state']:has(.o_arrow_button_current:contains(Work in progress))",
        },
        {
            content: "Mark the part done",
            trigger: `${ITEMS} .o_data_row button[name='action_mark_done']`,
            run: "click",
        },
        {
            content: "The part is done",
            trigger: `${ITEMS} .o_data_row div[name='state']:contains(Done)`,
        },
        // A reading after the work
        ...openTab("service_readings_page", "Open the readings again"),
        // The work has started: the job proposes a reading after work.
        ...addCapacitorReading("5.0", null, "In spec", "After work"),
        {
            content: "Complete the job",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_complete_work']",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: `${DIALOG} .modal-footer button.btn-primary`,
            run: "click",
        },
        {
            content: "The job is completed",
            trigger: ".o_form_view .o_form_saved div[name='service_state']:has(.o_arrow_button_current:contains(Completed))",
        },
        // The evidence
        ...openTab("service_evidence_page", "Open the evidence"),
        {
            content: "The evidence score is 100",
            trigger: "div[name='evidence_score']:contains(100)",
        },
        {
            content: "Nothing is missing from the service record",
            trigger: ".o_notebook .tab-pane.active .text-success:contains(The service record holds all the evidence)",
        },
    ],
});
