import re
from urllib.parse import urlencode

from odoo import http
from odoo.addons.account.controllers.portal import PortalAccount
from odoo.exceptions import AccessError, MissingError
from odoo.http import content_disposition, request

SERVICE_RECORD_REPORT = "field_service_evidence.action_report_service_record"
THUMBNAIL_SIZE = 256


class EvidencePortal(PortalAccount):
    """The record of the work on the customer's invoice: each line's approval, findings, photos
    and justification, the same evidence the printed invoice carries, and the Service record
    PDF of its jobs. A portal user reads none of these records: each route checks the access
    to the invoice (the customer's login or the invoice's token), then shows only what the
    invoice's own lines hold."""

    def _invoice_get_page_view_values(self, invoice, access_token, **kwargs):
        values = super()._invoice_get_page_view_values(invoice, access_token, **kwargs)
        values.update(self._service_evidence_values(invoice, access_token))
        return values

    def _service_evidence_values(self, invoice_sudo, access_token=None):
        """What the portal templates read to show the invoice's evidence: the printed invoice's
        own batch, keyed by invoice line id, and the address of its images and PDF."""
        return {
            "service_evidence": invoice_sudo._service_evidence_report_data(),
            "evidence_base_url": f"/my/invoices/{invoice_sudo.id}",
            "evidence_query": f"?{urlencode({'access_token': access_token})}" if access_token else "",
        }

    def _service_evidence_invoice(self, invoice_id, access_token):
        """The invoice, sudo, when the visitor may read it; else None."""
        try:
            return self._document_check_access("account.move", invoice_id, access_token)
        except (AccessError, MissingError):
            return None

    def _service_evidence_image(self, invoice_id, access_token, key, record_id, field_name, size=0):
        """The image ``field_name`` of the record ``record_id`` among the ``key`` records of the
        invoice's evidence ("photos" or "approval"), when the visitor may read the invoice; else
        a 404, whether the invoice or the record is not theirs."""
        invoice_sudo = self._service_evidence_invoice(invoice_id, access_token)
        evidence = invoice_sudo._service_evidence_report_data().values() if invoice_sudo else ()
        record = next(
            (
                record
                for data in evidence
                for record in data[key]
                if record.id == record_id and record[field_name]
            ),
            None,
        )
        if not record:
            raise request.not_found()
        # record is sudo: a photo or the signature of a line of the invoice checked above
        stream = request.env["ir.binary"]._get_image_stream_from(record, field_name, width=size, height=size)
        return stream.get_response()

    # The evidence pages only read: Odoo 18 may serve them from a database replica.
    @http.route(
        "/my/invoices/<int:invoice_id>/evidence/photo/<int:photo_id>",
        type="http",
        auth="public",
        readonly=True,
    )
    def portal_invoice_evidence_photo(self, invoice_id, photo_id, access_token=None, **kw):
        return self._service_evidence_image(invoice_id, access_token, "photos", photo_id, "raw")

    @http.route(
        "/my/invoices/<int:invoice_id>/evidence/photo/<int:photo_id>/thumbnail",
        type="http",
        auth="public",
        readonly=True,
    )
    def portal_invoice_evidence_thumbnail(self, invoice_id, photo_id, access_token=None, **kw):
        return self._service_evidence_image(
            invoice_id, access_token, "photos", photo_id, "raw", size=THUMBNAIL_SIZE
        )

    @http.route(
        "/my/invoices/<int:invoice_id>/evidence/signature/<int:approval_id>",
        type="http",
        auth="public",
        readonly=True,
    )
    def portal_invoice_evidence_signature(self, invoice_id, approval_id, access_token=None, **kw):
        return self._service_evidence_image(invoice_id, access_token, "approval", approval_id, "signature")

    @http.route(
        "/my/invoices/<int:invoice_id>/service_record",
        type="http",
        auth="public",
        website=True,
        readonly=True,
    )
    def portal_invoice_service_record(self, invoice_id, access_token=None, **kw):
        invoice_sudo = self._service_evidence_invoice(invoice_id, access_token)
        if not invoice_sudo:
            return request.redirect("/my")
        tasks = invoice_sudo.service_task_ids
        if not tasks:
            return request.redirect(invoice_sudo.get_portal_url())
        # sudo: the customer reads neither jobs nor reports; the invoice access was checked
        # above and only the jobs its own lines bill are printed, in the customer's version
        # (no evidence score nor what the record lacks: the company's own review).
        pdf, _format = (
            request.env["ir.actions.report"]
            .sudo()
            .with_company(invoice_sudo.company_id)
            ._render_qweb_pdf(SERVICE_RECORD_REPORT, tasks.ids, data={"customer_version": True})
        )
        reference = re.sub(r"[^\w-]+", "_", invoice_sudo.name)
        filename = f"Service record - {reference}.pdf"
        return request.make_response(
            pdf,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(pdf)),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )
