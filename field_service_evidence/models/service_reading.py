from odoo import api, fields, models
from odoo.exceptions import ValidationError

RESULTS = [
    ("in_spec", "In spec"),
    ("out_of_spec", "Out of spec"),
    ("no_reference", "No reference"),
]


class ServiceReading(models.Model):
    """One measurement taken on a job, judged against its rated value."""

    _name = "service.reading"
    _inherit = [
        "service.task.evidence.mixin",
        "service.tolerance.mixin",
        "mail.thread",
        "service.number.mixin",
    ]
    _description = "Reading"
    _order = "task_id, phase desc, taken_at, id"
    # Readings have no name: search them by what their display name shows, e.g. when
    # linking the readings that justify a work item.
    _rec_names_search = ["component", "type_id"]
    _lock_when_completed = True

    type_id = fields.Many2one(
        "service.reading.type",
        string="Reading type",
        required=True,
        tracking=True,
        check_company=True,
    )
    component = fields.Char(
        tracking=True, help="What was tested, as the customer would say it: “condenser fan run capacitor”."
    )
    phase = fields.Selection(
        [("before", "Before work"), ("after", "After work")],
        required=True,
        default="before",
        tracking=True,
    )
    measured_value = fields.Float(string="Measured", digits=(16, 4), required=True, tracking=True)
    unit = fields.Char(related="type_id.unit")
    decimals = fields.Integer(related="type_id.decimals")
    # The component's own reference, proposed from the reading type.
    rated_value = fields.Float(
        compute="_compute_reference", store=True, readonly=False, precompute=True, tracking=True
    )
    # default=None drops the mixin's "percent" default: a default wins over the
    # precompute at creation, so every reading would be judged as a percent.
    tolerance_kind = fields.Selection(
        compute="_compute_reference",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
        default=None,
    )
    tolerance_percent = fields.Float(
        compute="_compute_reference", store=True, readonly=False, precompute=True, tracking=True
    )
    min_value = fields.Float(compute="_compute_reference", store=True, readonly=False, precompute=True)
    max_value = fields.Float(compute="_compute_reference", store=True, readonly=False, precompute=True)
    deviation_percent = fields.Float(
        string="Deviation (%)", compute="_compute_result", store=True, digits=(16, 1)
    )
    result = fields.Selection(RESULTS, compute="_compute_result", store=True, index=True)
    finding = fields.Text(
        compute="_compute_result",
        store=True,
        help="The measurement in a sentence the customer understands.",
    )
    measured_display = fields.Char(
        string="Measured value",
        compute="_compute_display_values",
        help="The measured value with the decimals and unit of its reading type.",
    )
    rated_display = fields.Char(
        string="Rated value",
        compute="_compute_display_values",
        help="The rated value with the decimals and unit of its reading type.",
    )
    taken_at = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    technician_id = fields.Many2one("res.users", default=lambda self: self.env.user, required=True)
    note = fields.Text(tracking=True)
    photo_ids = fields.Many2many(
        "ir.attachment",
        "service_reading_photo_rel",
        "reading_id",
        "attachment_id",
        string="Photos",
    )

    @api.depends("type_id")
    def _compute_reference(self):
        for reading in self:
            reference = reading.type_id
            reading.rated_value = reference.rated_value
            reading.tolerance_kind = reference.tolerance_kind or "none"
            reading.tolerance_percent = reference.tolerance_percent
            reading.min_value = reference.min_value
            reading.max_value = reference.max_value

    @api.depends(
        "measured_value",
        "rated_value",
        "tolerance_kind",
        "tolerance_percent",
        "min_value",
        "max_value",
        "component",
        "type_id.name",
        "type_id.unit",
        "type_id.decimals",
    )
    def _compute_result(self):
        for reading in self:
            if not reading.type_id:
                reading.result = "no_reference"
                reading.deviation_percent = 0.0
                reading.finding = False
                continue
            reading.result, reading.deviation_percent = reading._evaluate(reading.measured_value)
            reading.finding = reading._finding_text()

    @api.depends("measured_value", "rated_value", "type_id.unit", "type_id.decimals")
    def _compute_display_values(self):
        for reading in self:
            unit, decimals = reading.type_id.unit, reading.type_id.decimals
            reading.measured_display = reading._format_value(reading.measured_value, unit, decimals)
            reading.rated_display = (
                reading._format_value(reading.rated_value, unit, decimals) if reading.rated_value else False
            )

    @api.constrains("measured_value", "rated_value", "type_id")
    def _check_measured_value(self):
        for reading in self:
            if reading.type_id.allow_negative:
                continue
            for name in ("measured_value", "rated_value", "min_value", "max_value"):
                if reading[name] < 0:
                    raise ValidationError(
                        self.env._(
                            "%(field)s cannot be negative for a %(type)s reading (%(value)s %(unit)s). "
                            "Check the sign on the meter.",
                            field=reading._fields[name].string,
                            type=reading.type_id.name,
                            value=reading[name],
                            unit=reading.unit or "",
                        )
                    )

    @api.depends("type_id", "component", "phase")
    def _compute_display_name(self):
        phases = dict(self._fields["phase"]._description_selection(self.env))
        for reading in self:
            label = reading.component or reading.type_id.name or ""
            reading.display_name = f"{label} ({phases.get(reading.phase, '')})"

    def _finding_text(self):
        """The reading as a sentence for the customer, e.g. “Run capacitor tested at
        2.1 uF against a rated 5.0 uF: 58% below rating, outside the ±6% tolerance.”"""
        self.ensure_one()
        unit, decimals = self.type_id.unit, self.type_id.decimals

        def value(number):
            return self._format_value(number, unit, decimals)

        params = {
            "label": self.component or self.type_id.name,
            "measured": value(self.measured_value),
            "rated": value(self.rated_value),
            "min": value(self.min_value),
            "max": value(self.max_value),
        }
        kind, result = self.tolerance_kind, self.result
        in_spec = result == "in_spec"
        if kind == "percent":
            deviation = abs(self.deviation_percent)
            params["tolerance"] = self._format_value(
                self.tolerance_percent, "", 0 if self.tolerance_percent.is_integer() else 1
            )
            params["deviation"] = self._format_value(deviation, "", 0 if deviation >= 10 else 1)
            if round(deviation, decimals + 2) == 0:
                return self.env._(
                    "%(label)s tested at %(measured)s against a rated %(rated)s: exactly at rating, "
                    "within the ±%(tolerance)s%% tolerance.",
                    **params,
                )
            below = self.measured_value < self.rated_value
            sentences = {
                (True, True): self.env._(
                    "%(label)s tested at %(measured)s against a rated %(rated)s: %(deviation)s%% below "
                    "rating, within the ±%(tolerance)s%% tolerance.",
                    **params,
                ),
                (True, False): self.env._(
                    "%(label)s tested at %(measured)s against a rated %(rated)s: %(deviation)s%% above "
                    "rating, within the ±%(tolerance)s%% tolerance.",
                    **params,
                ),
                (False, True): self.env._(
                    "%(label)s tested at %(measured)s against a rated %(rated)s: %(deviation)s%% below "
                    "rating, outside the ±%(tolerance)s%% tolerance.",
                    **params,
                ),
                (False, False): self.env._(
                    "%(label)s tested at %(measured)s against a rated %(rated)s: %(deviation)s%% above "
                    "rating, outside the ±%(tolerance)s%% tolerance.",
                    **params,
                ),
            }
            return sentences[in_spec, below]
        low, high = self._bounds()
        too_low = low is not None and not in_spec and self.measured_value < low
        if kind == "range":
            if in_spec:
                return self.env._(
                    "%(label)s measured %(measured)s, within the acceptable range of %(min)s to %(max)s.",
                    **params,
                )
            if too_low:
                return self.env._(
                    "%(label)s measured %(measured)s, below the acceptable range of %(min)s to %(max)s.",
                    **params,
                )
            return self.env._(
                "%(label)s measured %(measured)s, above the acceptable range of %(min)s to %(max)s.", **params
            )
        if kind == "min":
            if in_spec:
                return self.env._(
                    "%(label)s measured %(measured)s, at or above the minimum of %(min)s.", **params
                )
            return self.env._("%(label)s measured %(measured)s, below the minimum of %(min)s.", **params)
        if kind == "max":
            if in_spec:
                return self.env._(
                    "%(label)s measured %(measured)s, at or below the maximum of %(max)s.", **params
                )
            return self.env._("%(label)s measured %(measured)s, above the maximum of %(max)s.", **params)
        return self.env._("%(label)s measured %(measured)s (no rated value to compare against).", **params)
