from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

START_REASONS = [
    ("emergency", "Emergency (no heat, flooding, no power)"),
    ("safety", "Safety hazard (gas, electrical, water damage)"),
    ("standing_permission", "Customer absent, standing permission"),
]

# The evidence a complete service record holds, with its weight in the score (sums to 100).
EVIDENCE_WEIGHTS = {
    "complaint": 10,
    "diagnosis": 10,
    "readings_before": 20,
    "justification": 15,
    "prior_approval": 20,
    "items_approved": 5,
    "readings_after": 15,
    "work_recorded": 5,
}


class ProjectTask(models.Model):
    _inherit = "project.task"

    is_field_service = fields.Boolean(related="project_id.is_field_service", store=True, string="Service job")
    service_complaint = fields.Text(
        string="Customer's complaint", tracking=True, help="What the customer reported, in their words."
    )
    service_diagnosis = fields.Text(string="Diagnosis", tracking=True)
    service_work_summary = fields.Text(string="Work summary", tracking=True)
    work_started_at = fields.Datetime(readonly=True, copy=False, tracking=True)
    work_completed_at = fields.Datetime(readonly=True, copy=False, tracking=True)
    service_state = fields.Selection(
        [("not_started", "Not started"), ("in_progress", "Work in progress"), ("completed", "Completed")],
        compute="_compute_service_state",
        store=True,
        string="Work status",
        group_expand=True,  # the jobs board shows every status, in this order
    )
    start_without_approval_reason = fields.Selection(
        START_REASONS,
        string="Reason to start without authorisation",
        tracking=True,
        copy=False,
    )
    start_without_approval_note = fields.Text(string="Details of the reason", tracking=True, copy=False)
    started_without_approval = fields.Boolean(
        compute="_compute_started_without_approval",
        store=True,
        help="Work started before the customer authorised it.",
    )
    reading_ids = fields.One2many("service.reading", "task_id", string="Readings")
    work_item_ids = fields.One2many("service.work.item", "task_id", string="Work items")
    approval_ids = fields.One2many("service.approval", "task_id", string="Approvals")
    evidence_score = fields.Integer(
        compute="_compute_evidence",
        store=True,
        aggregator="avg",
        help="How complete the service record is, from 0 to 100.",
    )
    evidence_gaps = fields.Text(compute="_compute_evidence", store=True, string="Evidence gaps")
    evidence_locked = fields.Boolean(
        compute="_compute_evidence_locked",
        help="The job is completed: only a dispute manager may change its readings and approvals.",
    )

    service_invoice_ids = fields.Many2many(
        "account.move", compute="_compute_service_invoice_ids", string="Invoices"
    )
    service_invoice_count = fields.Integer(compute="_compute_service_invoice_ids", string="Invoice count")
    service_can_invoice = fields.Boolean(
        compute="_compute_service_can_invoice",
        groups="account.group_account_invoice",
        help="A done work item is not invoiced yet: Create invoice has something to bill.",
    )

    @api.depends("work_item_ids.invoice_line_ids.move_id.move_type")
    def _compute_service_invoice_ids(self):
        for task in self:
            task.service_invoice_ids = task.work_item_ids.invoice_line_ids.move_id.filtered(
                lambda move: move.move_type == "out_invoice"
            )
            task.service_invoice_count = len(task.service_invoice_ids)

    @api.depends(
        "is_field_service",
        "work_item_ids.state",
        "work_item_ids.invoice_line_ids.move_id.state",
        "work_item_ids.invoice_line_ids.move_id.move_type",
    )
    def _compute_service_can_invoice(self):
        for task in self:
            task.service_can_invoice = task.is_field_service and bool(task._get_items_to_invoice())

    @api.depends("work_started_at", "work_completed_at")
    def _compute_service_state(self):
        for task in self:
            if task.work_completed_at:
                task.service_state = "completed"
            elif task.work_started_at:
                task.service_state = "in_progress"
            else:
                task.service_state = "not_started"

    @api.depends("work_started_at", "approval_ids.before_work")
    def _compute_started_without_approval(self):
        for task in self:
            task.started_without_approval = bool(task.work_started_at) and not any(
                task.approval_ids.mapped("before_work")
            )

    @api.depends(
        "is_field_service",
        "service_complaint",
        "service_diagnosis",
        "work_started_at",
        "work_completed_at",
        "started_without_approval",
        "start_without_approval_reason",
        "reading_ids.phase",
        "work_item_ids.state",
        "work_item_ids.justification",
        "work_item_ids.approval_ids.state",
        "work_item_ids.approval_ids.line_ids",
        "work_item_ids.price_subtotal",
        "approval_ids.state",
        "approval_ids.before_work",
    )
    def _compute_evidence(self):
        for task in self:
            if not task.is_field_service:
                task.evidence_score = 0
                task.evidence_gaps = False
                continue
            gaps = task._evidence_gaps()
            task.evidence_score = 100 - sum(EVIDENCE_WEIGHTS[key] for key in gaps)
            task.evidence_gaps = "\n".join(gaps.values()) or False

    @api.depends("work_completed_at")
    @api.depends_context("uid")
    def _compute_evidence_locked(self):
        may_edit = self.env["service.reading"]._may_edit_completed_evidence()
        for task in self:
            task.evidence_locked = bool(task.work_completed_at) and not may_edit

    def _evidence_gaps(self):
        """What the service record lacks, as {evidence key: sentence saying what to do}."""
        self.ensure_one()
        gaps = {}
        readings = self.reading_ids
        items = self.work_item_ids.filtered(lambda item: item.state != "declined")
        if not self.service_complaint:
            gaps["complaint"] = self.env._("No complaint: write down what the customer reported.")
        if not self.service_diagnosis:
            gaps["diagnosis"] = self.env._("No diagnosis: say what you found and why it fails.")
        if not readings.filtered(lambda r: r.phase == "before"):
            gaps["readings_before"] = self.env._(
                "No readings before work: measure what is wrong before fixing it."
            )
        unjustified = items.filtered(lambda item: not item.justification)
        if unjustified:
            gaps["justification"] = self.env._(
                "No justification for: %s. Say why each was needed.", ", ".join(unjustified.mapped("name"))
            )
        if self.started_without_approval:
            reason = dict(START_REASONS).get(self.start_without_approval_reason)
            gaps["prior_approval"] = (
                self.env._("Work started before any approval (reason given: %s).", reason)
                if reason
                else self.env._("Work started before any approval.")
            )
        elif not self.approval_ids.filtered(lambda a: a.state == "approved" and a.kind == "authorisation"):
            gaps["prior_approval"] = self.env._(
                "No customer authorisation yet: have the customer approve the work."
            )
        unapproved = items.filtered(
            lambda item: item.approval_stale
            or not item.approval_ids.filtered(lambda a: a.state == "approved")
        )
        if unapproved:
            gaps["items_approved"] = self.env._(
                "Not approved, or beyond what was approved: %s.", ", ".join(unapproved.mapped("name"))
            )
        if not readings.filtered(lambda r: r.phase == "after"):
            gaps["readings_after"] = self.env._(
                "No readings after work: measure again to show the fix worked."
            )
        if not items.filtered(lambda item: item.state == "done"):
            gaps["work_recorded"] = self.env._("No work item done: record the parts and labour used.")
        return gaps

    def action_send_for_approval(self):
        """The job's proposed items, as an estimate to send the customer for a remote signature."""
        self.ensure_one()
        if self.work_completed_at:
            raise UserError(
                self.env._("“%s” is completed: there is nothing left to approve.", self.display_name)
            )
        items = self.work_item_ids.filtered(lambda item: item.state == "proposed")
        if not items:
            raise UserError(
                self.env._(
                    "No proposed work item on “%s”: add the parts and labour you propose, "
                    "or propose a declined item again.",
                    self.display_name,
                )
            )
        pending = self.approval_ids.filtered(
            lambda approval: approval.state == "requested" and approval.method == "remote_signature"
        )[:1]
        if pending:
            pending.work_item_ids = items
        else:
            pending = self.env["service.approval"].create(
                {
                    "task_id": self.id,
                    "kind": "authorisation",
                    "method": "remote_signature",
                    "work_item_ids": [Command.set(items.ids)],
                }
            )
        return pending._action_open_sending()

    def action_start_work(self):
        self._check_can_start_work()
        self.work_started_at = fields.Datetime.now()
        return True

    def _check_can_start_work(self):
        for task in self:
            if not task.is_field_service:
                raise UserError(self.env._("“%s” is not a field-service job.", task.display_name))
            if task.work_started_at:
                raise UserError(self.env._("Work on “%s” has already started.", task.display_name))
            authorised = task.approval_ids.filtered(
                lambda a: a.state == "approved" and a.kind == "authorisation"
            )
            if not authorised and not task.start_without_approval_reason:
                raise UserError(
                    self.env._(
                        "The customer has not authorised the work on “%s” yet. Record their approval "
                        "first, or give the reason to start without it (emergency, safety hazard, "
                        "standing permission).",
                        task.display_name,
                    )
                )

    def action_complete_work(self):
        self._check_can_complete_work()
        # The job is closed for Project too: its filters and boards agree with the work status.
        self.write({"work_completed_at": fields.Datetime.now(), "state": "1_done"})
        return True

    def _check_can_complete_work(self):
        for task in self:
            if not task.work_started_at:
                raise UserError(self.env._("Start the work on “%s” before completing it.", task.display_name))
            if task.work_completed_at:
                raise UserError(self.env._("“%s” is already completed.", task.display_name))
            pending = task.work_item_ids.filtered(lambda item: item.state in ("proposed", "approved"))
            if pending:
                raise UserError(
                    self.env._(
                        "These work items are not done or declined yet: %s. Mark each done, or "
                        "record that the customer declined it, before completing the job.",
                        ", ".join(pending.mapped("name")),
                    )
                )

    def action_create_invoice(self):
        invoices = self._create_service_invoices()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice_type")
        if len(invoices) == 1:
            action.update(res_id=invoices.id, view_mode="form", views=[(False, "form")])
        else:
            action["domain"] = [("id", "in", invoices.ids)]
        return action

    def action_open_service_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice_type")
        action["domain"] = [("id", "in", self.service_invoice_ids.ids)]
        if len(self.service_invoice_ids) == 1:
            action.update(res_id=self.service_invoice_ids.id, view_mode="form", views=[(False, "form")])
        return action

    def _create_service_invoices(self):
        """Draft customer invoices for the done, not yet invoiced work items of these jobs:
        one invoice per company and customer, one line per work item."""
        self._check_can_invoice()
        items_by_customer = defaultdict(lambda: self.env["service.work.item"])
        for item in self._get_items_to_invoice():
            items_by_customer[item.company_id, item.task_id.partner_id.commercial_partner_id] |= item
        invoices = self.env["account.move"]
        for (company, customer), items in items_by_customer.items():
            invoices |= (
                self.env["account.move"]
                .with_company(company)
                .create(items.task_id._prepare_invoice_vals(customer, items))
            )
        return invoices

    def _get_items_to_invoice(self):
        return self.work_item_ids.filtered(
            lambda item: item.state == "done" and not item._get_invoiced_lines()
        )

    def _check_can_invoice(self):
        for task in self:
            if not task.is_field_service:
                raise UserError(self.env._("“%s” is not a field-service job.", task.display_name))
            if not task.partner_id:
                raise UserError(
                    self.env._(
                        "Job “%s” has no customer: set the customer before invoicing.", task.display_name
                    )
                )
            customer = task.partner_id.commercial_partner_id.with_company(task.company_id)
            if not customer.property_account_receivable_id:
                raise UserError(
                    self.env._(
                        "%s has no receivable account: set one on the contact's Accounting tab.",
                        customer.display_name,
                    )
                )
        if not self._get_items_to_invoice():
            raise UserError(
                self.env._(
                    "Nothing left to invoice on %s: no work item is done, or they are all invoiced already.",
                    ", ".join(self.mapped("display_name")),
                )
            )

    def _prepare_invoice_vals(self, customer, items):
        return {
            "move_type": "out_invoice",
            "partner_id": customer.id,
            "invoice_origin": ", ".join(self.mapped("name")),
            "invoice_line_ids": [Command.create(item._prepare_invoice_line_vals()) for item in items],
        }
