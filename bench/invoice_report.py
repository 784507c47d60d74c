"""Benchmark: Odoo's invoice report against "Invoice with evidence", by number of lines.

Builds invoices of 5, 50 and 200 lines linked to work items (3 readings each) in a
transaction that is rolled back, renders both reports in HTML (the PDF step is
wkhtmltopdf's, the same for both) and prints queries and time side by side.

    bash bench/run.sh invoice_report            # on a fresh database
"""

import argparse
import time

import odoo
from odoo import SUPERUSER_ID, api

REPORTS = {
    "standard": "account.account_invoices",
    "evidence": "field_service_evidence.action_report_invoice_evidence",
}


def measure(env, report, invoice, repeat):
    """(queries, best seconds) to render ``report`` for ``invoice`` from a cold cache."""
    queries, best = None, None
    for _ in range(repeat):
        env.invalidate_all()
        env.registry.clear_cache()
        start_count, start = env.cr.sql_log_count, time.perf_counter()
        env["ir.actions.report"]._render_qweb_html(report, invoice.ids)
        elapsed = time.perf_counter() - start
        queries = env.cr.sql_log_count - start_count
        best = elapsed if best is None else min(best, elapsed)
    return queries, best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--sizes", default="5,50,200")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    # The addon is importable once the configuration has set the addons path.
    from odoo.addons.field_service_evidence.tests.invoice_fixtures import create_invoiced_job

    registry = odoo.modules.registry.Registry(args.database)
    rows = []
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        try:
            for size in map(int, args.sizes.split(",")):
                invoice = create_invoiced_job(env, size)
                env.flush_all()
                standard = measure(env, REPORTS["standard"], invoice, args.repeat)
                evidence = measure(env, REPORTS["evidence"], invoice, args.repeat)
                rows.append((size, standard, evidence))
        finally:
            cr.rollback()
    print(
        f"{'lines':>6} | {'standard q':>10} {'standard ms':>11} | {'evidence q':>10} {'evidence ms':>11} | {'q ratio':>7} {'t ratio':>7}"
    )
    for size, (sq, st), (eq, et) in rows:
        print(
            f"{size:>6} | {sq:>10} {st * 1000:>11.0f} | {eq:>10} {et * 1000:>11.0f} | {eq / sq:>7.2f} {et / st:>7.2f}"
        )


if __name__ == "__main__":
    main()
