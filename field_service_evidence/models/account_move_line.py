import hashlib
import json

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .service_work_item import APPROVAL_STATUSES

# Fingerprints are written only under this context key, and only when its value is this very
# object: a caller over RPC can put any key in the context, but only JSON values, never it.
SEALING_CONTEXT_KEY = "service_evidence_sealing"
_SEALING = object()


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    service_work_item_id = fields.Many2one(
        "service.work.item",
        string="Work item",
        index="btree_not_null",
        copy=False,
        check_company=True,
        domain="[('state', '=', 'done'), ('task_id.partner_id', 'child_of', partner_id)]",
        help="The job's work item this line bills: its approval, readings and justification "
        "are the evidence of the line.",
    )
    service_task_id = fields.Many2one(
        related="service_work_item_id.task_id", string="Job", store=True, index="btree_not_null"
    )
    service_technician_id = fields.Many2one(
        "res.users",
        string="Technician",
        compute="_compute_service_technician_id",
        store=True,
        index="btree_not_null",
        help="The first technician assigned to the job this line bills.",
    )
    service_approval_id = fields.Many2one(related="service_work_item_id.approval_id", string="Approval")
    service_reading_ids = fields.Many2many(related="service_work_item_id.reading_ids", string="Readings")
    service_justification = fields.Text(
        related="service_work_item_id.justification", string="Why it was needed"
    )
    service_approval_stale = fields.Boolean(related="service_work_item_id.approval_stale")
    service_approval_status = fields.Selection(
        [*APPROVAL_STATUSES, ("not_applicable", "Not from a job")],
        string="Approval status",
        compute="_compute_service_approval_status",
        store=True,
        index=True,
    )
    # The Evidence tab's short words for the approval status: the column reads "Approved: Before".
    service_approval_badge = fields.Selection(
        [
            ("approved_before_work", "Before"),
            ("approved_after_work", "After"),
            ("not_approved", "None"),
            ("not_applicable", "Not from a job"),
        ],
        string="Approved",
        compute="_compute_service_approval_badge",
        help="When the customer approved the work: before it was done, after, or not at all; "
        "“Not from a job” when the line bills no job's work item.",
    )
    service_findings = fields.Text(
        string="Findings",
        compute="_compute_service_findings",
        help="What each justifying reading measured, against its reference.",
    )
    service_evidence_hash = fields.Char(
        string="Evidence fingerprint",
        readonly=True,
        copy=False,
        help="SHA-256 of the line's own evidence (approval, readings, photos, justification) "
        "when the invoice was first posted. Written once, by posting; never changed afterwards.",
    )

    @api.depends("service_task_id.user_ids")
    def _compute_service_technician_id(self):
        for line in self:
            line.service_technician_id = line.service_task_id.user_ids[:1]

    @api.depends("service_work_item_id.approval_status")
    def _compute_service_approval_status(self):
        for line in self:
            line.service_approval_status = line.service_work_item_id.approval_status or "not_applicable"

    @api.depends("service_approval_status")
    def _compute_service_approval_badge(self):
        for line in self:
            line.service_approval_badge = line.service_approval_status

    @api.depends(
        "service_work_item_id.reading_ids.measured_value",
        "service_work_item_id.reading_ids.result",
        "service_work_item_id.reading_ids.phase",
    )
    def _compute_service_findings(self):
        for line in self:
            readings = line.service_work_item_id.reading_ids.sorted(
                lambda reading: (reading.phase != "before", reading.taken_at, reading.id)
            )
            line.service_findings = "\n".join(map(self._service_reading_summary, readings)) or False

    def _service_reading_summary(self, reading):
        """One reading in a few words: “Before · 2.1 uF vs 5.0 uF rated: out of spec”."""
        unit, decimals = reading.type_id.unit, reading.type_id.decimals

        def value(number, with_unit=True):
            return reading._format_value(number, unit if with_unit else "", decimals)

        measured, kind = value(reading.measured_value), reading.tolerance_kind
        if kind == "percent":
            comparison = self.env._(
                "%(measured)s vs %(rated)s rated", measured=measured, rated=value(reading.rated_value)
            )
        elif kind == "range":
            comparison = self.env._(
                "%(measured)s vs %(min)s–%(max)s",
                measured=measured,
                min=value(reading.min_value, with_unit=False),
                max=value(reading.max_value),
            )
        elif kind == "min":
            comparison = self.env._(
                "%(measured)s vs min %(min)s", measured=measured, min=value(reading.min_value)
            )
        elif kind == "max":
            comparison = self.env._(
                "%(measured)s vs max %(max)s", measured=measured, max=value(reading.max_value)
            )
        else:
            comparison = measured
        phase = self.env._("Before") if reading.phase == "before" else self.env._("After")
        verdicts = {"in_spec": self.env._("in spec"), "out_of_spec": self.env._("out of spec")}
        if reading.result not in verdicts:
            return self.env._("%(phase)s · %(comparison)s", phase=phase, comparison=comparison)
        return self.env._(
            "%(phase)s · %(comparison)s: %(verdict)s",
            phase=phase,
            comparison=comparison,
            verdict=verdicts[reading.result],
        )

    @api.constrains("service_work_item_id", "partner_id")
    def _check_service_work_item(self):
        for line in self.filtered("service_work_item_id"):
            item = line.service_work_item_id
            customer = item.task_id.partner_id.commercial_partner_id
            if line.move_id.is_sale_document() and customer != line.move_id.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "“%(item)s” is work done for %(customer)s: it cannot be billed to %(partner)s.",
                        item=item.name,
                        customer=customer.display_name,
                        partner=line.move_id.commercial_partner_id.display_name,
                    )
                )
            if len(item._get_invoiced_lines()) > 1:
                raise ValidationError(
                    self.env._(
                        "“%(item)s” of job “%(job)s” is already invoiced: a work item is billed once.",
                        item=item.name,
                        job=item.task_id.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        forged = next((vals for vals in vals_list if vals.get("service_evidence_hash")), None)
        if forged:
            self._raise_evidence_hash_is_sealed(forged.get("name") or self.env._("a new line"))
        return super().create(vals_list)

    def write(self, vals):
        if "service_evidence_hash" in vals and self.env.context.get(SEALING_CONTEXT_KEY) is not _SEALING:
            self._raise_evidence_hash_is_sealed(self[:1].name)
        return super().write(vals)

    def action_dispute_line(self):
        """“Dispute this line”, from the invoice's Evidence tab."""
        self.ensure_one()
        return self.move_id.action_open_dispute(lines=self)

    def _raise_evidence_hash_is_sealed(self, line_name):
        raise UserError(
            self.env._(
                "The evidence fingerprint of “%s” is written when the invoice is posted and cannot be "
                "set or changed otherwise: it proves what the job's evidence was when it was invoiced. "
                "Use Verify evidence on the invoice to check it.",
                line_name,
            )
        )

    def _service_evidence_payload(self):
        """The evidence of the line as canonical data: what the fingerprint seals."""
        self.ensure_one()
        item = self.service_work_item_id
        approval = self.service_approval_id
        return {
            "line": [self.id, self.product_id.id, self.name, self.quantity, self.price_unit],
            "item": [item.id, item.name, item.quantity, item.price_unit, item.justification or ""],
            "approval": approval
            and [
                approval.id,
                approval.kind,
                approval.method,
                approval.state,
                approval.approver_name or "",
                approval.partner_id.id,
                fields.Datetime.to_string(approval.decided_at),
                hashlib.sha256(approval.signature or b"").hexdigest(),
                self._service_photo_checksums(approval.attachment_ids),
                # signed remotely: where from; absent otherwise, so earlier seals still verify
                *([approval.signer_ip, approval.signer_user_agent or ""] if approval.signer_ip else []),
            ],
            "readings": [
                [
                    reading.id,
                    reading.type_id.id,
                    reading.component or "",
                    reading.phase,
                    reading.measured_value,
                    reading.rated_value,
                    reading.tolerance_kind,
                    reading.tolerance_percent,
                    reading.min_value,
                    reading.max_value,
                    reading.result,
                    reading.finding or "",
                    fields.Datetime.to_string(reading.taken_at),
                    self._service_photo_checksums(reading.photo_ids),
                ]
                for reading in item.reading_ids.sorted("id")
            ],
        }

    @staticmethod
    def _service_photo_checksums(attachments):
        """Photos are sealed by their content: a replaced file changes its checksum."""
        return [[attachment.id, attachment.checksum or ""] for attachment in attachments.sorted("id")]

    def _service_evidence_digest(self):
        """The line's fingerprint: SHA-256 of its own evidence, and of nothing else, so a
        change (or a tampered fingerprint) blames only its own line."""
        self.ensure_one()
        # sudo: the fingerprint must not depend on who computes it (a photo uploaded by the
        # technician, a reading another user's record rules hide); only the digest leaves here.
        payload = json.dumps(self.sudo()._service_evidence_payload(), sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()

    def _service_changed_evidence(self):
        """The lines whose evidence no longer gives the fingerprint sealed on them."""
        return self.filtered(lambda line: line._service_evidence_digest() != line.service_evidence_hash)

    def _service_seal_evidence(self):
        """Seal the linked lines not sealed yet: the only writer of their fingerprint. A line
        sealed at an earlier posting keeps its first seal."""
        for line in self.filtered(lambda line: line.service_work_item_id and not line.service_evidence_hash):
            line.with_context(
                **{SEALING_CONTEXT_KEY: _SEALING}
            ).service_evidence_hash = line._service_evidence_digest()
