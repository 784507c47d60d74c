"""Benchmark: N concurrent users against a multi-worker server, with Locust.

Office users (admin, as the web client) open a job's form, a dispute's form (the
walkthrough), an invoice's "Invoice with evidence" and Odoo's own invoice report in HTML;
customers (portal users) open their invoice and their dispute under /my. Each user waits
1 to 3 s between requests. Measured after every user runs and a warm-up, for a fixed
duration; prints requests, errors, p50 and p95 per kind, and the p95 of the evidence
report against the standard's.

    bash bench/run.sh load --users 20 [--duration 60] [--workers 4]

bench/run.sh runs this file twice: `setup` commits the data on the fresh database before
the server starts (20 jobs of 10 lines with 3 readings each, invoiced and disputed, each for
its own customer; 5 of the customers with a portal user), then `run` drives the server.
Each account logs in once before the run, as a person does in the morning, and the Locust
users of an account share its session as a person's browser tabs do: Odoo hashes passwords
slowly on purpose, and 20 users logging in at once would be what is measured.
"""

import argparse
import json
import random
import sys

JOBS = 20
LINES_PER_JOB = 10
CUSTOMERS = 5
PORTAL_PASSWORD = "bench-portal"
OFFICE = {"login": "admin", "password": "admin"}
REPORTS = {
    "evidence": "field_service_evidence.action_report_invoice_evidence",
    "standard": "account.account_invoices",
}
# Printed in this order; the ratio compares the first two.
KINDS = (
    "evidence report",
    "standard report",
    "job form",
    "walkthrough",
    "portal invoice",
    "portal dispute",
)


# ----------------------------------------------------------------------------------------
# setup: the data, committed (runs in Odoo)
# ----------------------------------------------------------------------------------------


def form_spec(env, model):
    """What the web client reads to open a record in ``model``'s form: every field of the
    form view, many2one as their display names, one2many with the fields of their list."""
    from lxml import etree

    views = env[model].get_views([(False, "form")])
    models = {name: info["fields"] for name, info in views["models"].items()}
    return node_spec(etree.fromstring(views["views"]["form"]["arch"]), model, models)


def node_spec(node, model, models):
    spec = {"display_name": {}}
    for field in fields_under(node):
        info = models[model][field.get("name")]
        sub = field.find("list")
        if info["type"] in ("one2many", "many2many") and sub is not None:
            spec[info["name"]] = {"fields": node_spec(sub, info["relation"], models), "limit": 40}
        elif info["type"] in ("many2one", "one2many", "many2many"):
            spec[info["name"]] = {"fields": {"display_name": {}}}
        else:
            spec[info["name"]] = {}
    return spec


def fields_under(node):
    """The <field> nodes of a view, not those of a subview inside a field."""
    for child in node:
        if child.tag == "field":
            yield child
        elif isinstance(child.tag, str):  # not a comment
            yield from fields_under(child)


def setup(argv):
    from common import argument_parser, committed_env

    args = argument_parser(__doc__).parse_args(argv)
    with committed_env(args) as env:
        from odoo import Command
        from odoo.addons.field_service_evidence.tests.invoice_fixtures import create_invoiced_job

        portal = env.ref("base.group_portal")
        invoices, disputes, customers = env["account.move"], env["invoice.dispute"], []
        for index in range(JOBS):
            invoice = create_invoiced_job(env, LINES_PER_JOB)
            lines = invoice.invoice_line_ids.filtered(lambda line: line.display_type == "product")
            vals = invoice._prepare_dispute_vals(lines)
            dispute = env["invoice.dispute"].create({**vals, "statement": "None of this was needed."})
            invoices |= invoice
            disputes |= dispute
            if index >= CUSTOMERS:
                continue
            # the links e-mailed to the customer carry a token: made here, not by the first visit
            invoice._portal_ensure_token()
            dispute._portal_ensure_token()
            invoice.partner_id.name = f"Load customer {index + 1}"
            login = f"load-customer-{index + 1}"
            env["res.users"].with_context(no_reset_password=True).create(
                {
                    "name": invoice.partner_id.name,
                    "login": login,
                    "password": PORTAL_PASSWORD,
                    "partner_id": invoice.partner_id.id,
                    "groups_id": [Command.set(portal.ids)],
                }
            )
            customers.append({"login": login, "invoices": invoice.ids, "disputes": dispute.ids})
        admin_env = env(user=env.ref("base.user_admin"))
        data = {
            "db": args.database,
            "jobs": invoices.service_task_ids.ids,
            "invoices": invoices.ids,
            "disputes": disputes.ids,
            "customers": customers,
            "reports": {kind: env.ref(xmlid).report_name for kind, xmlid in REPORTS.items()},
            "specs": {
                "project.task": form_spec(admin_env, "project.task"),
                "invoice.dispute": form_spec(admin_env, "invoice.dispute"),
            },
        }
    json.dump(data, sys.stdout)


# ----------------------------------------------------------------------------------------
# run: the users (runs in Locust; imports no Odoo)
# ----------------------------------------------------------------------------------------


def run(argv):
    # Locust patches the standard library for gevent when imported: before anything else.
    import gevent
    from locust import HttpUser, between, task
    from locust.env import Environment

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--data", required=True, help="the JSON that `setup` printed")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=int, default=60, help="seconds measured at full load")
    parser.add_argument(
        "--warmup",
        type=int,
        default=30,
        help="seconds at full load before measuring: each worker loads the registry and the "
        "first reports and pages compile their assets",
    )
    parser.add_argument("--workers", type=int, help="the server's workers (printed only)")
    args = parser.parse_args(argv)
    with open(args.data) as file:
        data = json.load(file)

    sessions = {
        account["login"]: log_in(args.url, data["db"], account["login"], account["password"])
        for account in [
            OFFICE,
            *({"login": c["login"], "password": PORTAL_PASSWORD} for c in data["customers"]),
        ]
    }

    class OdooUser(HttpUser):
        abstract = True
        wait_time = between(1, 3)

        def use_session(self, login):
            self.client.cookies.set("session_id", sessions[login])

        def page(self, kind, url):
            with self.client.get(url, name=kind, allow_redirects=False, catch_response=True) as response:
                if response.status_code != 200:
                    response.failure(f"HTTP {response.status_code} {response.headers.get('Location', '')}")

        def web_read(self, kind, model, record_id):
            payload = {
                "jsonrpc": "2.0",
                "method": "call",
                "params": {
                    "model": model,
                    "method": "web_read",
                    "args": [[record_id]],
                    "kwargs": {"specification": data["specs"][model], "context": {"lang": "en_US"}},
                },
            }
            url = f"/web/dataset/call_kw/{model}/web_read"
            with self.client.post(url, json=payload, name=kind, catch_response=True) as response:
                body = response.json() if response.ok else {}
                if "error" in body or len(body.get("result", [])) != 1:
                    response.failure(str(body.get("error", response.status_code))[:300])

    class Office(OdooUser):
        """The technician's job, the dispute walkthrough and the invoice reports, as admin."""

        weight = 3

        def on_start(self):
            self.use_session(OFFICE["login"])

        @task(3)
        def job_form(self):
            self.web_read("job form", "project.task", random.choice(data["jobs"]))

        @task(2)
        def walkthrough(self):
            self.web_read("walkthrough", "invoice.dispute", random.choice(data["disputes"]))

        @task(2)
        def evidence_report(self):
            invoice = random.choice(data["invoices"])
            self.page("evidence report", f"/report/html/{data['reports']['evidence']}/{invoice}")

        @task(2)
        def standard_report(self):
            invoice = random.choice(data["invoices"])
            self.page("standard report", f"/report/html/{data['reports']['standard']}/{invoice}")

    class Customer(OdooUser):
        """A customer on the portal: their invoices and disputes."""

        weight = 1

        def on_start(self):
            self.customer = random.choice(data["customers"])
            self.use_session(self.customer["login"])

        @task
        def portal_invoice(self):
            self.page("portal invoice", f"/my/invoices/{random.choice(self.customer['invoices'])}")

        @task
        def portal_dispute(self):
            self.page("portal dispute", f"/my/disputes/{random.choice(self.customer['disputes'])}")

    env = Environment(user_classes=[Office, Customer], host=args.url)
    runner = env.create_local_runner()

    def measure():
        # neither the ramp-up and the logins nor the warm-up are measured
        env.stats.reset_all()
        gevent.spawn_later(args.duration, runner.quit)

    env.events.spawning_complete.add_listener(lambda user_count: gevent.spawn_later(args.warmup, measure))
    runner.start(args.users, spawn_rate=max(1, args.users / 10))
    runner.greenlet.join()
    report(env.stats, args)
    return 1 if env.stats.total.num_failures else 0


def log_in(url, db, login, password):
    """The session cookie of ``login``."""
    import requests

    response = requests.post(
        f"{url}/web/session/authenticate",
        json={"jsonrpc": "2.0", "params": {"db": db, "login": login, "password": password}},
        timeout=300,
    )
    if not (response.ok and (response.json().get("result") or {}).get("uid")):
        raise RuntimeError(f"{login} could not log in: {response.text[:300]}")
    return response.cookies["session_id"]


def report(stats, args):
    from common import print_table

    rows, p95 = [], {}
    for kind in KINDS:
        entry = stats.entries.get((kind, "GET")) or stats.entries.get((kind, "POST"))
        if entry is None or not entry.num_requests:
            rows.append((kind, 0, 0, "", ""))
            continue
        p95[kind] = entry.get_response_time_percentile(0.95)
        rows.append(
            (kind, entry.num_requests, entry.num_failures, entry.get_response_time_percentile(0.5), p95[kind])
        )
    total = stats.total
    rows.append(
        (
            "all",
            total.num_requests,
            total.num_failures,
            total.get_response_time_percentile(0.5),
            total.get_response_time_percentile(0.95),
        )
    )
    workers = f", {args.workers} workers" if args.workers else ""
    print_table(
        ("kind", "requests", "errors", "p50 ms", "p95 ms"),
        rows,
        title=f"{args.users} users for {args.duration} s{workers}: {total.total_rps:.1f} requests/s",
    )
    if p95.get("standard report"):
        print(f"evidence/standard p95: {p95['evidence report'] / p95['standard report']:.2f}")
    for error in stats.errors.values():
        print(f"error: {error.occurrences}x {error.method} {error.name}: {error.error}")


if __name__ == "__main__":
    modes = {"setup": setup, "run": run}
    if len(sys.argv) < 2 or sys.argv[1] not in modes:
        sys.exit(f"usage: {sys.argv[0]} setup|run ...")
    sys.exit(modes[sys.argv[1]](sys.argv[2:]))
