from odoo import api, fields, models
from odoo.exceptions import UserError


class ServiceTaskEvidenceMixin(models.AbstractModel):
    """A piece of evidence recorded on a job (readings, work items, approvals).

    Models that set ``_lock_when_completed`` become read-only once the job is
    completed, except to dispute managers; their later changes are posted on
    the job's chatter, so the service record shows who changed what and when.
    """

    _name = "service.task.evidence.mixin"
    _description = "Evidence recorded on a field-service job"
    _check_company_auto = True
    _lock_when_completed = False

    task_id = fields.Many2one(
        "project.task",
        string="Job",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
        domain="[('is_field_service', '=', True)]",
    )
    company_id = fields.Many2one(related="task_id.company_id", store=True, index=True, precompute=True)
    partner_id = fields.Many2one(related="task_id.partner_id", string="Customer")
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id")
    evidence_locked = fields.Boolean(
        compute="_compute_evidence_locked",
        help="The job is completed: only a dispute manager may change this record.",
    )

    @api.depends("task_id.work_completed_at")
    @api.depends_context("uid")
    def _compute_evidence_locked(self):
        may_edit = self._may_edit_completed_evidence()
        for record in self:
            record.evidence_locked = (
                self._lock_when_completed and bool(record.task_id.work_completed_at) and not may_edit
            )

    @api.depends("company_id")
    @api.depends_context("company")
    def _compute_currency_id(self):
        # A job of a project shared between companies has no company: the current one bills it.
        for record in self:
            record.currency_id = (record.company_id or self.env.company).currency_id

    def _may_edit_completed_evidence(self):
        return self.env.su or self.env.user.has_group("field_service_evidence.group_dispute_manager")

    def _check_can_edit_evidence(self, tasks):
        if not self._lock_when_completed or self._may_edit_completed_evidence():
            return
        completed = tasks.filtered("work_completed_at")
        if completed:
            raise UserError(
                self.env._(
                    "Job “%(job)s” is completed and its service record is locked: only a dispute "
                    "manager can add, change or delete %(what)s records on it.",
                    job=completed[0].display_name,
                    what=self._description.lower(),
                )
            )

    def _post_change_on_completed_tasks(self, action):
        """Log on the job's chatter a change made after the job was completed."""
        if not self._lock_when_completed:
            return
        for record in self.filtered("task_id.work_completed_at"):
            record.task_id.message_post(
                body=self.env._(
                    "%(what)s “%(name)s” %(action)s after the job was completed.",
                    what=self._description,
                    name=record.display_name,
                    action=action,
                ),
                subtype_xmlid="mail.mt_note",
            )

    @api.model_create_multi
    def create(self, vals_list):
        task_ids = [vals["task_id"] for vals in vals_list if vals.get("task_id")]
        self._check_can_edit_evidence(self.env["project.task"].browse(task_ids))
        records = super().create(vals_list)
        records._post_change_on_completed_tasks(self.env._("was added"))
        return records

    def write(self, vals):
        tasks = self.task_id
        if vals.get("task_id"):
            tasks |= self.env["project.task"].browse(vals["task_id"])
        self._check_can_edit_evidence(tasks)
        result = super().write(vals)
        self._post_change_on_completed_tasks(self.env._("was changed"))
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_completed_job(self):
        self._check_can_edit_evidence(self.task_id)
        self._post_change_on_completed_tasks(self.env._("was deleted"))
