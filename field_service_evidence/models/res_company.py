from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    service_unapproved_posting = fields.Selection(
        [
            ("allow", "Allow"),
            ("warn", "Warn and ask to confirm"),
            ("block", "Block"),
        ],
        string="Lines without prior approval",
        default="warn",
        required=True,
        help="What happens when an invoice is posted with lines billing job work the customer "
        "did not approve before it was done.",
    )
