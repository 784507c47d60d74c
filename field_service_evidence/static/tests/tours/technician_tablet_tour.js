/** @odoo-module **/

import { registry } from "@web/core/registry";
import { openTab, saveForm } from "@field_service_evidence/../tests/tours/tour_steps";
import { ITEMS, READINGS, fillReading, pickInRow } from "@field_service_evidence/../tests/tours/job_steps";

// The technician on a 1024×768 tablet (tests/test_technician_tablet.py builds the jobs):
// the Jobs board shows today's and recently completed jobs, the job opens on its
// readings with one work status, a reading shows the decimals and unit of its type,
// a part shows its name (not its internal code), and neither list scrolls sideways.
const JOB = "Tablet tour: condenser fan hums";
const RECENT = "Tablet tour: completed two days ago";
const OLD = "Tablet tour: completed last month";
const PART = "Run capacitor 45/5 uF 440V";
const PART_CODE = "CAP-R-45-5";

// The list in `field` shows whole on screen: measured, not guessed.
function fitsTheScreen(field, content) {
    return {
        content,
        trigger: `${field} .o_list_renderer`,
        run() {
            const list = this.anchor;
            if (list.scrollWidth > list.clientWidth) {
                throw new Error(`${content}: no, ${list.scrollWidth} px in ${list.clientWidth} px.`);
            }
            // Every row's View link is on screen, not cut off at the right edge.
            const right = list.getBoundingClientRect().right;
            for (const link of list.querySelectorAll(".o_list_record_open_form_view button")) {
                if (link.getBoundingClientRect().right > right + 1) {
                    throw new Error(`${content}: no, a View link is cut off.`);
                }
            }
        },
    };
}

function showsNo(selector, pattern, what) {
    return function () {
        const text = document.querySelector(selector).innerText;
        if (pattern.test(text)) {
            throw new Error(`${what}: ${text.match(pattern)[0]}`);
        }
    };
}

registry.category("web_tour.tours").add("fse_technician_tablet_tour", {
    steps: () => [
        {
            content: "The tablet shows 1024 px across",
            trigger: ".o_kanban_view",
            run() {
                if (window.innerWidth !== 1024) {
                    throw new Error(`The browser is ${window.innerWidth} px wide, not 1024.`);
                }
            },
        },
        // The Jobs board: open jobs and those completed in the last days, not last month's.
        {
            content: "The board's filter keeps recently completed jobs",
            trigger: ".o_searchview_facet:contains(Open or completed in the last 7 days)",
        },
        {
            content: "A job completed two days ago is on the board",
            trigger: `.o_kanban_record:contains(${RECENT})`,
            run: showsNo(".o_kanban_view", new RegExp(OLD), "Last month's job is on the board"),
        },
        {
            content: "Open the job",
            trigger: `.o_kanban_record:contains(${JOB})`,
            run: "click",
        },
        // The job opens on its readings, with one status.
        {
            content: "The job opens on its readings",
            trigger: ".o_form_view .o_notebook a.nav-link.active[name='service_readings_page']",
        },
        {
            content: "One status: the work status, Not started",
            trigger: ".o_form_view div[name='service_state']:has(.o_arrow_button_current:contains(Not started))",
            run() {
                for (const [selector, what] of [
                    [".o_form_view div[name='stage_id']", "the stage"],
                    [".o_form_view div[name='state']", "the task state"],
                ]) {
                    if (document.querySelector(selector)) {
                        throw new Error(`The job shows ${what} beside its work status.`);
                    }
                }
            },
        },
        fitsTheScreen(READINGS, "The readings fit the screen"),
        // Record a reading: the job has not started, so it is measured before work.
        ...fillReading({
            search: "Supply voltage",
            choice: "Supply voltage",
            unit: "V",
            component: "Outdoor unit disconnect",
            measured: "238",
        }),
        ...saveForm("Save the job with the reading", "Wait for the job to be saved"),
        {
            content: "The value shows as the meter reads it: 238 V, before work",
            trigger: `${READINGS} .o_data_row:has([name='component']:contains(Outdoor unit disconnect)):has([name='phase']:contains(Before work)) [name='measured_value']:contains(238 V)`,
        },
        {
            content: "The finding shows the decimals of the type",
            trigger: `${READINGS} .o_data_row [name='finding']:contains(Outdoor unit disconnect measured 238 V):contains(216 V to 253 V)`,
            run: showsNo(READINGS, /\d\.0000/, "A reading shows 4 decimals"),
        },
        fitsTheScreen(READINGS, "The readings still fit the screen"),
        // Record a part.
        ...openTab("service_work_page", "Open work and approval"),
        fitsTheScreen(ITEMS, "The work items fit the screen"),
        {
            content: "Add a part",
            trigger: `${ITEMS} .o_field_x2many_list_row_add a:contains(Add a part)`,
            run: "click",
        },
        ...pickInRow(ITEMS, "product_id", "capacitor 45", PART, "Look the part up", (item) => {
            if (item.textContent.includes(PART_CODE)) {
                throw new Error(`The part is proposed with its code: ${item.textContent}`);
            }
        }),
        {
            content: "Its price comes from the product",
            trigger: `${ITEMS} .o_selected_row div[name='price_subtotal']:contains(96.00)`,
        },
        {
            content: "Say why the part is needed",
            trigger: `${ITEMS} .o_selected_row div[name='justification'] textarea`,
            run: "edit The fan's run capacitor reads far below its rating: the fan hums and cannot start.",
        },
        ...saveForm("Save the job with the part", "Wait for the job to be saved"),
        {
            content: "The part shows its name, not its code",
            trigger: `${ITEMS} .o_data_row [name='product_id']:contains(${PART})`,
            run: showsNo(ITEMS, new RegExp(PART_CODE), "A work item shows the internal code"),
        },
        fitsTheScreen(ITEMS, "The work items still fit the screen"),
    ],
});

// Create invoice shows only when a done work item is left to invoice.
registry.category("web_tour.tours").add("fse_job_invoiced_tour", {
    steps: () => [
        {
            content: "The job's invoice is at hand",
            // At 1024 px the smart buttons sit in the control panel, above the form.
            trigger: "button[name='action_open_service_invoices']:contains(Invoices)",
            run() {
                if (document.querySelector(".o_form_view button[name='action_create_invoice']")) {
                    throw new Error("Create invoice shows on a job with nothing left to invoice.");
                }
            },
        },
    ],
});

registry.category("web_tour.tours").add("fse_job_to_invoice_tour", {
    steps: () => [
        {
            content: "Create invoice shows: a done work item is not invoiced yet",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_create_invoice']",
        },
    ],
});
