from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import FieldServiceCase


@tagged("post_install", "-at_install")
class TestReadingEvaluation(FieldServiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.task = cls.env["project.task"].create(
            {"name": "Tune-up at 4 Oak Lane", "project_id": cls.project.id, "partner_id": cls.customer.id}
        )

    def _assert_results(self, reading_type, cases):
        for measured, result, deviation in cases:
            with self.subTest(type=reading_type.name, measured=measured):
                reading = self._create_reading(self.task, reading_type, measured)
                self.assertEqual(reading.result, result)
                self.assertAlmostEqual(reading.deviation_percent, deviation, places=1)

    def test_percent_tolerance_boundaries_are_inclusive(self):
        self._assert_results(
            self.type_capacitor,
            [
                (5.0, "in_spec", 0.0),
                (5.3, "in_spec", 6.0),
                (4.7, "in_spec", -6.0),
                (5.31, "out_of_spec", 6.2),
                (4.69, "out_of_spec", -6.2),
                (2.1, "out_of_spec", -58.0),
            ],
        )

    def test_range_tolerance_boundaries_are_inclusive(self):
        self._assert_results(
            self.type_voltage,
            [
                (216.0, "in_spec", 0.0),
                (253.0, "in_spec", 0.0),
                (240.0, "in_spec", 0.0),
                (215.9, "out_of_spec", 0.0),
                (253.1, "out_of_spec", 0.0),
            ],
        )

    def test_minimum_tolerance(self):
        self._assert_results(
            self.type_insulation,
            [(1.0, "in_spec", 0.0), (250.0, "in_spec", 0.0), (0.99, "out_of_spec", 0.0)],
        )

    def test_maximum_tolerance(self):
        self._assert_results(
            self.type_amps,
            [(10.0, "in_spec", 0.0), (0.0, "in_spec", 0.0), (10.01, "out_of_spec", 0.0)],
        )

    def test_no_reference(self):
        self._assert_results(
            self.type_temperature, [(72.0, "no_reference", 0.0), (-4.0, "no_reference", 0.0)]
        )

    def test_deviation_against_the_reading_own_rated_value(self):
        """A range reading with a rated value still reports its deviation from it."""
        reading = self._create_reading(self.task, self.type_voltage, 252.0, rated_value=240.0)
        self.assertEqual(reading.result, "in_spec")
        self.assertAlmostEqual(reading.deviation_percent, 5.0, places=1)

    def test_result_follows_a_corrected_measurement(self):
        reading = self._create_reading(self.task, self.type_capacitor, 2.1)
        self.assertEqual(reading.result, "out_of_spec")
        reading.measured_value = 4.9
        self.assertEqual(reading.result, "in_spec")
        self.assertAlmostEqual(reading.deviation_percent, -2.0, places=1)


@tagged("post_install", "-at_install")
class TestReadingFinding(FieldServiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.task = cls.env["project.task"].create(
            {"name": "Tune-up at 4 Oak Lane", "project_id": cls.project.id, "partner_id": cls.customer.id}
        )

    def _finding(self, reading_type, measured, **vals):
        return self._create_reading(self.task, reading_type, measured, **vals).finding

    def test_failed_capacitor_finding(self):
        self.assertEqual(
            self._finding(self.type_capacitor, 2.1),
            "Run capacitor tested at 2.1 uF against a rated 5.0 uF: 58% below rating, "
            "outside the ±6% tolerance.",
        )

    def test_percent_findings(self):
        cases = [
            (
                5.2,
                {},
                "Run capacitor tested at 5.2 uF against a rated 5.0 uF: 4.0% above rating, "
                "within the ±6% tolerance.",
            ),
            (
                4.8,
                {},
                "Run capacitor tested at 4.8 uF against a rated 5.0 uF: 4.0% below rating, "
                "within the ±6% tolerance.",
            ),
            (
                5.0,
                {},
                "Run capacitor tested at 5.0 uF against a rated 5.0 uF: exactly at rating, "
                "within the ±6% tolerance.",
            ),
            (
                5.5,
                {},
                "Run capacitor tested at 5.5 uF against a rated 5.0 uF: 10% above rating, "
                "outside the ±6% tolerance.",
            ),
            (
                7.1,
                {"component": "Condenser fan run capacitor", "rated_value": 7.5, "tolerance_percent": 2.5},
                "Condenser fan run capacitor tested at 7.1 uF against a rated 7.5 uF: 5.3% below rating, "
                "outside the ±2.5% tolerance.",
            ),
        ]
        for measured, vals, expected in cases:
            with self.subTest(measured=measured, vals=vals):
                self.assertEqual(self._finding(self.type_capacitor, measured, **vals), expected)

    def test_range_findings(self):
        cases = [
            (240.0, "Supply voltage measured 240 V, within the acceptable range of 216 V to 253 V."),
            (205.0, "Supply voltage measured 205 V, below the acceptable range of 216 V to 253 V."),
            (262.0, "Supply voltage measured 262 V, above the acceptable range of 216 V to 253 V."),
        ]
        for measured, expected in cases:
            with self.subTest(measured=measured):
                self.assertEqual(self._finding(self.type_voltage, measured), expected)

    def test_minimum_and_maximum_findings(self):
        cases = [
            (
                self.type_insulation,
                0.4,
                "Insulation resistance measured 0.4 MOhm, below the minimum of 1.0 MOhm.",
            ),
            (
                self.type_insulation,
                250.0,
                "Insulation resistance measured 250.0 MOhm, at or above the minimum of 1.0 MOhm.",
            ),
            (self.type_amps, 12.5, "Compressor amp draw measured 12.5 A, above the maximum of 10.0 A."),
            (self.type_amps, 8.2, "Compressor amp draw measured 8.2 A, at or below the maximum of 10.0 A."),
            (
                self.type_temperature,
                -4.0,
                "Outdoor temperature measured -4 °F (no rated value to compare against).",
            ),
        ]
        for reading_type, measured, expected in cases:
            with self.subTest(type=reading_type.name, measured=measured):
                self.assertEqual(self._finding(reading_type, measured), expected)

    def test_finding_follows_a_corrected_measurement(self):
        reading = self._create_reading(self.task, self.type_capacitor, 2.1)
        reading.measured_value = 5.0
        self.assertEqual(
            reading.finding,
            "Run capacitor tested at 5.0 uF against a rated 5.0 uF: exactly at rating, "
            "within the ±6% tolerance.",
        )


@tagged("post_install", "-at_install")
class TestReadingReference(FieldServiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.task = cls.env["project.task"].create(
            {"name": "Tune-up at 4 Oak Lane", "project_id": cls.project.id, "partner_id": cls.customer.id}
        )

    def test_type_proposes_its_reference(self):
        form = self.reading_form()
        form.task_id = self.task
        form.type_id = self.type_capacitor
        self.assertEqual(form.tolerance_kind, "percent")
        self.assertEqual(form.rated_value, 5.0)
        self.assertEqual(form.tolerance_percent, 6.0)

        form.type_id = self.type_voltage
        self.assertEqual(form.tolerance_kind, "range")
        self.assertEqual((form.min_value, form.max_value), (216.0, 253.0))
        form.measured_value = 250.0
        self.assertEqual(form.result, "in_spec")
        reading = form.save()
        self.assertEqual(
            (reading.tolerance_kind, reading.min_value, reading.max_value, reading.result),
            ("range", 216.0, 253.0, "in_spec"),
        )

    def test_reference_overridable_per_reading(self):
        """The capacitor actually fitted is rated 7.5 uF ±5%: the technician enters it."""
        form = self.reading_form()
        form.task_id = self.task
        form.type_id = self.type_capacitor
        form.rated_value = 7.5
        form.tolerance_percent = 5.0
        form.measured_value = 7.2
        reading = form.save()
        self.assertEqual((reading.rated_value, reading.tolerance_percent), (7.5, 5.0))
        self.assertEqual(reading.result, "in_spec")
        self.assertAlmostEqual(reading.deviation_percent, -4.0, places=1)
        # the reading type keeps its own defaults
        self.assertEqual((self.type_capacitor.rated_value, self.type_capacitor.tolerance_percent), (5.0, 6.0))

    def test_reference_given_at_create_is_kept(self):
        reading = self._create_reading(
            self.task, self.type_capacitor, 7.2, rated_value=7.5, tolerance_percent=5.0
        )
        self.assertEqual(
            (reading.rated_value, reading.tolerance_percent, reading.result), (7.5, 5.0, "in_spec")
        )

    def test_changing_type_defaults_keeps_past_readings(self):
        reading = self._create_reading(self.task, self.type_capacitor, 5.3)
        self.type_capacitor.write({"rated_value": 10.0})
        self.assertEqual(reading.rated_value, 5.0)
        self.assertEqual(reading.result, "in_spec")


@tagged("post_install", "-at_install")
class TestReadingBadInput(FieldServiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.task = cls.env["project.task"].create(
            {"name": "Tune-up at 4 Oak Lane", "project_id": cls.project.id, "partner_id": cls.customer.id}
        )

    def _assert_create_refused(self, regex, reading_type=None, **vals):
        reading_type = reading_type or self.type_capacitor
        with self.assertRefused(ValidationError, regex):
            self.env["service.reading"].create(
                {"task_id": self.task.id, "type_id": reading_type.id, "measured_value": 5.0, **vals}
            )
        self.assertFalse(self.env["service.reading"].search([("task_id", "=", self.task.id)]))
        self.assertFalse(self.task.reading_ids)

    def test_measured_value_not_a_number(self):
        self._assert_create_refused(r"“Measured” must be a number, not “abc”", measured_value="abc")

    def test_measured_value_not_finite(self):
        for value in (float("nan"), float("inf"), float("-inf"), "nan"):
            with self.subTest(value=value):
                self._assert_create_refused(r"“Measured” must be a finite number", measured_value=value)

    def test_measured_value_negative(self):
        self._assert_create_refused(
            r"Measured cannot be negative for a Run capacitor reading \(-2\.1 uF\)\. Check the sign",
            measured_value=-2.1,
        )

    def test_negative_allowed_where_the_type_says_so(self):
        reading = self._create_reading(self.task, self.type_temperature, -12.0)
        self.assertEqual(reading.measured_value, -12.0)

    def test_measured_value_text_on_write(self):
        reading = self._create_reading(self.task, self.type_capacitor, 2.1)
        with self.assertRefused(ValidationError, r"“Measured” must be a number, not “2,1x”"):
            reading.write({"measured_value": "2,1x"})
        self.assertEqual(reading.measured_value, 2.1)
        self.assertEqual(reading.result, "out_of_spec")

    def test_measured_value_as_text_number_is_accepted(self):
        reading = self._create_reading(self.task, self.type_capacitor, "5.3")
        self.assertEqual((reading.measured_value, reading.result), (5.3, "in_spec"))

    def test_rated_zero_with_percent_tolerance(self):
        self._assert_create_refused(
            r"A rated value of zero cannot carry a percent tolerance", rated_value=0.0
        )

    def test_tolerance_percent_out_of_bounds(self):
        for percent, shown in ((0.0, "0.0"), (150.0, "150.0"), (-5.0, "-5.0")):
            with self.subTest(percent=percent):
                self._assert_create_refused(
                    rf"The tolerance must be more than 0% and at most 100% \(it is {shown}%\)",
                    tolerance_percent=percent,
                )

    def test_range_minimum_not_below_maximum(self):
        for low, high in ((253.0, 216.0), (230.0, 230.0)):
            with self.subTest(low=low, high=high):
                self._assert_create_refused(
                    rf"The minimum \({low}\) must be below the maximum \({high}\)",
                    reading_type=self.type_voltage,
                    measured_value=230.0,
                    min_value=low,
                    max_value=high,
                )

    def test_reading_type_bad_reference(self):
        ReadingType = self.env["service.reading.type"]
        cases = [
            (
                {"tolerance_kind": "percent", "rated_value": 0.0, "tolerance_percent": 5.0},
                r"A rated value of zero",
            ),
            ({"tolerance_kind": "percent", "rated_value": 5.0, "tolerance_percent": 150.0}, r"at most 100%"),
            ({"tolerance_kind": "percent", "rated_value": 5.0, "tolerance_percent": 0.0}, r"more than 0%"),
            ({"tolerance_kind": "range", "min_value": 10.0, "max_value": 1.0}, r"must be below the maximum"),
            ({"tolerance_kind": "max", "max_value": "ten"}, r"“Maximum” must be a number, not “ten”"),
            ({"tolerance_kind": "max", "max_value": float("inf")}, r"“Maximum” must be a finite number"),
        ]
        for vals, regex in cases:
            with self.subTest(vals=vals):
                with self.assertRefused(ValidationError, regex):
                    ReadingType.create({"name": "Bad reference", "unit": "x", **vals})
                self.assertFalse(ReadingType.search([("name", "=", "Bad reference")]))

    def test_reading_type_bad_write_keeps_reference(self):
        with self.assertRefused(ValidationError, r"at most 100% \(it is 150\.0%\)"):
            self.type_capacitor.write({"tolerance_percent": 150.0})
        self.assertEqual(self.type_capacitor.tolerance_percent, 6.0)
