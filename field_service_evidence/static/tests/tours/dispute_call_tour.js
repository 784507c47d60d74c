/** @odoo-module **/

import { registry } from "@web/core/registry";
import { saveForm } from "@field_service_evidence/../tests/tours/tour_steps";

// The owner on the phone: from the demo's disputed capacitor invoice to a logged call, reading
// the walkthrough while typing, then e-mailing the customer the dispute pack. The owner's four
// actions are marked ACTION; the other steps check what the owner sees. The test
// (tests/test_dispute_owner.py) starts the tour on the invoice at 1440×900 and checks what was saved.
const SCRIPT = ".o_notebook .tab-pane.active div[name='line_ids'] td[name='walkthrough']";
const CALLS = ".o_notebook .tab-pane.active div[name='call_ids']";
const NOTES = "Read her the capacitor reading against its rating. She will pay the invoice: e-mail her the pack.";

function count(text, part) {
    return text.split(part).length - 1;
}

registry.category("web_tour.tours").add("fse_dispute_call_tour", {
    steps: () => [
        {
            content: "The disputed invoice is posted",
            trigger: ".o_form_view .o_form_saved div[name='state'] .o_arrow_button_current:contains(Posted)",
        },
        {
            content: "ACTION 1: it has one dispute; open it",
            trigger: ".o_form_view button[name='action_open_disputes']:contains(1)",
            run: "click",
        },
        {
            content: "The dispute opens at once, on its Walkthrough, not on a board of one card",
            trigger: ".o_action_manager:not(:has(.o_kanban_view)) .o_form_view .o_notebook a.nav-link.active[name='walkthrough']",
        },
        {
            content: "The script reads in bullets, the part by its name, the money as Odoo writes it",
            trigger: `${SCRIPT}:contains("Line 2: Run capacitor 5 uF 370V, $ 212.75"):contains("• Measured on"):contains("• You approved this by signature")`,
            run() {
                const text = this.anchor.textContent;
                if (text.includes("[CAP-R-5-370]") || text.includes("\u00a0")) {
                    throw new Error(`The script shows a product code or a non-breaking space: ${text}`);
                }
                if (count(text, "2.1") !== 1 || count(text, "rated 5.0 uF") !== 1) {
                    throw new Error(`The script cites the reading more than once: ${text}`);
                }
            },
        },
        {
            content: "No call is logged yet",
            trigger: ".o_form_view button[name='action_open_calls']:contains(0)",
        },
        {
            content: "ACTION 2: Log call, beside the script",
            trigger: `${CALLS} .o_field_x2many_list_row_add a:contains("Log call")`,
            run: "click",
        },
        {
            content: "ACTION 3: type what was said",
            trigger: `${CALLS} .o_selected_row div[name='notes'] textarea`,
            run: `edit ${NOTES}`,
        },
        {
            content: "While typing, the script is still on screen",
            trigger: `${SCRIPT}:contains("tested at 2.1 uF")`,
            run() {
                const { top, bottom } = this.anchor.getBoundingClientRect();
                if (bottom <= 0 || top >= window.innerHeight) {
                    throw new Error(`The script is off screen (top ${top}, bottom ${bottom})`);
                }
                const typing = document.querySelector(`${CALLS} .o_selected_row textarea`);
                const box = typing.getBoundingClientRect();
                if (box.bottom <= 0 || box.top >= window.innerHeight) {
                    throw new Error("The call's notes are off screen");
                }
            },
        },
        ...saveForm("ACTION 4: save the call", "Wait for the dispute to be saved"),
        {
            content: "The call is counted",
            trigger: ".o_form_view button[name='action_open_calls']:contains(1)",
        },
        {
            content: "The call log shows it, with what was said",
            trigger: `${CALLS} .o_data_row:contains("She will pay the invoice")`,
        },
        {
            content: "Logging the call marked the call activity done, with the notes",
            trigger: '.o-mail-Message:contains("Call the customer: walk through the invoice"):contains("She will pay the invoice")',
        },
        {
            content: "Send the customer the dispute pack",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_send_pack']",
            run: "click",
        },
        {
            content: "The composer is addressed to the customer",
            trigger: '.modal div[name="partner_ids"]:contains("Dana Whitfield")',
        },
        {
            content: "The customer version of the pack is attached",
            trigger: '.modal div[name="attachment_ids"]:contains("Dispute pack - DSP-")',
        },
        {
            content: "Send it",
            trigger: ".modal .o_mail_send",
            run: "click",
        },
        {
            content: "The e-mail is in the chatter with the pack",
            trigger:
                '.o-mail-Message:contains("As discussed, attached is the record") .o-mail-AttachmentCard:contains("Dispute pack - DSP-")',
        },
    ],
});
