"""Benchmark: Odoo's invoice report against "Invoice with evidence", by number of lines.

Builds invoices of 5, 50 and 200 lines linked to work items (3 readings each) in a
transaction that is rolled back, renders both reports in HTML (the PDF step is
wkhtmltopdf's, the same for both) and prints queries and time side by side.

    bash bench/run.sh invoice_report            # on a fresh database
"""

from common import argument_parser, measure, ms, print_table, rolled_back_env

REPORTS = {
    "standard": "account.account_invoices",
    "evidence": "field_service_evidence.action_report_invoice_evidence",
}


def measure_report(env, report, invoice, repeat):
    """(queries, best seconds) to render ``report`` for ``invoice`` from cold caches."""
    return measure(
        env,
        lambda: env["ir.actions.report"]._render_qweb_html(report, invoice.ids),
        repeat,
        clear_registry_cache=True,
    )


def main():
    parser = argument_parser(__doc__)
    parser.add_argument("--sizes", default="5,50,200")
    args = parser.parse_args()
    rows = []
    with rolled_back_env(args) as env:
        from odoo.addons.field_service_evidence.tests.invoice_fixtures import create_invoiced_job

        for size in map(int, args.sizes.split(",")):
            invoice = create_invoiced_job(env, size)
            sq, st = measure_report(env, REPORTS["standard"], invoice, args.repeat)
            eq, et = measure_report(env, REPORTS["evidence"], invoice, args.repeat)
            rows.append((size, sq, ms(st), eq, ms(et), f"{eq / sq:.2f}", f"{et / st:.2f}"))
    print_table(
        ("lines", "standard q", "standard ms", "evidence q", "evidence ms", "q ratio", "t ratio"), rows
    )


if __name__ == "__main__":
    main()
