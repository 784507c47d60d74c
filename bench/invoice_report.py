"""Benchmark: Odoo's invoice report against "Invoice with evidence", by number of lines.

Builds invoices of 5, 50 and 200 lines linked to work items (3 readings each) in a
transaction that is rolled back, and prints for both reports, side by side:

1. HTML: queries and time of the rendering from cold caches (what the report itself costs);
2. PDF: time of the whole print (HTML, then wkhtmltopdf, served its styles by an Odoo HTTP
   server started here) and the number of pages the customer receives.

    bash bench/run.sh invoice_report            # on a fresh database
    bash bench/run.sh invoice_report --sizes 50 --pdf-dir /tmp/pdfs   # keep the PDFs
"""

import pathlib

from common import argument_parser, measure, ms, pdf_pages, print_table, report_server, rolled_back_env

REPORTS = {
    "standard": "account.account_invoices",
    "evidence": "field_service_evidence.action_report_invoice_evidence",
}


def measure_html(env, report, invoice, repeat):
    """(queries, best seconds) to render ``report`` for ``invoice`` in HTML from cold caches."""
    return measure(
        env,
        lambda: env["ir.actions.report"]._render_qweb_html(report, invoice.ids),
        repeat,
        clear_registry_cache=True,
    )


def measure_pdf(env, report, invoice, repeat):
    """(PDF bytes, best seconds) to print ``report`` for ``invoice`` as a PDF."""
    printed = []
    # Test mode (see rolled_back_env) makes Odoo answer HTML unless the PDF is asked for.
    reports = env["ir.actions.report"].with_context(force_report_rendering=True)
    _queries, seconds = measure(
        env, lambda: printed.append(reports._render_qweb_pdf(report, invoice.ids)[0]), repeat
    )
    return printed[-1], seconds


def ratio(evidence, standard):
    return f"{evidence / standard:.2f}"


def main():
    parser = argument_parser(__doc__)
    parser.add_argument("--sizes", default="5,50,200")
    parser.add_argument("--pdf-repeat", type=int, default=1, help="PDF prints per measure (slow)")
    parser.add_argument("--pdf-dir", help="keep the PDFs here, as <lines>-<report>.pdf")
    args = parser.parse_args()
    html_rows, pdf_rows = [], []
    with rolled_back_env(args) as env, report_server(env):
        from odoo.addons.field_service_evidence.tests.invoice_fixtures import create_invoiced_job

        # The first print builds the report's style sheets: not what any later print costs.
        warm_up = create_invoiced_job(env, 1)
        for report in REPORTS.values():
            measure_pdf(env, report, warm_up, 1)
        for size in map(int, args.sizes.split(",")):
            invoice = create_invoiced_job(env, size)
            sq, st = measure_html(env, REPORTS["standard"], invoice, args.repeat)
            eq, et = measure_html(env, REPORTS["evidence"], invoice, args.repeat)
            html_rows.append((size, sq, eq, f"{eq - sq:+d}", ms(st), ms(et), ratio(et, st)))
            printed = {
                name: measure_pdf(env, report, invoice, args.pdf_repeat) for name, report in REPORTS.items()
            }
            (s_pdf, s_t), (e_pdf, e_t) = printed["standard"], printed["evidence"]
            s_pages, e_pages = pdf_pages(s_pdf), pdf_pages(e_pdf)
            pdf_rows.append(
                (size, s_pages, e_pages, ratio(e_pages, s_pages), f"{s_t:.2f}", f"{e_t:.2f}", ratio(e_t, s_t))
            )
            if args.pdf_dir:
                for name, (pdf, _seconds) in printed.items():
                    pathlib.Path(args.pdf_dir, f"{size}-{name}.pdf").write_bytes(pdf)
    print_table(
        ("lines", "standard q", "evidence q", "extra q", "standard ms", "evidence ms", "t ratio"),
        html_rows,
        title="HTML rendering from cold caches",
    )
    print_table(
        ("lines", "standard pages", "evidence pages", "pages ratio", "standard s", "evidence s", "t ratio"),
        pdf_rows,
        title="PDF print (HTML + wkhtmltopdf)",
    )


if __name__ == "__main__":
    main()
