from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare
from odoo.tools.misc import formatLang

# Compare measured values at a micro-unit precision: 5.3 against 5 +6% is in spec,
# whatever binary floating point makes of 5 * 1.06.
PRECISION = 6


class ServiceToleranceMixin(models.AbstractModel):
    """A reference a measurement is judged against: a rated value and a tolerance.

    Shared by reading types (the defaults) and readings (the values of the
    component actually tested, which may differ from the type's defaults).
    """

    _name = "service.tolerance.mixin"
    _description = "Measurement reference and tolerance"

    rated_value = fields.Float(
        digits=(16, 4),
        help="The value printed on the component or in the manufacturer's data.",
    )
    tolerance_kind = fields.Selection(
        [
            ("none", "No reference"),
            ("percent", "± percent of rated"),
            ("range", "Min/max range"),
            ("min", "At least (minimum)"),
            ("max", "At most (maximum)"),
        ],
        string="Tolerance",
        required=True,
        default="percent",
    )
    tolerance_percent = fields.Float(
        string="Tolerance (%)",
        digits=(5, 2),
        help="Allowed deviation from the rated value, plus or minus, in percent.",
    )
    min_value = fields.Float(string="Minimum", digits=(16, 4))
    max_value = fields.Float(string="Maximum", digits=(16, 4))

    @api.constrains("rated_value", "tolerance_kind", "tolerance_percent", "min_value", "max_value")
    def _check_tolerance(self):
        for ref in self:
            if ref.tolerance_kind == "percent":
                if float_compare(ref.rated_value, 0.0, precision_digits=PRECISION) == 0:
                    raise ValidationError(
                        self.env._(
                            "A rated value of zero cannot carry a percent tolerance: "
                            "enter the rated value printed on the component, or choose "
                            "a min/max range."
                        )
                    )
                if not 0 < ref.tolerance_percent <= 100:
                    raise ValidationError(
                        self.env._(
                            "The tolerance must be more than 0%% and at most 100%% (it is %s%%).",
                            ref.tolerance_percent,
                        )
                    )
            elif (
                ref.tolerance_kind == "range"
                and float_compare(ref.min_value, ref.max_value, precision_digits=PRECISION) >= 0
            ):
                raise ValidationError(
                    self.env._(
                        "The minimum (%(min)s) must be below the maximum (%(max)s).",
                        min=ref.min_value,
                        max=ref.max_value,
                    )
                )

    def _evaluate(self, measured):
        """Judge a measured value against this reference.

        :return: (result, deviation percent from the rated value, 0 without one)
        """
        self.ensure_one()
        rated = self.rated_value
        has_rated = float_compare(rated, 0.0, precision_digits=PRECISION) != 0
        deviation = (measured - rated) / abs(rated) * 100.0 if has_rated else 0.0
        low, high = self._bounds()
        if low is None and high is None:
            return "no_reference", deviation
        if low is not None and float_compare(measured, low, precision_digits=PRECISION) < 0:
            return "out_of_spec", deviation
        if high is not None and float_compare(measured, high, precision_digits=PRECISION) > 0:
            return "out_of_spec", deviation
        return "in_spec", deviation

    def _bounds(self):
        """The (low, high) acceptable values; None where there is no bound."""
        kind = self.tolerance_kind
        if kind == "percent":
            margin = abs(self.rated_value) * self.tolerance_percent / 100.0
            return self.rated_value - margin, self.rated_value + margin
        if kind == "range":
            return self.min_value, self.max_value
        if kind == "min":
            return self.min_value, None
        if kind == "max":
            return None, self.max_value
        return None, None

    def _format_value(self, value, unit, decimals):
        text = formatLang(self.env, value, digits=decimals)
        return f"{text} {unit}" if unit else text
