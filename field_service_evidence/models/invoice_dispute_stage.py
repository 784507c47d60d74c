from odoo import fields, models


class InvoiceDisputeStage(models.Model):
    _name = "invoice.dispute.stage"
    _description = "Dispute stage"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    fold = fields.Boolean(string="Folded in kanban")
    is_closing = fields.Boolean(
        string="Closing stage", help="Disputes in this stage are over: resolved or cancelled."
    )
    is_cancel = fields.Boolean(
        string="Cancelled stage", help="Disputes in this stage were dropped: nothing was decided."
    )
    allow_concession = fields.Boolean(
        string="Concessions can be posted",
        help="An accountant can post the agreed concession of disputes in this stage.",
    )
    description = fields.Text(
        translate=True, groups="base.group_user", help="The team's playbook for the stage."
    )
