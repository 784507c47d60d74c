from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .project_task import START_REASONS

APPROVAL_STATUSES = [
    ("approved_before_work", "Approved before work"),
    ("approved_after_work", "Approved after work"),
    ("not_approved", "Not approved"),
]


class ServiceWorkItem(models.Model):
    """A part, labour or fee proposed to the customer and, once approved, done on the job."""

    _name = "service.work.item"
    _inherit = ["service.task.evidence.mixin", "mail.thread", "service.number.mixin"]
    _description = "Work item"
    _order = "task_id, sequence, id"
    _lock_when_completed = True

    sequence = fields.Integer(default=10)
    item_type = fields.Selection(
        [("part", "Part"), ("labour", "Labour"), ("fee", "Fee")],
        string="Type",
        required=True,
        default="part",
    )
    product_id = fields.Many2one("product.product", check_company=True, index="btree_not_null", tracking=True)
    name = fields.Char(
        string="Description",
        compute="_compute_from_product",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
    )
    quantity = fields.Float(default=1.0, digits="Product Unit of Measure", tracking=True)
    uom_id = fields.Many2one(
        "uom.uom",
        string="Unit",
        compute="_compute_from_product",
        store=True,
        readonly=False,
        precompute=True,
    )
    price_unit = fields.Float(
        string="Unit price",
        digits="Product Price",
        compute="_compute_from_product",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
    )
    price_subtotal = fields.Monetary(string="Subtotal", compute="_compute_price_subtotal", store=True)
    justification = fields.Text(
        string="Why it was needed",
        tracking=True,
        help="In plain words: what was wrong and why this part or work fixes it.",
    )
    reading_ids = fields.Many2many(
        "service.reading",
        "service_work_item_reading_rel",
        "work_item_id",
        "reading_id",
        string="Justifying readings",
        domain="[('task_id', '=', task_id)]",
        check_company=True,
    )
    approval_ids = fields.Many2many(
        "service.approval",
        "service_approval_work_item_rel",
        "work_item_id",
        "approval_id",
        string="Approvals",
        readonly=True,
        copy=False,
    )
    state = fields.Selection(
        [
            ("proposed", "Proposed"),
            ("approved", "Approved"),
            ("declined", "Declined"),
            ("done", "Done"),
        ],
        required=True,
        default="proposed",
        tracking=True,
        copy=False,
    )
    done_at = fields.Datetime(readonly=True, copy=False)
    declined_override_reason = fields.Selection(
        # only what cannot wait for a new approval overrides the customer's refusal
        [reason for reason in START_REASONS if reason[0] in ("emergency", "safety")],
        string="Reason to do it although declined",
        tracking=True,
        copy=False,
        help="The customer declined this item, but it cannot wait for a new approval.",
    )
    approval_id = fields.Many2one(
        "service.approval",
        string="Effective approval",
        compute="_compute_approval_status",
        store=True,
        help="The approval that covers this item: the first given before the work, else the first given.",
    )
    approval_status = fields.Selection(
        APPROVAL_STATUSES,
        compute="_compute_approval_status",
        store=True,
        index=True,
    )
    invoice_line_ids = fields.One2many(
        "account.move.line", "service_work_item_id", string="Invoice lines", readonly=True, copy=False
    )
    approval_stale = fields.Boolean(
        string="Beyond approval",
        compute="_compute_approval_stale",
        help="The price or quantity rose after the customer approved it, beyond the "
        "not-to-exceed amount of the approval.",
    )

    @api.depends("product_id")
    def _compute_from_product(self):
        for item in self:
            product = item.product_id
            if not product:
                item.name = item.name or False
                continue
            # The part as the customer knows it, without the internal reference.
            item.name = product.with_context(display_default_code=False).display_name
            item.uom_id = product.uom_id
            item.price_unit = product.lst_price

    @api.depends("quantity", "price_unit")
    def _compute_price_subtotal(self):
        for item in self:
            item.price_subtotal = item.currency_id.round(item.quantity * item.price_unit)

    @api.depends("approval_ids.stale_work_item_ids")
    def _compute_approval_stale(self):
        for item in self:
            item.approval_stale = item in item.approval_ids.stale_work_item_ids

    @api.depends(
        "approval_ids.state",
        "approval_ids.kind",
        "approval_ids.decided_at",
        "approval_ids.before_work",
        "done_at",
    )
    def _compute_approval_status(self):
        for item in self:
            approvals = item.approval_ids.filtered(lambda a: a.state == "approved").sorted("decided_at")
            before = next((approval for approval in approvals if approval._authorises_before(item)), None)
            item.approval_id = before or approvals[:1]
            if before:
                item.approval_status = "approved_before_work"
            elif approvals:
                item.approval_status = "approved_after_work"
            else:
                item.approval_status = "not_approved"

    @api.constrains("quantity", "price_unit")
    def _check_amounts(self):
        for item in self:
            if item.quantity <= 0:
                raise ValidationError(self.env._("The quantity of “%s” must be more than zero.", item.name))
            if item.price_unit < 0:
                raise ValidationError(self.env._("The unit price of “%s” cannot be negative.", item.name))

    def action_mark_done(self):
        self._check_can_mark_done()
        reasons = dict(self._fields["declined_override_reason"]._description_selection(self.env))
        for item in self.filtered(lambda item: item.state == "declined"):
            item.task_id.message_post(
                body=self.env._(
                    "“%(item)s” was done although the customer declined it: %(reason)s.",
                    item=item.name,
                    reason=reasons[item.declined_override_reason],
                ),
                subtype_xmlid="mail.mt_note",
            )
        self.write({"state": "done", "done_at": fields.Datetime.now()})
        return True

    def action_propose_again(self):
        """A declined item offered to the customer again, for a new approval."""
        if any(item.state != "declined" for item in self):
            raise UserError(self.env._("Only a declined item can be proposed again."))
        self.state = "proposed"
        return True

    def _check_can_mark_done(self):
        declined = self.filtered(lambda item: item.state == "declined" and not item.declined_override_reason)
        if declined:
            raise UserError(
                self.env._(
                    "The customer declined “%s”: it cannot be marked done without a new approval "
                    "(propose it again and send it), or an emergency or safety reason given on the item.",
                    declined[0].name,
                )
            )
        not_started = self.task_id.filtered(lambda task: not task.work_started_at)
        if not_started:
            raise UserError(
                self.env._("Start the work on “%s” before marking items done.", not_started[0].display_name)
            )

    def _get_invoiced_lines(self):
        """Lines of customer invoices, draft or posted, that bill these items."""
        return self.invoice_line_ids.filtered(
            lambda line: line.move_id.move_type == "out_invoice" and line.move_id.state != "cancel"
        )

    def _prepare_invoice_line_vals(self):
        self.ensure_one()
        return {
            "product_id": self.product_id.id,
            "name": self.name,
            "quantity": self.quantity,
            "product_uom_id": self.uom_id.id,
            "price_unit": self.price_unit,
            "service_work_item_id": self.id,
        }
