/** @odoo-module **/

import { registry } from "@web/core/registry";
import { openTab } from "@field_service_evidence/../tests/tours/tour_steps";

// The estimate approved remotely (tests/test_remote_approval_tour.py builds the job):
// the technician sends it, the customer (not logged in) declines the coil cleaning and
// signs for the capacitor, the technician sees it on the job and starts the work.
const APPROVALS = "div[name='approval_ids']";
const ITEMS = "div[name='work_item_ids']";

registry.category("web_tour.tours").add("fse_remote_approval_send_tour", {
    steps: () => [
        {
            content: "Send the proposed items to the customer",
            trigger: ".o_form_view button[name='action_send_for_approval']",
            run: "click",
        },
        {
            content: "The estimate lists the proposed items",
            trigger: ".modal .o_service_approval_send div[name='work_item_ids'] .o_data_row:contains(Coil cleaning)",
        },
        {
            content: "The customer is not here: show the link",
            trigger: ".modal button[name='action_share_link']",
            run: "click",
        },
        {
            content: "The link shows as a QR code for the customer's phone",
            trigger: ".modal .o_approval_link .o_approval_qr img[src*='barcode_type=QR']",
        },
        {
            content: "and can be copied for the technician's own phone",
            trigger: ".modal .o_approval_link .o_clipboard_button",
        },
        {
            content: "Close",
            trigger: ".modal .modal-footer button:contains(Close)",
            run: "click",
        },
        ...openTab("service_work_page", "Open the work and approvals"),
        {
            content: "The job lists the approval, waiting for the customer",
            trigger: `${APPROVALS} .o_data_row:contains(Remote signature):contains(Requested)`,
        },
    ],
});

registry.category("web_tour.tours").add("fse_remote_approval_sign_tour", {
    steps: () => [
        {
            content: "The customer reads why the capacitor is needed: what was measured",
            trigger: ".o_approval_line:contains(Run capacitor):contains(2.1 uF)",
        },
        {
            content: "They do not want the coil cleaning",
            trigger: ".o_approval_line[data-line-name='Coil cleaning'] button.o_approval_decline",
            run: "click",
        },
        {
            content: "The cleaning is declined; the capacitor kept",
            trigger: ".o_approval_line_declined[data-line-name='Coil cleaning']",
        },
        {
            content: "Approve and sign",
            trigger: "button.o_approval_sign_btn:contains(Approve and sign)",
            run: "click",
        },
        {
            content: "The signature says what they authorise",
            trigger: ".modal .modal-body:contains(You decline the other items)",
        },
        {
            content: "Sign with their name",
            trigger: ".modal .o_portal_sign_submit:enabled",
            run: "click",
        },
        {
            content: "The page confirms the approval",
            trigger: ".o_approval_answered:contains(You approved this estimate)",
        },
        {
            content: "with their signature",
            trigger: ".o_approval_signature img",
        },
    ],
});

registry.category("web_tour.tours").add("fse_remote_approval_job_tour", {
    steps: () => [
        ...openTab("service_work_page", "Open the work and approvals"),
        {
            content: "The approval was signed remotely, before the work",
            trigger: `${APPROVALS} .o_data_row:contains(Remote signature):contains(Approved) td[name='before_work'] input:checked`,
        },
        {
            content: "The coil cleaning (labour) is declined, the capacitor approved",
            trigger: `${ITEMS} .o_data_row:contains(Labour):contains(Declined)`,
        },
        {
            content: "The capacitor is approved",
            trigger: `${ITEMS} .o_data_row:contains(Run capacitor):contains(Approved)`,
        },
        {
            content: "Start the work",
            trigger: ".o_form_view button[name='action_start_work']",
            run: "click",
        },
        {
            content: "The work is in progress",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Work in progress)",
        },
    ],
});
