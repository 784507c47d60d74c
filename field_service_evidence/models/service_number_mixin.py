import math

from odoo import api, models
from odoo.exceptions import ValidationError
from odoo.tools.misc import formatLang

NUMBER_FIELD_TYPES = ("float", "monetary", "integer")
# The largest absolute value a Float or Monetary field accepts. A double holds every cent
# exactly up to about 9e13: a trillion keeps cents exact in sums of many amounts, and is far
# above any real price, quantity, reading, duration or percentage. More is a typing error.
MAX_FLOAT = 1e12
# The range of PostgreSQL's integer column, which stores Integer fields.
MAX_INTEGER = 2**31 - 1


class ServiceNumberMixin(models.AbstractModel):
    """Numbers handed to ``create`` and ``write`` are numbers, finite, and in a sane range.

    Odoo converts a Float, Monetary or Integer value as it stores it, before any constraint
    runs, and fails with a bare Python error on “abc”, NaN or infinity (rounding NaN raises).
    This check runs first, on every number field of the model that inherits it, and says
    which field is wrong in the user's language.
    """

    _name = "service.number.mixin"
    _description = "Numbers checked before they are stored"

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._check_number_vals(vals) for vals in vals_list])

    def write(self, vals):
        return super().write(self._check_number_vals(vals))

    @api.model
    def _check_number_vals(self, vals):
        """``vals`` with its numbers as numbers; a ValidationError on the first bad one."""
        numbers = {}
        for name, value in vals.items():
            field = self._fields.get(name)
            if field is None or field.type not in NUMBER_FIELD_TYPES:
                continue
            # an Integer field holding the inverse of a One2many receives a record's dict
            if value is None or value is False or value == "" or isinstance(value, dict):
                continue
            numbers[name] = self._check_number(field, value)
        return {**vals, **numbers}

    @api.model
    def _check_number(self, field, value):
        """``value`` as the number ``field`` stores, or a ValidationError naming the field.

        Also the check of forms outside the ORM (the portal) for an amount typed in them.
        """
        label = field._description_string(self.env)
        params = {"field": label, "value": value}
        try:
            if isinstance(value, bool):
                raise ValueError(value)
            number = float(value)
        except (TypeError, ValueError):
            raise ValidationError(
                self.env._("“%(field)s” must be a number, not “%(value)s”.", **params)
            ) from None
        if not math.isfinite(number):
            raise ValidationError(
                self.env._("“%(field)s” must be a finite number, not “%(value)s”.", **params)
            )
        limit = MAX_INTEGER if field.type == "integer" else MAX_FLOAT
        if abs(number) > limit:
            raise ValidationError(
                self.env._(
                    "“%(field)s” must be between -%(limit)s and %(limit)s, not “%(value)s”.",
                    limit=formatLang(self.env, limit, digits=0),
                    **params,
                )
            )
        if field.type != "integer":
            return number
        if not number.is_integer():
            raise ValidationError(
                self.env._("“%(field)s” must be a whole number, not “%(value)s”.", **params)
            )
        return int(number)
