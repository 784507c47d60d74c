import json
from datetime import timedelta

from freezegun import freeze_time
from lxml import html

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, HttpCase, tagged

from .common import SIGNATURE_PNG, FieldServiceCase
from .invoice_fixtures import create_invoiced_job

EVIDENCE_REPORT = "field_service_evidence.action_report_invoice_evidence"


@tagged("post_install", "-at_install")
class TestInvoiceFromJobs(FieldServiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_sales_tax()
        cls.other_customer = cls.env["res.partner"].create({"name": "Oscar Other"})

    def _invoiced_lines(self, invoice):
        return invoice.invoice_line_ids.filtered(lambda line: line.display_type == "product")

    def test_one_job_makes_a_draft_invoice_linked_line_by_line(self):
        task = self._documented_job()
        invoice = self._press_create_invoice(task)
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(invoice.move_type, "out_invoice")
        self.assertEqual(invoice.partner_id, self.customer)
        line = self._invoiced_lines(invoice)
        self.assertEqual(line.service_work_item_id, task.work_item_ids)
        self.assertEqual(line.service_task_id, task)
        self.assertEqual(line.product_id, self.capacitor_product)
        self.assertEqual(line.price_unit, 185.0)
        self.assertEqual(line.tax_ids, self.tax)
        self.assertAlmostEqual(invoice.amount_untaxed, 185.0)
        self.assertAlmostEqual(invoice.amount_tax, 15.26)
        self.assertAlmostEqual(invoice.amount_total, 200.26)
        self.assertEqual(task.service_invoice_ids, invoice)
        self.assertEqual(invoice.service_task_ids, task)
        self.assertEqual(invoice.service_evidence_coverage, 100.0)

    def test_several_jobs_make_one_invoice_per_customer(self):
        first, second = self._documented_job(), self._documented_job()
        third = self._documented_job()
        third.partner_id = self.other_customer
        invoices = self._press_create_invoice(first | second | third)
        self.assertEqual(len(invoices), 2)
        mine = invoices.filtered(lambda move: move.partner_id == self.customer)
        self.assertEqual(self._invoiced_lines(mine).service_task_id, first | second)
        self.assertEqual(mine.amount_untaxed, 370.0)
        self.assertEqual(self._invoiced_lines(invoices - mine).service_work_item_id, third.work_item_ids)

    def test_a_work_item_is_never_invoiced_twice(self):
        task = self._documented_job(complete=False)
        invoice = self._press_create_invoice(task)
        with self.assertRaisesRegex(UserError, "Nothing left to invoice"):
            task.with_user(self.office).action_create_invoice()
        extra = self._create_item(task, product_id=self.labour_product.id)
        self._create_approval(task, extra).action_approve()
        extra.action_mark_done()
        second = self._press_create_invoice(task)
        self.assertEqual(self._invoiced_lines(second).service_work_item_id, extra)
        self.assertEqual(task.service_invoice_ids, invoice | second)
        # Linking an invoiced item by hand on another invoice is refused.
        with self.assertRefused(ValidationError, "already invoiced"):
            second.invoice_line_ids = [
                Command.create({"product_id": self.capacitor_product.id, "service_work_item_id": extra.id})
            ]
        # A cancelled invoice frees its items.
        second.button_cancel()
        third = self._press_create_invoice(task)
        self.assertEqual(self._invoiced_lines(third).service_work_item_id, extra)

    def test_bad_input_when_invoicing(self):
        task = self._create_task()
        self._create_item(task)
        with self.assertRaisesRegex(UserError, "Nothing left to invoice"):
            task.with_user(self.office).action_create_invoice()
        task.partner_id = False
        with self.assertRaisesRegex(UserError, "has no customer"):
            task.with_user(self.office).action_create_invoice()
        no_receivable = self.env["res.partner"].create({"name": "No Receivable Ltd"})
        self.env["ir.default"].search(
            [("field_id.name", "=", "property_account_receivable_id"), ("field_id.model", "=", "res.partner")]
        ).unlink()
        job = self._documented_job()
        job.partner_id = no_receivable
        count = self.env["account.move"].search_count([])
        with self.assertRefused(UserError, "No Receivable Ltd has no receivable account"):
            job.with_user(self.office).action_create_invoice()
        self.assertEqual(self.env["account.move"].search_count([]), count)

    def test_a_line_by_hand_links_only_to_the_customers_jobs(self):
        task = self._documented_job()
        invoice = self.env["account.move"].create(
            {"move_type": "out_invoice", "partner_id": self.other_customer.id}
        )
        with self.assertRefused(ValidationError, "work done for Martha Customer"):
            invoice.invoice_line_ids = [
                Command.create(
                    {"product_id": self.capacitor_product.id, "service_work_item_id": task.work_item_ids.id}
                )
            ]
        self.assertFalse(self.env["account.move.line"].search([("move_id", "=", invoice.id)]))
        invoice.partner_id = self.customer
        with Form(invoice) as form, form.invoice_line_ids.new() as line:
            line.product_id = self.capacitor_product
            line.service_work_item_id = task.work_item_ids
        self.assertEqual(invoice.invoice_line_ids.service_approval_status, "approved_before_work")


@tagged("post_install", "-at_install")
class TestCreateInvoiceButton(FieldServiceCase, HttpCase):
    """The office clicks "Create invoice" in the web client: the job form's button, and the
    list's action on several jobs."""

    def setUp(self):
        super().setUp()
        self.authenticate(self.office.login, self.office.login)

    def _json(self, route, params):
        """The web client's JSON-RPC call: its result, or the error it shows the user, raised."""
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params})
        response = self.url_open(route, body, headers={"Content-Type": "application/json"})
        response.raise_for_status()
        answer = response.json()
        if "error" in answer:
            raise UserError(answer["error"]["data"]["message"])
        return answer["result"]

    def _click(self, task):
        return self._json(
            "/web/dataset/call_button/project.task/action_create_invoice",
            {"model": "project.task", "method": "action_create_invoice", "args": [task.ids], "kwargs": {}},
        )

    def test_the_button_opens_the_new_draft_invoice_in_a_form(self):
        task = self._documented_job()
        action = self._click(task)
        self.assertEqual(action["type"], "ir.actions.act_window")
        self.assertEqual(action["res_model"], "account.move")
        self.assertEqual(action["views"], [[False, "form"]])
        invoice = self.env["account.move"].browse(action["res_id"])
        self.assertRecordValues(
            invoice,
            [
                {
                    "move_type": "out_invoice",
                    "state": "draft",
                    "partner_id": self.customer.id,
                    "amount_untaxed": 185.0,
                }
            ],
        )
        self.assertEqual(invoice.invoice_line_ids.service_work_item_id, task.work_item_ids)
        self.assertEqual(task.service_invoice_ids, invoice)

    def test_nothing_left_to_invoice_is_said_and_nothing_is_created(self):
        task = self._documented_job()
        self._click(task)
        count = self.env["account.move"].search_count([])
        with self.assertRaisesRegex(UserError, "Nothing left to invoice on No cooling at 12 Elm Street"):
            self._click(task)
        self.assertEqual(self.env["account.move"].search_count([]), count)

    def test_the_list_action_opens_one_invoice_per_customer(self):
        first, second = self._documented_job(), self._documented_job()
        other = self.env["res.partner"].create({"name": "Oscar Other"})
        third = self._documented_job()
        third.partner_id = other
        action_id = self.env.ref("field_service_evidence.project_task_action_create_invoices").id
        jobs = first | second | third
        action = self._json(
            "/web/action/run",
            {"action_id": action_id, "context": {"active_model": "project.task", "active_ids": jobs.ids}},
        )
        self.assertEqual(action["res_model"], "account.move")
        invoices = self.env["account.move"].search(action["domain"])
        self.assertEqual(invoices.partner_id, self.customer | other)
        self.assertEqual(set(invoices.mapped("state")), {"draft"})
        self.assertEqual(invoices.invoice_line_ids.service_task_id, jobs)


@tagged("post_install", "-at_install")
class TestApprovalStatusOfLines(FieldServiceCase):
    def _status(self, task):
        invoice = self._press_create_invoice(task)
        return invoice.invoice_line_ids.filtered("service_work_item_id").service_approval_status

    def test_approved_before_work(self):
        self.assertEqual(self._status(self._documented_job()), "approved_before_work")

    def test_authorised_during_the_job_but_before_the_item_was_done(self):
        task = self._create_task(start_without_approval_reason="emergency")
        item = self._create_item(task)
        with freeze_time(fields.Datetime.now() - timedelta(hours=2)):
            task.action_start_work()
        self._create_approval(task, item).action_approve()
        item.action_mark_done()
        self.assertEqual(self._status(task), "approved_before_work")

    def test_approved_after_work(self):
        task = self._create_task(start_without_approval_reason="emergency")
        item = self._create_item(task)
        with freeze_time(fields.Datetime.now() - timedelta(hours=2)):
            task.action_start_work()
            item.action_mark_done()
        self._create_approval(task, item).action_approve()
        self.assertEqual(self._status(task), "approved_after_work")

    def test_acknowledged_after_work(self):
        task = self._create_task(start_without_approval_reason="safety")
        item = self._create_item(task)
        task.action_start_work()
        item.action_mark_done()
        self._create_approval(task, item, kind="acknowledgment").action_approve()
        self.assertEqual(self._status(task), "approved_after_work")

    def test_not_approved(self):
        task = self._create_task(start_without_approval_reason="emergency")
        item = self._create_item(task)
        task.action_start_work()
        item.action_mark_done()
        self.assertEqual(self._status(task), "not_approved")

    def test_line_not_from_a_job(self):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_line_ids": [Command.create({"product_id": self.labour_product.id})],
            }
        )
        self.assertEqual(invoice.invoice_line_ids.service_approval_status, "not_applicable")
        self.assertEqual(invoice.service_evidence_coverage, 0.0)


@tagged("post_install", "-at_install")
class TestPostingPolicy(FieldServiceCase):
    def _unapproved_invoice(self):
        task = self._create_task(start_without_approval_reason="emergency")
        item = self._create_item(task)
        task.action_start_work()
        item.action_mark_done()
        return self._press_create_invoice(task)

    def test_allow_posts(self):
        self.company.service_unapproved_posting = "allow"
        invoice = self._unapproved_invoice()
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")

    def test_warn_asks_to_confirm_naming_the_lines(self):
        self.company.service_unapproved_posting = "warn"
        invoice = self._unapproved_invoice()
        action = invoice.action_post()
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(action["res_model"], "service.invoice.posting")
        posting = self.env["service.invoice.posting"].browse(action["res_id"])
        self.assertIn("Run capacitor 5 uF", posting.message)
        self.assertIn("Not approved", posting.message)
        posting.action_confirm()
        self.assertEqual(invoice.state, "posted")

    def test_warn_does_not_ask_when_everything_was_approved(self):
        self.company.service_unapproved_posting = "warn"
        invoice = self._press_create_invoice(self._documented_job())
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")

    def test_block_refuses_naming_the_lines(self):
        self.company.service_unapproved_posting = "block"
        invoice = self._unapproved_invoice()
        with self.assertRefused(UserError, r"did not approve(.|\n)*Run capacitor 5 uF"):
            invoice.action_post()
        self.assertEqual(invoice.state, "draft")
        self.assertFalse(invoice.invoice_line_ids.service_evidence_hash)

    def test_policy_in_settings(self):
        with Form(self.env["res.config.settings"]) as settings:
            settings.service_unapproved_posting = "block"
        self.assertEqual(self.company.service_unapproved_posting, "block")


@tagged("post_install", "-at_install")
class TestEvidenceFingerprint(FieldServiceCase):
    def test_posting_seals_and_verify_names_the_changed_line(self):
        invoice = create_invoiced_job(self.env, 3, readings_per_item=2)
        lines = invoice.invoice_line_ids.filtered("service_work_item_id").sorted(
            lambda line: (line.sequence, line.id)
        )
        hashes = lines.mapped("service_evidence_hash")
        self.assertTrue(all(len(h) == 64 for h in hashes))
        self.assertEqual(len(set(hashes)), 3)
        self.assertEqual(invoice.action_verify_evidence()["params"]["type"], "success")
        self.assertFalse(invoice._service_changed_evidence_lines())

        # A manager edits a reading of the second line after the job was completed.
        reading = lines[1].service_work_item_id.reading_ids[0]
        reading.with_user(self.env.ref("base.user_admin")).measured_value = 4.9
        self.assertEqual(invoice._service_changed_evidence_lines(), lines[1])
        result = invoice.action_verify_evidence()["params"]
        self.assertEqual(result["type"], "warning")
        self.assertIn(lines[1].name, result["message"])
        self.assertNotIn(lines[0].name, result["message"])

    def test_verify_needs_a_posted_invoice(self):
        invoice = create_invoiced_job(self.env, 1, post=False)
        with self.assertRaisesRegex(UserError, "post it first"):
            invoice.action_verify_evidence()


@tagged("post_install", "-at_install")
class TestInvoiceEvidenceReport(FieldServiceCase):
    def _render(self, report, invoice):
        content, _type = self.env["ir.actions.report"]._render_qweb_html(report, invoice.ids)
        return html.fromstring(content)

    def test_each_line_is_followed_by_its_evidence(self):
        task = self._documented_job()
        task.work_item_ids.reading_ids = task.reading_ids.filtered(lambda r: r.phase == "before")
        invoice = self._press_create_invoice(task)
        invoice.action_post()
        doc = self._render(EVIDENCE_REPORT, invoice)
        line = invoice.invoice_line_ids.filtered("service_work_item_id")
        evidence = doc.xpath(f"//tr[contains(@class, 'o_service_evidence')][@data-line-id='{line.id}']")
        self.assertEqual(len(evidence), 1)
        line_row = evidence[0].getprevious()
        self.assertIn("Run capacitor 5 uF", line_row.text_content())
        text = " ".join(evidence[0].text_content().split())
        self.assertIn("Martha Customer", text)
        self.assertIn("before the work started", text)
        self.assertIn(
            "Condenser fan run capacitor tested at 2.1 uF against a rated 5.0 uF: 58% below rating, "
            "outside the ±6% tolerance.",
            text,
        )
        self.assertIn("Why it was needed:", text)
        # Under the line, the start of its fingerprint; the full one in the list after the
        # totals, the very digest Verify evidence computes again from the line's evidence.
        self.assertIn(f"Fingerprint {line.service_evidence_hash[:8]}…", text)
        [listed] = doc.xpath(f"//*[contains(@class, 'o_evidence_fingerprint')][@data-line-id='{line.id}']")
        self.assertEqual(listed.text_content().strip(), line.service_evidence_hash)
        self.assertEqual(listed.text_content().strip(), line._service_evidence_digest())

    def test_invoice_without_job_lines_prints_a_note(self):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_line_ids": [Command.create({"product_id": self.labour_product.id})],
            }
        )
        doc = self._render(EVIDENCE_REPORT, invoice)
        self.assertFalse(doc.xpath("//tr[contains(@class, 'o_service_evidence')]"))
        self.assertTrue(doc.xpath("//p[contains(@class, 'o_service_no_evidence')]"))
        self.assertTrue(doc.xpath("//table[@name='invoice_line_table']"))

    def test_standard_invoice_report_is_unchanged(self):
        invoice = self._press_create_invoice(self._documented_job())
        invoice.action_post()
        report = self.env["ir.actions.report"]
        with_addon, _type = report._render_qweb_html("account.account_invoices", invoice.ids)
        self.env.ref("field_service_evidence.report_invoice_document_evidence").active = False
        without_addon, _type = report._render_qweb_html("account.account_invoices", invoice.ids)
        self.assertEqual(with_addon, without_addon)
        self.assertNotIn(b"o_service_evidence", with_addon)

    def test_query_count_does_not_grow_with_lines(self):
        """With the ORM's caches cleared (the bench's "cold": the first print after a server
        start, templates compiled), the evidence costs at most 15 queries more than Odoo's
        invoice, and as many at 10 lines as at 50."""
        reports = {"standard": "account.account_invoices", "evidence": EVIDENCE_REPORT}
        invoices = {size: create_invoiced_job(self.env, size) for size in (10, 50)}
        for report in reports.values():
            self.env["ir.actions.report"]._render_qweb_html(report, invoices[10].ids)  # compile the templates
        counts = {}
        for size, invoice in invoices.items():
            for name, report in reports.items():
                self.env.flush_all()
                self.env.invalidate_all()
                self.env.registry.clear_cache()
                start = self.env.cr.sql_log_count
                self.env["ir.actions.report"]._render_qweb_html(report, invoice.ids)
                counts[f"{name} at {size}"] = self.env.cr.sql_log_count - start
        self.assertEqual(counts["evidence at 10"], counts["evidence at 50"], counts)
        self.assertEqual(counts["standard at 10"], counts["standard at 50"], counts)
        self.assertLessEqual(counts["evidence at 50"], counts["standard at 50"] + 15, counts)

    def test_service_record_report(self):
        task = self._documented_job()
        task.approval_ids.write({"method": "signature", "signature": SIGNATURE_PNG})
        doc = self._render("field_service_evidence.action_report_service_record", task)
        text = " ".join(doc.text_content().split())
        self.assertIn("The air conditioner runs but blows warm air.", text)
        before = doc.xpath("//table[contains(@class, 'o_service_readings')][@data-phase='before']")[0]
        self.assertIn("2.1 uF against a rated 5.0 uF", " ".join(before.text_content().split()))
        after = doc.xpath("//table[contains(@class, 'o_service_readings')][@data-phase='after']")[0]
        self.assertIn("In spec", after.text_content())
        self.assertIn("100 / 100", text)
        self.assertTrue(doc.xpath("//img[contains(@class, 'o_service_signature')]"))
