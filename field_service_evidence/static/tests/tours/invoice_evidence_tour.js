/** @odoo-module **/

import { download } from "@web/core/network/download";
import { registry } from "@web/core/registry";

// The office opens an invoice billed from a documented job, reads its evidence and
// prints the invoice with evidence. The tour starts on the invoice (tests/test_tours.py).
//
// A qweb-pdf report is downloaded with an XHR to /report/download; nothing shows on the
// page once it is done. The tour wraps the download so that the page records when the
// server answered with the file: a report that fails to render rejects the download and
// shows an error dialog instead, which fails the tour.
const DOWNLOADED = "o_fse_report_downloaded";

registry.category("web_tour.tours").add("fse_invoice_evidence_tour", {
    steps: () => [
        {
            content: "The invoice is open",
            trigger: ".o_form_view .o_form_saved div[name='state'] .o_arrow_button_current:contains(Posted)",
        },
        {
            content: "The invoice links to its job",
            trigger: ".o_form_view button[name='action_open_service_tasks']:contains(Jobs)",
        },
        {
            content: "Open the Evidence tab",
            trigger: ".o_notebook a.nav-link[name='service_evidence']",
            run: "click",
        },
        {
            content: "The invoice shows how much was approved before work",
            trigger: ".o_notebook .tab-pane.active div[name='service_evidence_coverage']",
        },
        {
            content: "A line was approved before the work",
            trigger:
                "div[name='service_evidence_line_ids'] .o_data_row [name='service_approval_badge'] .badge:contains(/^Before$/)",
        },
        {
            content: "Watch for the report download",
            trigger: ".o_form_view",
            run() {
                const original = download._download;
                download._download = async (options) => {
                    download._download = original;
                    const result = await original(options);
                    document.body.classList.add(DOWNLOADED);
                    return result;
                };
            },
        },
        {
            content: "Open the actions menu",
            trigger: ".o_control_panel .o_cp_action_menus button:has(.fa-cog)",
            run: "click",
        },
        {
            content: "Open the Print menu (its title is \"Download\" on invoices)",
            trigger: ".o-dropdown--menu .o-dropdown:has(.fa-print)",
            run: "click",
        },
        {
            content: "Print the invoice with evidence",
            trigger: ".o-dropdown--menu .o_menu_item:contains(Invoice with evidence)",
            run: "click",
        },
        {
            content: "The server sent the report",
            trigger: `body.${DOWNLOADED}`,
        },
        {
            content: "No error was shown",
            trigger: `body.${DOWNLOADED}:not(:has(.o_error_dialog))`,
            run() {
                document.body.classList.remove(DOWNLOADED);
            },
        },
    ],
});
