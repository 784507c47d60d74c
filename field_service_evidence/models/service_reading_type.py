from odoo import fields, models


class ServiceReadingType(models.Model):
    """A kind of measurement (run capacitor, supply voltage...) with its default reference."""

    _name = "service.reading.type"
    _inherit = ["service.tolerance.mixin", "service.number.mixin"]
    _description = "Reading type"
    _order = "category, sequence, name"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        index="btree_not_null",
        help="Leave empty to share this reading type between companies.",
    )
    category = fields.Selection(
        [
            ("hvac", "HVAC"),
            ("plumbing", "Plumbing"),
            ("electrical", "Electrical"),
            ("appliance", "Appliance"),
            ("general", "General"),
        ],
        required=True,
        default="general",
    )
    unit = fields.Char(
        required=True,
        help="Unit as the technician reads it on the meter: uF, V, A, psi, °F, in. w.c.",
    )
    decimals = fields.Integer(
        default=1, help="Decimals shown in findings and reports for this kind of reading."
    )
    allow_negative = fields.Boolean(
        string="Negative values possible",
        help="Tick for measurements that can be below zero (temperatures, vacuum). "
        "Otherwise a negative reading is refused as a typing error.",
    )
    explanation = fields.Text(
        translate=True,
        help="Why this measurement matters, in words a customer understands. "
        "Printed on the service record under the finding.",
    )
    reading_count = fields.Integer(compute="_compute_reading_count")

    _sql_constraints = [
        ("decimals_range", "CHECK(decimals >= 0 AND decimals <= 4)", "Decimals must be between 0 and 4."),
    ]

    def _compute_reading_count(self):
        counts = dict(
            self.env["service.reading"]._read_group([("type_id", "in", self.ids)], ["type_id"], ["__count"])
        )
        for reading_type in self:
            reading_type.reading_count = counts.get(reading_type, 0)
