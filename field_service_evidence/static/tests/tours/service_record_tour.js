/** @odoo-module **/

import { registry } from "@web/core/registry";
import { openTab, saveForm } from "@field_service_evidence/../tests/tours/tour_steps";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// A technician records a job on its form, as on a tablet on site: the complaint and
// diagnosis, a reading before the work, the part with why it is needed, the customer's
// signed authorisation, the work, a reading after it, and the job completed with a full
// service record. The Python test (tests/test_tours.py) checks what was saved.
const JOB = "Heat pump blows warm air, tour job";
const CUSTOMER = "Tour Customer Rosa Delgado";

const READINGS = "div[name='reading_ids']";
const ITEMS = "div[name='work_item_ids']";
const APPROVALS = "div[name='approval_ids']";
const DIALOG = ".modal:not(.o_inactive_modal)";

function saveJob(content) {
    return saveForm(content, "Wait for the job to be saved");
}

function addCapacitorReading(measured, phaseLabel, result) {
    return [
        {
            content: "Add a reading",
            trigger: `${READINGS} .o_field_x2many_list_row_add a:contains(Add a reading)`,
            run: "click",
        },
        {
            content: "Pick the reading type",
            trigger: `${READINGS} .o_selected_row div[name='type_id'] input`,
            run: "edit Run capacitor",
        },
        {
            content: "Choose Run capacitor",
            trigger: ".o-autocomplete--dropdown-menu .dropdown-item:contains(/^Run capacitor$/)",
            run: "click",
        },
        {
            content: "The unit and rated value come from the reading type",
            trigger: `${READINGS} .o_selected_row div[name='unit']:contains(uF)`,
        },
        {
            content: "Say which component was tested",
            trigger: `${READINGS} .o_selected_row div[name='component'] input`,
            run: "edit Condenser fan run capacitor",
        },
        {
            content: `When it was measured: ${phaseLabel}`,
            trigger: `${READINGS} .o_selected_row div[name='phase'] select`,
            run: `selectByLabel ${phaseLabel}`,
        },
        {
            content: "Type the measured value",
            trigger: `${READINGS} .o_selected_row div[name='measured_value'] input`,
            run: `edit ${measured}`,
        },
        // Saving commits what was typed in the row (and judges the reading on the server).
        ...saveJob("Save the job with the reading"),
        {
            content: `${measured} uF against a rated 5 uF is ${result}`,
            trigger: `${READINGS} .o_data_row:has([name='finding']:contains(tested at ${measured} uF)) [name='result']:contains(${result})`,
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
            trigger: ".o_form_view div[name='service_state']:contains(Not started)",
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
            content: "Show the product column of the work items",
            trigger: `${ITEMS} .o_optional_columns_dropdown button`,
            run: "click",
        },
        {
            content: "Tick Product",
            trigger: ".o-dropdown--menu input[name='product_id']",
            run: "check",
        },
        {
            content: "The product column shows",
            trigger: `${ITEMS} th[data-name='product_id']`,
        },
        {
            content: "Add a part",
            trigger: `${ITEMS} .o_field_x2many_list_row_add a:contains(Add a part)`,
            run: "click",
        },
        {
            content: "Pick the product",
            trigger: `${ITEMS} .o_selected_row div[name='product_id'] input`,
            run: "edit CAP-R-5",
        },
        {
            content: "Choose the run capacitor",
            trigger: ".o-autocomplete--dropdown-menu .dropdown-item:contains(Run capacitor 5 uF)",
            run: "click",
        },
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
            trigger: ".o_form_view .o_form_saved div[name='service_state']:contains(Work in progress)",
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
        ...addCapacitorReading("5.0", "After work", "In spec"),
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
            trigger: ".o_form_view .o_form_saved div[name='service_state']:contains(Completed)",
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
