"""Benchmark: the dispute walkthrough by number of disputed lines, and the disputes pivot.

1. Walkthrough: invoices of 2, 20 and 100 lines linked to work items (3 readings each),
   disputed on every line; opening the dispute (create, with its recommendation) and
   reading its Walkthrough tab from a cold cache, as the web client reads it. Neither
   may grow in queries with the number of lines.
2. Pivot: 100,000 disputes inserted in SQL over 5 reasons and 24 months, then the pivot
   of disputed and conceded amounts and days to resolve, by reason and month.

Everything runs in one transaction, rolled back at the end.

    bash bench/run.sh dispute_walkthrough       # on a fresh database
"""

import contextlib
import time

import psycopg2
from common import argument_parser, measure, ms, print_table, rolled_back_env

PIVOT_AGGREGATES = ["disputed_amount_company:sum", "conceded_amount_company:sum", "days_to_resolve:avg"]
PIVOT_GROUPBY = ["reason_id", "opened_date:month"]


def bench_walkthrough(env, sizes, repeat):
    from odoo.addons.field_service_evidence.tests.invoice_fixtures import create_invoiced_job
    from odoo.addons.field_service_evidence.tests.test_dispute_pack import open_dispute, read_walkthrough

    rows = []
    for size in sizes:
        # Opening writes: a fresh invoice for each run.
        invoices = iter([create_invoiced_job(env, size) for _ in range(repeat)])
        opened = []

        def open_next(invoices=invoices, opened=opened):
            opened.append(open_dispute(next(invoices)))
            env.flush_all()

        open_q, open_t = measure(env, open_next, repeat)
        dispute = opened[-1].with_user(env.ref("base.user_admin"))
        read_q, read_t = measure(env, lambda dispute=dispute: read_walkthrough(dispute), repeat)
        rows.append((size, open_q, ms(open_t), read_q, ms(read_t)))
    # "vs first": the queries the extra lines add to the smallest dispute's; 0 when bounded.
    first_open, first_read = rows[0][1], rows[0][3]
    rows = [
        (size, open_q, f"{open_q - first_open:+d}", open_ms, read_q, f"{read_q - first_read:+d}", read_ms)
        for size, open_q, open_ms, read_q, read_ms in rows
    ]
    print_table(
        ("lines", "open q", "vs first", "open ms", "walkthrough q", "vs first", "walkthrough ms"),
        rows,
        title="Walkthrough: open a dispute on every line (superuser), then read its Walkthrough tab "
        "as admin from a cold cache",
    )


def insert_disputes(env, count, months):
    """``count`` disputes spread over the 5 reasons, ``months`` months and the posted customer
    invoices, two in three resolved, in one INSERT ... SELECT.

    Each row copies a dispute created with the ORM, so every column has a value the ORM would
    write (columns added to the model later included), and overrides what the pivot reads.
    Every row refers to existing records only: the foreign-key triggers (a dozen per row, most
    of the insert's time) are skipped when the database role may do so."""
    invoices = env["account.move"].search([("move_type", "=", "out_invoice"), ("state", "=", "posted")])
    reasons = env["invoice.dispute.reason"].search([])
    stages = env["invoice.dispute.stage"].search([("is_closing", "=", False)])
    resolved = env.ref("field_service_evidence.dispute_stage_resolved")
    template = env["invoice.dispute"].create({"invoice_id": invoices[0].id, "statement": "Generated."})
    env.flush_all()
    overrides = {
        "name": "'BENCH/' || g",
        "invoice_id": "move.id",
        "company_id": "move.company_id",
        "currency_id": "move.currency_id",
        "partner_id": "move.commercial_partner_id",
        "stage_id": "CASE WHEN g %% 3 = 0 THEN (%(open_stages)s)[1 + g %% %(n_open)s] ELSE %(resolved)s END",
        "is_closed": "g %% 3 <> 0",
        "reason_id": "(%(reasons)s)[1 + g %% %(n_reasons)s]",
        "opened_date": "opened",
        "resolved_date": "CASE WHEN g %% 3 <> 0 THEN opened + days * interval '1 day' END",
        "days_to_resolve": "CASE WHEN g %% 3 <> 0 THEN days ELSE 0 END",
        "disputed_amount": "amount",
        "recommended_amount": "amount / 2",
        "conceded_amount": "CASE WHEN g %% 3 <> 0 THEN conceded ELSE 0 END",
        "disputed_amount_company": "amount",
        "conceded_amount_company": "CASE WHEN g %% 3 <> 0 THEN conceded ELSE 0 END",
    }
    env.cr.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = 'invoice_dispute' AND column_name <> 'id'"
    )
    columns = [column for (column,) in env.cr.fetchall()]
    with contextlib.suppress(psycopg2.errors.InsufficientPrivilege), env.cr.savepoint():
        env.cr.execute("SET LOCAL session_replication_role = replica")
    env.cr.execute(
        f"""
        INSERT INTO invoice_dispute ({", ".join(f'"{column}"' for column in columns)})
        SELECT {", ".join(overrides.get(column, f'template."{column}"') for column in columns)}
          FROM generate_series(1, %(count)s) g,
               LATERAL (
                   SELECT (now() at time zone 'UTC') - (g %% (%(months)s * 30)) * interval '1 day' AS opened,
                          round((50 + (g * 7919) %% 1200)::numeric, 2) AS amount,
                          round((50 + (g * 7919) %% 1200)::numeric * ((g * 7) %% 9) / 8, 2) AS conceded,
                          (g %% 5) * 3 + (g * 37) %% 11 AS days
               ) v,
               account_move move,
               invoice_dispute template
         WHERE move.id = (%(invoices)s)[1 + g %% %(n_invoices)s] AND template.id = %(template)s
        """,  # column names from the catalogue, values as parameters
        {
            "open_stages": stages.ids,
            "n_open": len(stages),
            "resolved": resolved.id,
            "reasons": reasons.ids,
            "n_reasons": len(reasons),
            "months": months,
            "count": count,
            "invoices": invoices.ids,
            "n_invoices": len(invoices),
            "template": template.id,
        },
    )
    inserted = env.cr.rowcount
    env.cr.execute("SET LOCAL session_replication_role = DEFAULT")
    env.cr.execute("ANALYZE invoice_dispute")
    env.invalidate_all()
    return inserted


def bench_pivot(env, count, months, repeat):
    start = time.perf_counter()
    inserted = insert_disputes(env, count, months)
    insert_ms = ms(time.perf_counter() - start)
    admin = env.ref("base.user_admin")
    Dispute = env["invoice.dispute"]
    cases = [
        ("reason x month, superuser", Dispute, PIVOT_GROUPBY),
        ("reason x month, admin (rules)", Dispute.with_user(admin), PIVOT_GROUPBY),
        ("reason, admin (rules)", Dispute.with_user(admin), ["reason_id"]),
        ("month, admin (rules)", Dispute.with_user(admin), ["opened_date:month"]),
    ]
    rows, results = [], {}
    for label, model, groupby in cases:

        def pivot(model=model, groupby=groupby, label=label):
            results[label] = model.read_group([], PIVOT_AGGREGATES, groupby, lazy=False)

        queries, seconds = measure(env, pivot, repeat)
        rows.append((label, len(results[label]), queries, ms(seconds)))
    total = Dispute.search_count([])
    print_table(
        ("read_group", "groups", "queries", "ms"),
        rows,
        title=f"Pivot over {total:,} disputes ({inserted:,} inserted in {insert_ms} ms): "
        f"{', '.join(PIVOT_AGGREGATES)}",
    )
    by_reason = results["reason, admin (rules)"]
    print_table(
        ("reason", "disputes", "disputed", "conceded", "avg days"),
        [
            (
                group["reason_id"] and group["reason_id"][1] or "(none)",
                group["__count"],
                f"{group['disputed_amount_company']:,.2f}",
                f"{group['conceded_amount_company']:,.2f}",
                f"{group['days_to_resolve']:.1f}",
            )
            for group in by_reason
        ],
        title="By reason",
    )
    first = results["reason x month, admin (rules)"][:6]
    print_table(
        ("reason", "month", "disputes", "disputed", "conceded", "avg days"),
        [
            (
                group["reason_id"] and group["reason_id"][1] or "(none)",
                group["opened_date:month"],
                group["__count"],
                f"{group['disputed_amount_company']:,.2f}",
                f"{group['conceded_amount_company']:,.2f}",
                f"{group['days_to_resolve']:.1f}",
            )
            for group in first
        ],
        title=f"Reason x month: first {len(first)} of {len(results['reason x month, admin (rules)'])} groups",
    )


def main():
    parser = argument_parser(__doc__)
    parser.add_argument("--sizes", default="2,20,100")
    parser.add_argument("--disputes", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=24)
    args = parser.parse_args()
    with rolled_back_env(args) as env:
        bench_walkthrough(env, [int(size) for size in args.sizes.split(",")], args.repeat)
        bench_pivot(env, args.disputes, args.months, args.repeat)


if __name__ == "__main__":
    main()
