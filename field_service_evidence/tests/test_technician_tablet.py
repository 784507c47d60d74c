"""Issue 10, the technician on a 1024×768 tablet: lists that fit the screen, values with the
decimals of their reading type, parts by their name, one work status, the jobs of the last
days on the board, and Create invoice only when there is something to invoice."""

from datetime import timedelta

from lxml import html

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import OFFICE_GROUPS, TECHNICIAN_GROUPS, FieldServiceCase
from .invoice_fixtures import create_invoiced_job

# Set by the tours in static/tests/tours/technician_tablet_tour.js.
JOB = "Tablet tour: condenser fan hums"
RECENT = "Tablet tour: completed two days ago"
OLD = "Tablet tour: completed last month"
PART = "Run capacitor 45/5 uF 440V"
PART_CODE = "CAP-R-45-5"


@tagged("post_install", "-at_install")
class TestTechnicianTablet(FieldServiceCase, HttpCase):
    """The technician's day on a tablet, in the browser at 1024×768."""

    browser_size = "1024x768"
    touch_enabled = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the tour picks the addon's own reading types by name: not the fixtures' namesakes
        (
            cls.type_capacitor | cls.type_voltage | cls.type_insulation | cls.type_amps | cls.type_temperature
        ).active = False
        cls.technician = new_test_user(
            cls.env, "fse_tablet_technician", groups=TECHNICIAN_GROUPS, name="Tara Tablet"
        )
        cls.project = cls.env["project.project"].create({"name": "Tablet calls", "is_field_service": True})
        cls.customer = cls.env["res.partner"].create({"name": "Tablet Customer Ines Carvalho"})
        cls.part = cls.env["product.product"].create(
            {"name": PART, "default_code": PART_CODE, "type": "consu", "lst_price": 96.0}
        )
        Task = cls.env["project.task"]
        cls.job = Task.create({"name": JOB, "project_id": cls.project.id, "partner_id": cls.customer.id})
        # What a job holds by the time the technician records more: long components,
        # findings and reasons, the texts that pushed the lists past the screen's edge.
        cls.env["service.reading"].create(
            {
                "task_id": cls.job.id,
                "type_id": cls.env.ref("field_service_evidence.reading_type_run_capacitor").id,
                "component": "Condenser fan run capacitor, dual 45/5 uF, fan side",
                "measured_value": 2.1,
            }
        )
        cls.env["service.work.item"].create(
            {
                "task_id": cls.job.id,
                "item_type": "labour",
                "name": "HVAC labour (hour)",
                "quantity": 1.5,
                "price_unit": 135.0,
                "justification": "Remove and clean the blower wheel, which is caked with dust and moves "
                "too little air, then check the static pressure and the burner run time again.",
            }
        )
        now = fields.Datetime.now()
        for name, completed_at in ((RECENT, now - timedelta(days=2)), (OLD, now - timedelta(days=30))):
            Task.create(
                {
                    "name": name,
                    "project_id": cls.project.id,
                    "partner_id": cls.customer.id,
                    "work_started_at": completed_at - timedelta(hours=2),
                    "work_completed_at": completed_at,
                    "state": "1_done",
                }
            )

    def test_technician_records_a_reading_and_a_part(self):
        """At 1024×768: the board keeps the recent jobs, the job opens on its readings with
        one status, the reading reads 238 V, the part its name, and no list scrolls sideways."""
        self.start_tour(
            "/odoo/field-service-jobs", "fse_technician_tablet_tour", login=self.technician.login, timeout=180
        )
        reading = self.job.reading_ids.filtered(lambda r: r.component == "Outdoor unit disconnect")
        self.assertRecordValues(
            reading,
            [
                {
                    "type_id": self.env.ref("field_service_evidence.reading_type_supply_voltage").id,
                    "phase": "before",
                    "measured_value": 238.0,
                    "result": "in_spec",
                    "technician_id": self.technician.id,
                }
            ],
        )
        self.assertEqual(
            reading.finding,
            "Outdoor unit disconnect measured 238 V, within the acceptable range of 216 V to 253 V.",
        )
        item = self.job.work_item_ids.filtered(lambda i: i.product_id == self.part)
        self.assertRecordValues(item, [{"name": PART, "item_type": "part", "price_unit": 96.0}])

    def test_create_invoice_only_when_something_is_left(self):
        office = new_test_user(self.env, "fse_tablet_office", groups=OFFICE_GROUPS, name="Olga Office")
        invoiced = create_invoiced_job(self.env, 1).invoice_line_ids.service_work_item_id.task_id
        self.start_tour(
            f"/odoo/field-service-jobs/{invoiced.id}", "fse_job_invoiced_tour", login=office.login
        )

        left = create_invoiced_job(self.env, 1).invoice_line_ids.service_work_item_id.task_id
        extra = self.env["service.work.item"].create(
            {
                "task_id": left.id,
                "name": "Refrigerant top-up",
                "price_unit": 80.0,
                "justification": "Low charge.",
            }
        )
        extra.action_mark_done()
        self.start_tour(f"/odoo/field-service-jobs/{left.id}", "fse_job_to_invoice_tour", login=office.login)


@tagged("post_install", "-at_install")
class TestWhatTheTechnicianReads(FieldServiceCase):
    """Values, parts and statuses as the technician and the customer read them."""

    def test_values_show_the_decimals_of_their_reading_type(self):
        task = self._create_task()
        voltage = self._create_reading(task, self.type_voltage, 238.0, component="Outdoor unit disconnect")
        capacitor = self._create_reading(task, self.type_capacitor, 2.1)
        self.assertRecordValues(
            voltage + capacitor,
            [
                {"measured_display": "238 V", "rated_display": False},
                {"measured_display": "2.1 uF", "rated_display": "5.0 uF"},
            ],
        )
        self.assertIn("measured 238 V, within the acceptable range of 216 V to 253 V", voltage.finding)

        self.type_voltage.decimals = 2
        self.assertEqual(voltage.measured_display, "238.00 V")
        self.assertIn(
            "measured 238.00 V, within the acceptable range of 216.00 V to 253.00 V", voltage.finding
        )

    def test_service_record_prints_the_decimals_of_the_reading_type(self):
        task = self._create_task()
        self._create_reading(task, self.type_voltage, 238.0)
        self._create_reading(task, self.type_capacitor, 2.1)
        content, _format = self.env["ir.actions.report"]._render_qweb_html(
            "field_service_evidence.action_report_service_record", task.ids
        )
        page = html.fromstring(content)
        cells = [
            (td.text_content().strip(), rated.text_content().strip())
            for td, rated in zip(
                page.find_class("o_service_measured"), page.find_class("o_service_rated"), strict=True
            )
        ]
        self.assertEqual(cells, [("238 V", ""), ("2.1 uF", "5.0 uF")])
        self.assertNotIn("238.0000", content.decode())

    def test_a_part_is_named_without_its_internal_code(self):
        self.capacitor_product.default_code = "CAP-R-5-370"
        item = self._create_item(self._create_task())
        self.assertEqual(item.name, "Run capacitor 5 uF")
        line = item._prepare_invoice_line_vals()
        self.assertEqual(line["name"], "Run capacitor 5 uF", "the customer's invoice names the part too")

    def test_a_completed_job_is_closed_for_project(self):
        """The work status, the task state and Project's filters say the same."""
        task = self._documented_job()
        self.assertEqual(task.service_state, "completed")
        self.assertEqual(task.state, "1_done")
        self.assertTrue(task.is_closed)

    def test_create_invoice_has_something_to_bill(self):
        task = self._documented_job()
        self.assertTrue(task.service_can_invoice)
        invoice = self._press_create_invoice(task)
        self.assertFalse(task.service_can_invoice, "every done item is invoiced")
        invoice.button_cancel()
        self.assertTrue(task.service_can_invoice, "a cancelled invoice bills nothing")
