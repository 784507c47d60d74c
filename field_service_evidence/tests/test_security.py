from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import FieldServiceCase


@tagged("post_install", "-at_install")
class TestAccessRights(FieldServiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.task = cls.env["project.task"].create(
            {"name": "No heat at 9 Pine Road", "project_id": cls.project.id, "partner_id": cls.customer.id}
        )
        cls.reading = cls.env["service.reading"].create(
            {"task_id": cls.task.id, "type_id": cls.type_capacitor.id, "measured_value": 2.1}
        )

    def test_technician_cannot_configure_reading_types(self):
        ReadingType = self.env["service.reading.type"].with_user(self.technician)
        with self.assertRefused(AccessError, r"not allowed to create 'Reading type'"):
            ReadingType.create(
                {"name": "Static pressure", "unit": "in. w.c.", "tolerance_kind": "max", "max_value": 0.5}
            )
        self.assertFalse(self.env["service.reading.type"].search([("name", "=", "Static pressure")]))
        with self.assertRefused(AccessError, r"not allowed to modify 'Reading type'"):
            self.type_capacitor.with_user(self.technician).write({"tolerance_percent": 20.0})
        self.assertEqual(self.type_capacitor.tolerance_percent, 6.0)
        with self.assertRefused(AccessError, r"not allowed to delete 'Reading type'"):
            self.type_capacitor.with_user(self.technician).unlink()
        self.assertTrue(self.type_capacitor.exists())

    def test_technician_reads_reading_types_and_records_readings(self):
        self.assertEqual(self.type_capacitor.with_user(self.technician).rated_value, 5.0)
        reading = (
            self.env["service.reading"]
            .with_user(self.technician)
            .create({"task_id": self.task.id, "type_id": self.type_capacitor.id, "measured_value": 4.9})
        )
        self.assertEqual(reading.technician_id, self.technician)
        self.assertEqual(reading.result, "in_spec")

    def test_manager_configures_reading_types(self):
        reading_type = (
            self.env["service.reading.type"]
            .with_user(self.manager)
            .create(
                {"name": "Static pressure", "unit": "in. w.c.", "tolerance_kind": "max", "max_value": 0.5}
            )
        )
        reading_type.write({"max_value": 0.8})
        self.assertEqual(reading_type.max_value, 0.8)

    def test_internal_user_reads_but_cannot_write_readings(self):
        reading = self.reading.with_user(self.internal_user)
        self.assertEqual(reading.read(["measured_value", "result"])[0]["result"], "out_of_spec")
        self.assertIn("58% below rating", reading.finding)
        with self.assertRefused(AccessError, r"not allowed to modify 'Reading'"):
            reading.write({"measured_value": 5.0})
        self.assertEqual(self.reading.measured_value, 2.1)
        with self.assertRefused(AccessError, r"not allowed to create 'Reading'"):
            self.env["service.reading"].with_user(self.internal_user).create(
                {"task_id": self.task.id, "type_id": self.type_capacitor.id, "measured_value": 5.0}
            )
        self.assertEqual(self.task.reading_ids, self.reading)
        with self.assertRefused(AccessError, r"not allowed to delete 'Reading'"):
            reading.unlink()
        self.assertTrue(self.reading.exists())

    def test_internal_user_cannot_record_approvals(self):
        with self.assertRefused(AccessError, r"not allowed to create 'Customer approval'"):
            self.env["service.approval"].with_user(self.internal_user).create(
                {"task_id": self.task.id, "scope": "Replace the capacitor", "method": "phone"}
            )
        self.assertFalse(self.task.approval_ids)

    def test_technician_cannot_forge_an_approval_snapshot(self):
        item = self._create_item(self.task)
        approval = self._create_approval(self.task, item)
        approval.action_approve()
        line = approval.line_ids
        with self.assertRefused(AccessError, r"not allowed to modify 'Approved work item snapshot'"):
            line.with_user(self.technician).write({"price_unit": 500.0})
        self.assertEqual(line.price_unit, 185.0)
        with self.assertRefused(AccessError, r"not allowed to create 'Approved work item snapshot'"):
            self.env["service.approval.line"].with_user(self.technician).create(
                {"approval_id": approval.id, "work_item_id": item.id, "name": "Gold plated capacitor"}
            )
        self.assertEqual(approval.line_ids, line)

    def test_technician_approves_through_the_action(self):
        item = self._create_item(self.task)
        approval = self._create_approval(self.task, item).with_user(self.technician)
        approval.action_approve()
        self.assertEqual(approval.line_ids.price_subtotal, 185.0)


@tagged("post_install", "-at_install")
class TestMultiCompany(FieldServiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.task = cls.env["project.task"].create(
            {"name": "No heat at 9 Pine Road", "project_id": cls.project.id, "partner_id": cls.customer.id}
        )
        cls.reading = cls.env["service.reading"].create(
            {"task_id": cls.task.id, "type_id": cls.type_capacitor.id, "measured_value": 2.1}
        )
        cls.item = cls.env["service.work.item"].create(
            {"task_id": cls.task.id, "product_id": cls.capacitor_product.id, "justification": "Failed"}
        )
        cls.approval = cls.env["service.approval"].create(
            {"task_id": cls.task.id, "method": "phone", "work_item_ids": [Command.set(cls.item.ids)]}
        )

    def test_evidence_belongs_to_the_job_company(self):
        self.assertEqual(self.reading.company_id, self.company)
        self.assertEqual(self.item.company_id, self.company)
        self.assertEqual(self.approval.company_id, self.company)

    def test_own_company_technician_sees_the_readings(self):
        Reading = self.env["service.reading"].with_user(self.technician).with_company(self.company)
        self.assertEqual(Reading.search([("task_id", "=", self.task.id)]), self.reading)

    def test_other_company_cannot_read_readings(self):
        Reading = self.env["service.reading"].with_user(self.technician_b).with_company(self.company_b)
        self.assertFalse(Reading.search([("id", "=", self.reading.id)]))
        self.assertFalse(Reading.search([("task_id", "=", self.task.id)]))
        with self.assertRefused(AccessError, r"Reading \(service\.reading\)"):
            Reading.browse(self.reading.id).read(["measured_value"])

    def test_other_company_cannot_read_items_or_approvals(self):
        env_b = self.env["res.users"].with_user(self.technician_b).with_company(self.company_b).env
        self.assertFalse(env_b["service.work.item"].search([("id", "=", self.item.id)]))
        self.assertFalse(env_b["service.approval"].search([("id", "=", self.approval.id)]))
        with self.assertRefused(AccessError, r"Customer approval \(service\.approval\)"):
            env_b["service.approval"].browse(self.approval.id).read(["state"])

    def test_other_company_cannot_write_readings(self):
        Reading = self.env["service.reading"].with_user(self.technician_b).with_company(self.company_b)
        with self.assertRefused(AccessError, r"Reading \(service\.reading\)"):
            Reading.browse(self.reading.id).write({"measured_value": 5.0})
        self.assertEqual(self.reading.measured_value, 2.1)

    def test_company_reading_types_are_private(self):
        private_type = self.env["service.reading.type"].create(
            {
                "name": "Boiler flue temperature",
                "unit": "°F",
                "tolerance_kind": "max",
                "max_value": 450.0,
                "company_id": self.company.id,
            }
        )
        types_b = self.env["service.reading.type"].with_user(self.technician_b).with_company(self.company_b)
        visible = types_b.search([("id", "in", (private_type | self.type_capacitor).ids)])
        self.assertEqual(visible, self.type_capacitor)

    def test_job_of_a_project_shared_between_companies(self):
        """A project without a company (Odoo's default) is shared: its jobs' evidence
        is recorded and read by the users of every company."""
        project = self.env["project.project"].create(
            {"name": "Shared service calls", "is_field_service": True}
        )
        task = self.env["project.task"].create({"name": "Leaking valve", "project_id": project.id})
        self.assertFalse(task.company_id)
        reading = (
            self.env["service.reading"]
            .with_user(self.technician)
            .create({"task_id": task.id, "type_id": self.type_capacitor.id, "measured_value": 4.9})
        )
        self.assertEqual(reading.result, "in_spec")
        self.assertEqual(
            self.env["service.reading"].with_user(self.technician_b).search([("task_id", "=", task.id)]),
            reading,
        )
