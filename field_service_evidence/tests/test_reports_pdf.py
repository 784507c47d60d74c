import re
import subprocess
import tempfile
from contextlib import contextmanager

from odoo.tests import HttpCase, tagged

from .invoice_fixtures import create_invoiced_job
from .test_dispute import DisputeCase
from .test_dispute_pack import CUSTOMER_PACK, PACK
from .test_invoice_evidence import EVIDENCE_REPORT


@tagged("post_install", "-at_install")
class TestEvidencePdf(DisputeCase, HttpCase):
    """Real PDFs through wkhtmltopdf: an HttpCase, so the server it fetches styles from runs."""

    def _render_pdf(self, report, records):
        pdf, report_format = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(report, records.ids)
        )
        self.assertEqual(report_format, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"), pdf[:20])
        return pdf

    @staticmethod
    @contextmanager
    def _pdf_file(pdf):
        with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
            file.write(pdf)
            file.flush()
            yield file.name

    def _page_count(self, pdf):
        with self._pdf_file(pdf) as name:
            info = subprocess.run(["pdfinfo", name], capture_output=True, text=True, check=True).stdout
        return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))

    def _text(self, pdf):
        """The PDF's text, line by line as laid out on its pages."""
        with self._pdf_file(pdf) as name:
            return subprocess.run(
                ["pdftotext", "-layout", name, "-"], capture_output=True, text=True, check=True
            ).stdout

    def test_invoice_with_evidence_pdf(self):
        invoice = create_invoiced_job(self.env, 1)
        pdf = self._render_pdf(EVIDENCE_REPORT, invoice)
        self.assertEqual(self._page_count(pdf), 1)

    def test_evidence_pdf_at_most_twice_the_invoice_with_every_lines_evidence(self):
        """50 lines with 3 readings each: at most twice the pages of Odoo's invoice, and for
        each line, in the PDF's text, its approval, reason and findings beside the start of
        its fingerprint, with the full fingerprints listed once.

        The evidence is printed in a system font: its text is real text in the PDF. (Debian's
        wkhtmltopdf draws the report's web font, Lato, as outlines: the rest of an Odoo PDF,
        the line names and amounts among it, does not read back as text.)"""
        invoice = create_invoiced_job(self.env, 50)
        standard_pages = self._page_count(self._render_pdf("account.account_invoices", invoice))
        pdf = self._render_pdf(EVIDENCE_REPORT, invoice)
        evidence_pages = self._page_count(pdf)
        self.assertLessEqual(
            evidence_pages, 2 * standard_pages, f"{evidence_pages} pages for {standard_pages}"
        )

        text = self._text(pdf)
        body, fingerprints = text.split("Evidence fingerprints")
        lines = invoice.invoice_line_ids.filtered("service_work_item_id")
        by_reference = {line.service_evidence_hash[:8]: line for line in lines}
        self.assertEqual(len(by_reference), 50)
        datetimes = self.env["ir.qweb.field.datetime"]
        # Each line's evidence starts at its approval row.
        blocks = [" ".join(block.split()) for block in body.split("Approval:")[1:]]
        self.assertEqual(len(blocks), 50)
        for block in blocks:
            [reference] = re.findall(r"Fingerprint ([0-9a-f]{8})…", block)
            self.assertIn(
                reference, by_reference, "the start of an invoiced line's fingerprint, printed once"
            )
            line = by_reference.pop(reference)
            with self.subTest(line=line.name):
                decided = datetimes.value_to_html(line.service_approval_id.decided_at, {"hide_seconds": True})
                self.assertIn(
                    f"Benchmark customer, In person (verbal), {decided} (before the work started)", block
                )
                self.assertIn("Why it was needed: Tested far below its rating.", block)
                self.assertEqual(block.count("Findings:"), 1)
                for reading in line.service_reading_ids:
                    self.assertIn(" ".join(reading.finding.split()), block)
        self.assertFalse(by_reference, "every line's evidence is printed")
        listed = fingerprints.split()
        for line in lines:
            self.assertEqual(listed.count(line.service_evidence_hash), 1, line.name)

    def test_service_record_pdf(self):
        pdf = self._render_pdf("field_service_evidence.action_report_service_record", self._documented_job())
        self.assertEqual(self._page_count(pdf), 1)

    def test_dispute_pack_pdf(self):
        """The full pack and the customer's: each of their documents is converted."""
        dispute = self._resolved_dispute()
        for report in (PACK, CUSTOMER_PACK):
            with self.subTest(report=report):
                # The summary, the invoice and the service record each start on a page of their own.
                self.assertGreaterEqual(self._page_count(self._render_pdf(report, dispute)), 3)
