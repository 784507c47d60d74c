from odoo import fields, models


class InvoiceDisputeReason(models.Model):
    _name = "invoice.dispute.reason"
    _description = "Dispute reason"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

    _sql_constraints = [("code_unique", "UNIQUE(code)", "A reason code is used once.")]
