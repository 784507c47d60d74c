from odoo import fields, models
from odoo.exceptions import UserError


class ServiceApprovalLine(models.Model):
    """What the customer saw and approved: a work item as it was at the moment of approval."""

    _name = "service.approval.line"
    _inherit = ["service.number.mixin"]
    _description = "Approved work item snapshot"
    _order = "approval_id, id"
    _check_company_auto = True

    approval_id = fields.Many2one("service.approval", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="approval_id.company_id", store=True, index=True)
    work_item_id = fields.Many2one("service.work.item", required=True, ondelete="cascade", index=True)
    name = fields.Char(string="Description", required=True)
    quantity = fields.Float(digits="Product Unit of Measure")
    price_unit = fields.Float(string="Unit price", digits="Product Price")
    currency_id = fields.Many2one(related="approval_id.currency_id")
    price_subtotal = fields.Monetary(string="Subtotal")
    justification = fields.Text(string="Why it is needed")
    findings = fields.Text(help="The readings that justify the item, as the customer read them.")
    decision = fields.Selection(
        [("approved", "Approved"), ("declined", "Declined")],
        required=True,
        default="approved",
        help="The customer's answer on this item.",
    )

    def _set_decision(self, decision):
        """The customer keeps or declines an item of the estimate they are about to sign."""
        if decision not in ("approved", "declined"):
            raise UserError(self.env._("Choose to keep or to decline the item."))
        for approval in self.approval_id:
            approval._check_open_for_signature()
        self.decision = decision
