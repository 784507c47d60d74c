from odoo import fields, models


class InvoiceDisputeRootCause(models.Model):
    _name = "invoice.dispute.root.cause"
    _description = "Dispute root cause"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True, help="What to change in the process when this is the cause.")

    _sql_constraints = [("code_unique", "UNIQUE(code)", "A root cause code is used once.")]
