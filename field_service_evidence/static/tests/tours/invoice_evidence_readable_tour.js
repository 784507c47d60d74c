/** @odoo-module **/

import { registry } from "@web/core/registry";

// The invoice's Evidence tab read on a laptop and on a tablet: each approval badge shows in
// full (before-work and after-work apart), the readings show what was measured, and the list
// fits its width. The test (tests/test_accountant_queue.py) opens an invoice of two jobs, one
// approved before the work and one after.
function assertFits(selector, what) {
    for (const element of document.querySelectorAll(selector)) {
        if (element.scrollWidth > element.clientWidth) {
            throw new Error(
                `${what} is cut: "${element.textContent.trim()}" needs ${element.scrollWidth}px in ${element.clientWidth}px`
            );
        }
    }
}

registry.category("web_tour.tours").add("fse_invoice_evidence_readable_tour", {
    steps: () => [
        {
            content: "Open the Evidence tab",
            trigger: ".o_notebook a.nav-link[name='service_evidence']",
            run: "click",
        },
        {
            content: "A line approved before the work",
            trigger: "div[name='service_evidence_line_ids'] td[name='service_approval_badge'] .badge:contains(/^Before$/)",
        },
        {
            content: "A line approved after the work",
            trigger: "div[name='service_evidence_line_ids'] td[name='service_approval_badge'] .badge:contains(/^After$/)",
        },
        {
            content: "The readings: measured against rated",
            trigger:
                "div[name='service_evidence_line_ids'] td[name='service_findings']:contains('2.1 uF vs 5.0 uF rated: out of spec')",
        },
        {
            content: "Every badge shows in full, and the list fits its width",
            trigger: "div[name='service_evidence_line_ids'] .o_list_table",
            run() {
                assertFits("div[name='service_evidence_line_ids'] td[name='service_approval_badge'] .badge", "A badge");
                assertFits("div[name='service_evidence_line_ids'] .o_list_renderer", "The list");
            },
        },
    ],
});
