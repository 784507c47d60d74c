from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    service_unapproved_posting = fields.Selection(
        related="company_id.service_unapproved_posting", readonly=False
    )
