from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class ServiceApproval(models.Model):
    """The customer's authorisation of work (or acknowledgment after it): who, what, when, how."""

    _name = "service.approval"
    _inherit = ["service.task.evidence.mixin", "mail.thread", "service.number.mixin"]
    _description = "Customer approval"
    _order = "task_id, requested_at desc, id desc"
    _lock_when_completed = True

    kind = fields.Selection(
        [
            ("authorisation", "Authorisation before work"),
            ("acknowledgment", "Acknowledgment after work"),
        ],
        required=True,
        default="authorisation",
        tracking=True,
    )
    scope = fields.Text(tracking=True, help="What the customer approved, in the words used with them.")
    work_item_ids = fields.Many2many(
        "service.work.item",
        "service_approval_work_item_rel",
        "approval_id",
        "work_item_id",
        string="Work items",
        domain="[('task_id', '=', task_id)]",
        check_company=True,
    )
    line_ids = fields.One2many(
        "service.approval.line",
        "approval_id",
        string="Approved as",
        readonly=True,
        copy=False,
        help="The work items, quantities and prices exactly as the customer approved them.",
    )
    amount_authorised = fields.Monetary(
        compute="_compute_amount_authorised",
        store=True,
        tracking=True,
        help="The total the customer approved: the snapshot once approved, the proposed items before.",
    )
    not_to_exceed = fields.Monetary(
        string="Not to exceed",
        tracking=True,
        help="The most the customer agreed to pay for these items. Empty: the authorised amount.",
    )
    stale_work_item_ids = fields.Many2many(
        "service.work.item",
        string="Items beyond approval",
        compute="_compute_stale",
        help="Approved items whose price or quantity went up since, beyond the not-to-exceed amount.",
    )
    is_stale = fields.Boolean(string="Stale", compute="_compute_stale")
    partner_id = fields.Many2one(
        "res.partner",
        string="Approved by",
        compute="_compute_partner_id",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
    )
    approver_name = fields.Char(
        string="Approver's name",
        compute="_compute_approver_name",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
        help="The person who approved, as they gave their name.",
    )
    method = fields.Selection(
        [
            ("signature", "Signature"),
            ("in_person", "In person (verbal)"),
            ("phone", "Phone"),
            ("sms", "SMS"),
            ("email", "Email"),
            ("portal", "Customer portal"),
        ],
        required=True,
        default="signature",
        tracking=True,
    )
    state = fields.Selection(
        [
            ("requested", "Requested"),
            ("approved", "Approved"),
            ("declined", "Declined"),
            ("revoked", "Revoked"),
        ],
        required=True,
        default="requested",
        tracking=True,
        copy=False,
        index=True,
    )
    requested_at = fields.Datetime(required=True, default=fields.Datetime.now, tracking=True)
    decided_at = fields.Datetime(
        tracking=True,
        copy=False,
        help="When the customer gave their answer. Set when you record the decision; "
        "enter it only for an answer given earlier (a phone call), never in the future.",
    )
    recorded_by_id = fields.Many2one(
        "res.users", string="Recorded by", default=lambda self: self.env.user, readonly=True
    )
    signature = fields.Image(max_width=1024, max_height=1024, copy=False, attachment=True)
    attachment_ids = fields.Many2many(
        "ir.attachment",
        "service_approval_attachment_rel",
        "approval_id",
        "attachment_id",
        string="Attachments",
        help="A photo of a signed paper form, a screenshot of an SMS or e-mail.",
    )
    before_work = fields.Boolean(
        string="Before work started",
        compute="_compute_before_work",
        store=True,
        help="An authorisation given before the work on the job started.",
    )

    @api.depends("task_id")
    def _compute_partner_id(self):
        for approval in self:
            approval.partner_id = approval.partner_id or approval.task_id.partner_id

    @api.depends("partner_id")
    def _compute_approver_name(self):
        for approval in self:
            approval.approver_name = approval.partner_id.name or approval.approver_name

    @api.depends("line_ids.price_subtotal", "work_item_ids.price_subtotal")
    def _compute_amount_authorised(self):
        for approval in self:
            source = approval.line_ids or approval.work_item_ids
            approval.amount_authorised = sum(source.mapped("price_subtotal"))

    @api.depends(
        "state",
        "not_to_exceed",
        "amount_authorised",
        "line_ids.price_subtotal",
        "work_item_ids.price_subtotal",
    )
    def _compute_stale(self):
        for approval in self:
            stale = self.env["service.work.item"]
            currency = approval.currency_id
            if approval.state == "approved" and approval.line_ids:
                limit = approval.not_to_exceed or approval.amount_authorised
                approved = {line.work_item_id: line.price_subtotal for line in approval.line_ids}
                items = approval.work_item_ids
                if currency.compare_amounts(sum(items.mapped("price_subtotal")), limit) > 0:
                    for item in items:
                        if currency.compare_amounts(item.price_subtotal, approved.get(item, 0.0)) > 0:
                            stale |= item
            approval.stale_work_item_ids = stale
            approval.is_stale = bool(stale)

    @api.depends("state", "kind", "decided_at", "task_id.work_started_at")
    def _compute_before_work(self):
        for approval in self:
            started = approval.task_id.work_started_at
            approval.before_work = (
                approval.state == "approved"
                and approval.kind == "authorisation"
                and bool(approval.decided_at)
                and (not started or approval.decided_at <= started)
            )

    def _authorises_before(self, item):
        """Whether this approval authorised the item before its work: given before the
        job started, or at least before the item was recorded as done."""
        self.ensure_one()
        return self.kind == "authorisation" and (
            self.before_work or bool(item.done_at and self.decided_at and self.decided_at <= item.done_at)
        )

    @api.depends("kind", "approver_name", "state")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for approval in self:
            approval.display_name = " - ".join(
                filter(None, [kinds.get(approval.kind), approval.approver_name])
            )

    @api.constrains("requested_at", "decided_at")
    def _check_dates(self):
        now = fields.Datetime.now()
        for approval in self:
            if approval.decided_at and approval.decided_at > now:
                raise ValidationError(
                    self.env._("An approval cannot be decided in the future (%s).", approval.decided_at)
                )
            if approval.decided_at and approval.decided_at < approval.requested_at:
                raise ValidationError(
                    self.env._(
                        "An approval cannot be decided (%(decided)s) before it was requested (%(requested)s).",
                        decided=approval.decided_at,
                        requested=approval.requested_at,
                    )
                )

    @api.constrains("state", "method", "signature", "partner_id", "approver_name")
    def _check_approved_evidence(self):
        for approval in self.filtered(lambda a: a.state == "approved"):
            if approval.method == "signature" and not approval.signature:
                raise ValidationError(
                    self.env._(
                        "An approval by signature needs the customer's signature: have them sign in the form."
                    )
                )
            if not approval.partner_id and not approval.approver_name:
                raise ValidationError(self.env._("Say who approved: pick the contact or type their name."))

    @api.constrains("not_to_exceed", "amount_authorised")
    def _check_not_to_exceed(self):
        for approval in self:
            if (
                approval.not_to_exceed
                and approval.currency_id.compare_amounts(approval.not_to_exceed, approval.amount_authorised)
                < 0
            ):
                raise ValidationError(
                    self.env._(
                        "The not-to-exceed amount (%(limit)s) cannot be below the amount authorised (%(amount)s).",
                        limit=approval.not_to_exceed,
                        amount=approval.amount_authorised,
                    )
                )

    def action_approve(self):
        self._check_can_decide()
        self._do_approve()
        return True

    def action_decline(self):
        self._check_can_decide()
        self.write({"state": "declined", "decided_at": fields.Datetime.now()})
        self.work_item_ids.filtered(lambda item: item.state == "proposed").state = "declined"
        return True

    def action_revoke(self):
        approved = self.filtered(lambda a: a.state == "approved")
        if approved != self:
            raise UserError(self.env._("Only an approved approval can be revoked."))
        self.state = "revoked"
        self.work_item_ids.filtered(lambda item: item.state == "approved").state = "proposed"
        return True

    def _check_can_decide(self):
        for approval in self:
            if approval.state != "requested":
                raise UserError(self.env._("“%s” was already decided.", approval.display_name))
            if not approval.work_item_ids and not approval.scope:
                raise UserError(
                    self.env._(
                        "Say what the customer is approving: pick the work items or describe the scope."
                    )
                )

    def _do_approve(self):
        now = fields.Datetime.now()
        for approval in self:
            approval.write({"state": "approved", "decided_at": approval.decided_at or now})
        # sudo: the snapshot is written only here, from items the user can read and the
        # approval they may decide; technicians cannot create or alter snapshot lines directly.
        lines = self.env["service.approval.line"].sudo()
        lines.search([("approval_id", "in", self.ids)]).unlink()
        lines.create([vals for approval in self for vals in approval._prepare_line_vals_list()])
        self.work_item_ids.filtered(lambda item: item.state == "proposed").state = "approved"

    def _prepare_line_vals_list(self):
        self.ensure_one()
        return [
            {
                "approval_id": self.id,
                "work_item_id": item.id,
                "name": item.name,
                "quantity": item.quantity,
                "price_unit": item.price_unit,
                "price_subtotal": item.price_subtotal,
            }
            for item in self.work_item_ids
        ]
