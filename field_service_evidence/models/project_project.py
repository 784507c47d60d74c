from odoo import fields, models


class ProjectProject(models.Model):
    _inherit = "project.project"

    is_field_service = fields.Boolean(
        string="Field service",
        help="Tasks of this project are service jobs: they record readings, work items, "
        "customer approvals and an evidence score.",
    )
