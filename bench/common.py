"""What the benchmarks of bench/ share: the command line, a rolled-back environment, the
measure of queries and time from a cold cache, and the printed tables."""

import argparse
import contextlib
import re
import subprocess
import tempfile
import time

import odoo
from odoo import SUPERUSER_ID, api


def argument_parser(doc):
    """A parser with the options bench/run.sh passes (-c CONFIG -d DATABASE); the first line
    of the benchmark's docstring is its description."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--repeat", type=int, default=3, help="runs per measure; the best time is kept")
    return parser


@contextlib.contextmanager
def rolled_back_env(args):
    """A superuser environment on the benchmark's database, in one transaction rolled back at
    the end: nothing a benchmark builds is kept.

    The configuration is loaded first, so the addon (odoo.addons.field_service_evidence) is
    importable inside the block. The benchmarks build their data with the addon's test
    fixtures: test mode is on, as under Odoo's test runner (Odoo logs an error when its test
    framework is imported outside it), but only once the registry is loaded, which would
    otherwise run the at_install tests."""
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    registry = odoo.modules.registry.Registry(args.database)
    odoo.tools.config["test_enable"] = True
    with registry.cursor() as cr:
        try:
            yield api.Environment(cr, SUPERUSER_ID, {})
        finally:
            cr.rollback()


@contextlib.contextmanager
def report_server(env):
    """Odoo's HTTP server in a thread of this process, on the configured port, and the
    reports pointed at it: wkhtmltopdf fetches the report's styles and fonts from it, as it
    does from a running server (without them the PDF has neither the layout nor the page
    count a customer gets). ``report.url`` is set in ``env``'s transaction, rolled back."""
    from odoo.http import root
    from odoo.service import server

    server.load_server_wide_modules()
    threaded = server.ThreadedServer(root)
    threaded.http_spawn()
    env["ir.config_parameter"].set_param("report.url", f"http://127.0.0.1:{threaded.port}")
    try:
        yield
    finally:
        threaded.httpd.shutdown()


def pdf_pages(pdf):
    """The number of pages of the PDF document ``pdf`` (bytes), as pdfinfo reads it."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        info = subprocess.run(["pdfinfo", file.name], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))


def measure(env, func, repeat=3, clear_registry_cache=False):
    """(queries, best seconds) of ``func()`` from a cold record cache, over ``repeat`` runs.

    ``clear_registry_cache`` also empties the ormcaches (views, access rules, translations):
    the first request after a server start rather than a screen opened again."""
    queries, best = None, None
    for _ in range(repeat):
        env.flush_all()
        env.invalidate_all()
        if clear_registry_cache:
            env.registry.clear_cache()
        start_count, start = env.cr.sql_log_count, time.perf_counter()
        func()
        elapsed = time.perf_counter() - start
        queries = env.cr.sql_log_count - start_count
        best = elapsed if best is None else min(best, elapsed)
    return queries, best


def ms(seconds):
    return f"{seconds * 1000:.0f}"


def print_table(headers, rows, title=None):
    """``rows`` of cells under ``headers``, right-aligned in columns split by |."""
    cells = [[str(cell) for cell in row] for row in [headers, *rows]]
    widths = [max(len(row[column]) for row in cells) for column in range(len(headers))]
    if title:
        print(title)
    for index, row in enumerate(cells):
        print(" | ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=False)))
        if index == 0:
            print("-+-".join("-" * width for width in widths))
    print()


@contextlib.contextmanager
def committed_env(args):
    """A superuser environment as ``rolled_back_env``'s, committed at the end: the data a
    benchmark serves to a running server (bench/load.py)."""
    with rolled_back_env(args) as env:
        yield env
        env.cr.commit()
