import functools
import subprocess

from odoo import Command, api, models
from odoo.addons.base.models.ir_actions_report import _get_wkhtmltopdf_bin
from odoo.tools.pdf import merge_pdf


@functools.cache
def _wkhtmltopdf_converts_several_documents():
    """Whether wkhtmltopdf converts several HTML documents in one run: only a build on
    patched Qt does ("wkhtmltopdf 0.12.6.1 (with patched qt)"); Debian's does not and
    writes an empty PDF."""
    try:
        version = subprocess.run(
            [_get_wkhtmltopdf_bin(), "--version"], capture_output=True, text=True, check=False
        ).stdout
    except OSError:
        return True  # no wkhtmltopdf: Odoo's own code says so
    return "patched qt" in version.lower()


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    @api.model
    def _run_wkhtmltopdf(
        self,
        bodies,
        report_ref=False,
        header=None,
        footer=None,
        landscape=False,
        specific_paperformat_args=None,
        set_viewport_size=False,
    ):
        """The addon's reports hold several documents (the dispute pack: its summary, the
        invoice, each job's service record): with a wkhtmltopdf that converts one document
        per run, convert them one by one and merge the PDFs."""
        run = functools.partial(
            super()._run_wkhtmltopdf,
            report_ref=report_ref,
            header=header,
            footer=footer,
            landscape=landscape,
            specific_paperformat_args=specific_paperformat_args,
            set_viewport_size=set_viewport_size,
        )
        if (
            len(bodies) > 1
            and report_ref
            and self._get_report(report_ref).report_name.startswith("field_service_evidence.")
            and not _wkhtmltopdf_converts_several_documents()
        ):
            return merge_pdf([run([body]) for body in bodies])
        return run(bodies)

    @api.model
    def _mail_customer_dispute_pack(self):
        """The dispute pack e-mail attaches the customer version of the pack, never the full
        pack with the negotiation. Its template is noupdate: in a database installed before
        the customer version existed, swap the full pack for it; a template changed
        otherwise (or deleted) is left as its users made it."""
        template = self.env.ref("field_service_evidence.mail_template_dispute_pack", raise_if_not_found=False)
        full_pack = self.env.ref("field_service_evidence.action_report_dispute_pack")
        if template and full_pack in template.report_template_ids:
            customer_pack = self.env.ref("field_service_evidence.action_report_dispute_pack_customer")
            template.report_template_ids = [Command.unlink(full_pack.id), Command.link(customer_pack.id)]
        return True
