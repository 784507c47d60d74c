from odoo import fields, models


class InvoiceDisputeConcessionLine(models.TransientModel):
    _name = "invoice.dispute.concession.line"
    _description = "Concession on a disputed line"

    concession_id = fields.Many2one("invoice.dispute.concession", required=True, ondelete="cascade")
    dispute_line_id = fields.Many2one("invoice.dispute.line", required=True, readonly=True)
    name = fields.Char(related="dispute_line_id.name")
    currency_id = fields.Many2one(related="dispute_line_id.currency_id")
    disputed_amount = fields.Monetary(related="dispute_line_id.disputed_amount")
    amount = fields.Monetary(string="Amount conceded")
