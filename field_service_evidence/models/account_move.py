from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.image import image_data_uri

UNAPPROVED = ("approved_after_work", "not_approved")
# Hex characters of a line's fingerprint printed under it on the invoice with evidence: enough
# to find its full fingerprint in the list at the end (one chance in four billion to share).
SEAL_LENGTH = 8


class AccountMove(models.Model):
    _inherit = "account.move"

    service_task_ids = fields.Many2many("project.task", compute="_compute_service_evidence", string="Jobs")
    service_task_count = fields.Integer(compute="_compute_service_evidence", string="Job count")
    service_evidence_coverage = fields.Float(
        compute="_compute_service_evidence",
        string="Evidence coverage (%)",
        help="Share of the untaxed amount billed for work the customer approved before it was done.",
    )
    dispute_ids = fields.One2many("invoice.dispute", "invoice_id", string="Disputes")
    concession_id = fields.Many2one(
        "invoice.dispute.concession",
        index="btree_not_null",
        copy=False,
        readonly=True,
        ondelete="restrict",
        help="The concession this credit note or write-off posts.",
    )
    concession_dispute_id = fields.Many2one(
        related="concession_id.dispute_id", string="Concession of dispute", store=True, index="btree_not_null"
    )
    concession_invoice_id = fields.Many2one(
        related="concession_dispute_id.invoice_id", string="Disputed invoice"
    )
    concession_method = fields.Selection(related="concession_id.method", string="Concession method")
    dispute_count = fields.Integer(compute="_compute_dispute_count")
    dispute_state = fields.Selection(
        [("disputed", "Disputed"), ("resolved", "Dispute resolved")],
        compute="_compute_dispute_state",
        store=True,
        help="Disputed while a dispute on it is open; resolved once all are closed.",
    )
    service_evidence_line_ids = fields.One2many(
        "account.move.line",
        compute="_compute_service_evidence",
        string="Evidence per line",
    )

    @api.depends(
        "invoice_line_ids.service_task_id",
        "invoice_line_ids.service_approval_status",
        "invoice_line_ids.price_subtotal",
    )
    def _compute_service_evidence(self):
        for move in self:
            lines = move.invoice_line_ids.filtered(lambda line: line.display_type == "product")
            move.service_evidence_line_ids = lines
            move.service_task_ids = lines.service_task_id
            move.service_task_count = len(move.service_task_ids)
            total = sum(lines.mapped("price_subtotal"))
            approved = sum(
                lines.filtered(lambda line: line.service_approval_status == "approved_before_work").mapped(
                    "price_subtotal"
                )
            )
            move.service_evidence_coverage = approved / total * 100.0 if total else 0.0

    @api.depends("dispute_ids")
    def _compute_dispute_count(self):
        for move in self:
            move.dispute_count = len(move.dispute_ids)

    @api.depends("dispute_ids.is_closed", "dispute_ids.stage_id.is_cancel")
    def _compute_dispute_state(self):
        for move in self:
            disputes = move.dispute_ids.filtered(lambda dispute: not dispute.stage_id.is_cancel)
            if disputes.filtered(lambda dispute: not dispute.is_closed):
                move.dispute_state = "disputed"
            elif disputes:
                move.dispute_state = "resolved"
            else:
                move.dispute_state = False

    def action_open_dispute(self, lines=None):
        """A new dispute on this invoice, to fill in and save: with the given lines, or with
        every product line not disputed yet (remove the ones the customer accepts)."""
        self.ensure_one()
        self._check_can_dispute()
        if lines is None:
            disputed = self.dispute_ids.filtered(lambda d: not d.stage_id.is_cancel).line_ids.move_line_id
            lines = self.invoice_line_ids.filtered(lambda line: line.display_type == "product") - disputed
            if not lines:
                raise UserError(self.env._("Every line of %s is already disputed.", self.display_name))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Dispute %s", self.display_name),
            "res_model": "invoice.dispute",
            "view_mode": "form",
            "views": [(False, "form")],
            "context": {f"default_{key}": value for key, value in self._prepare_dispute_vals(lines).items()},
        }

    def _check_can_dispute(self):
        for move in self:
            if move.move_type != "out_invoice":
                raise UserError(
                    self.env._("Only customer invoices can be disputed; %s is not one.", move.display_name)
                )
            if move.state != "posted":
                raise UserError(
                    self.env._("%s is not posted: only a posted invoice can be disputed.", move.display_name)
                )

    def _prepare_dispute_vals(self, lines):
        self.ensure_one()
        return {
            "invoice_id": self.id,
            "line_ids": [fields.Command.create({"move_line_id": line.id}) for line in lines],
        }

    def action_open_disputes(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "field_service_evidence.invoice_dispute_action"
        )
        action["domain"] = [("invoice_id", "=", self.id)]
        action["context"] = {"default_invoice_id": self.id}
        if len(self.dispute_ids) == 1:
            # one dispute: straight to it, not to a board of one card
            action.update(res_id=self.dispute_ids.id, view_mode="form", views=[(False, "form")])
        return action

    def action_open_concession_dispute(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "field_service_evidence.invoice_dispute_action"
        )
        action.update(res_id=self.concession_dispute_id.id, view_mode="form", views=[(False, "form")])
        return action

    def _service_unapproved_lines(self):
        """Lines billing job work that the customer did not approve before it was done."""
        return self.invoice_line_ids.filtered(
            lambda line: line.move_id.move_type == "out_invoice"
            and line.service_approval_status in UNAPPROVED
        )

    def _service_unapproved_message(self, lines):
        return "\n".join(
            f"- {line.name} ({line.service_task_id.display_name}): "
            f"{dict(line._fields['service_approval_status']._description_selection(self.env))[line.service_approval_status]}"
            for line in lines
        )

    def action_post(self):
        if not self.env.context.get("service_unapproved_confirmed"):
            to_confirm = self.filtered(
                lambda move: move.company_id.service_unapproved_posting == "warn"
                and move._service_unapproved_lines()
            )
            if to_confirm:
                return self.env["service.invoice.posting"]._action_open(self)
        # Odoo answers False when nothing follows; integrations over XML-RPC get True
        return super().action_post() or True

    def _post(self, soft=True):
        for move in self.filtered(lambda m: m.company_id.service_unapproved_posting == "block"):
            lines = move._service_unapproved_lines()
            if lines:
                raise UserError(
                    self.env._(
                        "%(invoice)s bills work the customer did not approve before it was done:\n"
                        "%(lines)s\nRecord the customer's authorisation, remove these lines, or ask "
                        "an administrator to change the posting policy in the Invoicing settings.",
                        invoice=move.display_name,
                        lines=self._service_unapproved_message(lines),
                    )
                )
        self._check_service_seals_kept()
        posted = super()._post(soft=soft)
        posted.invoice_line_ids._service_seal_evidence()
        return posted

    def _check_service_seals_kept(self):
        """Posting again (after a reset to draft) keeps the seal of the first posting: it is
        refused while a sealed line's evidence differs from it, rather than sealed anew."""
        for move in self:
            changed = move.invoice_line_ids.filtered("service_evidence_hash")._service_changed_evidence()
            if changed:
                raise UserError(
                    self.env._(
                        "The evidence of these lines of %(invoice)s changed since it was sealed, when "
                        "the invoice was first posted:\n%(lines)s\nPosting again would hide what was "
                        "invoiced. Undo the change, or cancel this invoice and invoice the jobs again: "
                        "the new invoice seals the evidence as it is now.",
                        invoice=move.display_name,
                        lines="\n".join(
                            f"- “{line.name}” ({line.service_task_id.display_name})"
                            if line.service_task_id
                            else f"- “{line.name}”"
                            for line in changed
                        ),
                    )
                )

    def _service_changed_evidence_lines(self):
        """Lines whose own evidence no longer matches the fingerprint sealed on them at the
        first posting, in the invoice's order; a linked line without a seal counts as changed."""
        return (
            self.invoice_line_ids.filtered(
                lambda line: line.service_work_item_id or line.service_evidence_hash
            )
            .sorted(lambda line: (line.move_id.id, line.sequence, line.id))
            ._service_changed_evidence()
        )

    def action_verify_evidence(self):
        self.ensure_one()
        if self.state != "posted":
            raise UserError(self.env._("The evidence is sealed when the invoice is posted: post it first."))
        if not self.invoice_line_ids.filtered("service_work_item_id"):
            raise UserError(self.env._("No line of this invoice comes from a service job."))
        changed = self._service_changed_evidence_lines()
        if changed:
            message = self.env._(
                "The evidence changed since the invoice was posted, on: %s.",
                ", ".join(changed.mapped("name")),
            )
            kind = "warning"
        else:
            message = self.env._("The evidence of every line still matches what was invoiced.")
            kind = "success"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Verify evidence"),
                "message": message,
                "type": kind,
                "sticky": bool(changed),
            },
        }

    def action_open_service_tasks(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("field_service_evidence.project_task_action")
        action["domain"] = [("id", "in", self.service_task_ids.ids)]
        if len(self.service_task_ids) == 1:
            action.update(res_id=self.service_task_ids.id, view_mode="form", views=[(False, "form")])
        return action

    def _service_evidence_report_data(self):
        """Evidence of every linked line of these invoices, read in one batch for the report.

        :return: {line id: {"approval", "status", "readings", "photos", "justification", "stale",
            "hash", "seal", "signature"}}: ``photos`` are the readings' photos that are images (the
            portal shows them); ``seal`` is the start of the fingerprint, printed under the line
            (the full fingerprints are listed once, at the end of the invoice); ``signature`` the
            approval's signature as an image URL, encoded once per approval.
        """
        lines = self.invoice_line_ids.filtered("service_work_item_id")
        # Touch the related records once on the whole set so the ORM reads them in batches.
        approvals = lines.service_work_item_id.approval_id
        approvals.mapped("decided_at")
        lines.service_work_item_id.reading_ids.mapped("finding")
        lines.service_work_item_id.reading_ids.photo_ids.mapped("mimetype")
        signatures = {
            approval.id: approval.signature and image_data_uri(approval.signature) for approval in approvals
        }
        return {
            line.id: {
                "approval": line.service_approval_id,
                "status": line.service_approval_status,
                "readings": line.service_work_item_id.reading_ids,
                "photos": line.service_work_item_id.reading_ids.photo_ids.filtered(
                    lambda photo: (photo.mimetype or "").startswith("image/")
                ),
                "justification": line.service_justification,
                "stale": line.service_approval_stale,
                "hash": line.service_evidence_hash,
                "seal": (line.service_evidence_hash or "")[:SEAL_LENGTH],
                "signature": signatures.get(line.service_approval_id.id, False),
            }
            for line in lines
        }

    def _service_evidence_fingerprints(self, evidence):
        """The sealed lines of this invoice among ``evidence`` (the report's data), in the
        invoice's order, for the list of full fingerprints at the end of the document."""
        self.ensure_one()
        return self.invoice_line_ids.sorted(lambda line: (line.sequence, line.id)).filtered(
            lambda line: evidence.get(line.id, {}).get("hash")
        )

    def _service_approval_method_labels(self):
        """How an approval was given, in the words of the document's language (``self``'s)."""
        return dict(self.env["service.approval"]._fields["method"]._description_selection(self.env))
