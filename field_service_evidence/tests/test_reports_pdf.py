import re
import subprocess
import tempfile

from odoo.tests import HttpCase, tagged

from .invoice_fixtures import create_invoiced_job
from .test_dispute import DisputeCase
from .test_dispute_pack import CUSTOMER_PACK, PACK


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

    def _page_count(self, pdf):
        with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
            file.write(pdf)
            file.flush()
            info = subprocess.run(["pdfinfo", file.name], capture_output=True, text=True, check=True).stdout
        return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))

    def test_invoice_with_evidence_pdf(self):
        invoice = create_invoiced_job(self.env, 1)
        pdf = self._render_pdf("field_service_evidence.action_report_invoice_evidence", invoice)
        self.assertEqual(self._page_count(pdf), 1)
        # Forty lines with their evidence run over several pages.
        long_invoice = create_invoiced_job(self.env, 40)
        long_pdf = self._render_pdf("field_service_evidence.action_report_invoice_evidence", long_invoice)
        self.assertGreater(self._page_count(long_pdf), 2)

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
