from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class ServiceWorkItem(models.Model):
    """A part, labour or fee proposed to the customer and, once approved, done on the job."""

    _name = "service.work.item"
    _inherit = ["service.task.evidence.mixin", "mail.thread"]
    _description = "Work item"
    _order = "task_id, sequence, id"

    sequence = fields.Integer(default=10)
    item_type = fields.Selection(
        [("part", "Part"), ("labour", "Labour"), ("fee", "Fee")],
        string="Type",
        required=True,
        default="part",
    )
    product_id = fields.Many2one(
        "product.product", check_company=True, index="btree_not_null", tracking=True
    )
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
    currency_id = fields.Many2one(related="company_id.currency_id")
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
            item.name = product.display_name
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

    @api.constrains("quantity", "price_unit")
    def _check_amounts(self):
        for item in self:
            if item.quantity <= 0:
                raise ValidationError(
                    self.env._("The quantity of “%s” must be more than zero.", item.name)
                )
            if item.price_unit < 0:
                raise ValidationError(
                    self.env._("The unit price of “%s” cannot be negative.", item.name)
                )

    def action_mark_done(self):
        self._check_can_mark_done()
        self.write({"state": "done", "done_at": fields.Datetime.now()})

    def _check_can_mark_done(self):
        declined = self.filtered(lambda item: item.state == "declined")
        if declined:
            raise UserError(
                self.env._(
                    "The customer declined “%s”: it cannot be marked done.",
                    declined[0].name,
                )
            )
        not_started = self.task_id.filtered(lambda task: not task.work_started_at)
        if not_started:
            raise UserError(
                self.env._(
                    "Start the work on “%s” before marking items done.", not_started[0].display_name
                )
            )
