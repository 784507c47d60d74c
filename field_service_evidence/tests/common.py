from contextlib import contextmanager
from datetime import timedelta

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import Form, TransactionCase, new_test_user

# A 1×1 transparent PNG: the smallest signature the image field accepts.
SIGNATURE_PNG = (
    b"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)

JUSTIFICATION = "The run capacitor tested at 2.1 uF, far below its 5 uF rating: the fan cannot start."

TECHNICIAN_GROUPS = "base.group_user,field_service_evidence.group_technician"
MANAGER_GROUPS = "base.group_user,field_service_evidence.group_dispute_manager"
# The office: sees the jobs and has Invoicing rights, so the job form shows it "Create invoice".
OFFICE_GROUPS = "base.group_user,project.group_project_user,account.group_account_invoice"


class FieldServiceCase(TransactionCase):
    """The tests' one fixture base: a field-service project of company A with a customer,
    parts, reading types with known references, and the users who work on it (a technician,
    a dispute manager, an internal user, the office with Invoicing rights); a company B with
    its own technician. Classes that need a chart of accounts of their own also build on
    AccountTestInvoicingCommon (see ConcessionCase)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # As the database's superuser, as TransactionCase's environment is: a class that also
        # builds on AccountTestInvoicingCommon (ConcessionCase) runs as its accounting user, who
        # may not create reading types.
        env = cls.env(su=True)
        cls.company = env.company
        cls.company_b = env["res.company"].create({"name": "Northside Heating (company B)"})

        cls.technician = cls._create_user("fse_technician", TECHNICIAN_GROUPS, "Tess Technician")
        cls.manager = cls._create_user("fse_manager", MANAGER_GROUPS, "Dana Dispute-Manager")
        cls.internal_user = cls._create_user("fse_internal", "base.group_user", "Ian Internal")
        cls.office = cls._create_user("fse_office", OFFICE_GROUPS, "Olga Office")
        cls.technician_b = cls._create_user(
            "fse_technician_b", TECHNICIAN_GROUPS, "Bo Company-B", cls.company_b
        )

        cls.customer = env["res.partner"].create({"name": "Martha Customer", "email": "martha@example.com"})
        cls.project = env["project.project"].create(
            {"name": "Service calls", "is_field_service": True, "company_id": cls.company.id}
        )
        cls.capacitor_product = env["product.product"].create(
            {"name": "Run capacitor 5 uF", "type": "consu", "lst_price": 185.0}
        )
        cls.labour_product = env["product.product"].create(
            {"name": "Labour (hour)", "type": "service", "lst_price": 95.0}
        )

        ReadingType = env["service.reading.type"]
        cls.type_capacitor = ReadingType.create(
            {
                "name": "Run capacitor",
                "category": "hvac",
                "unit": "uF",
                "decimals": 1,
                "tolerance_kind": "percent",
                "rated_value": 5.0,
                "tolerance_percent": 6.0,
            }
        )
        cls.type_voltage = ReadingType.create(
            {
                "name": "Supply voltage",
                "category": "electrical",
                "unit": "V",
                "decimals": 0,
                "tolerance_kind": "range",
                "min_value": 216.0,
                "max_value": 253.0,
            }
        )
        cls.type_insulation = ReadingType.create(
            {
                "name": "Insulation resistance",
                "category": "electrical",
                "unit": "MOhm",
                "decimals": 1,
                "tolerance_kind": "min",
                "min_value": 1.0,
            }
        )
        cls.type_amps = ReadingType.create(
            {
                "name": "Compressor amp draw",
                "category": "hvac",
                "unit": "A",
                "decimals": 1,
                "tolerance_kind": "max",
                "max_value": 10.0,
            }
        )
        cls.type_temperature = ReadingType.create(
            {
                "name": "Outdoor temperature",
                "category": "general",
                "unit": "°F",
                "decimals": 0,
                "tolerance_kind": "none",
                "allow_negative": True,
            }
        )

    @classmethod
    def _create_user(cls, login, groups, name, company=None):
        """A user of ``company`` (company A unless given) only; the password is the login."""
        company = company or cls.company
        return new_test_user(
            cls.env,
            login,
            groups=groups,
            name=name,
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )

    @classmethod
    def _setup_sales_tax(cls):
        """An 8.25% sales tax on the capacitor and the labour: 185.00 + tax = 200.26."""
        cls.tax = cls.env["account.tax"].create(
            {"name": "Sales tax 8.25%", "amount": 8.25, "amount_type": "percent", "type_tax_use": "sale"}
        )
        cls.capacitor_product.taxes_id = cls.tax
        cls.labour_product.taxes_id = cls.tax

    # Fixtures built per test -------------------------------------------------

    def _create_task(self, **vals):
        return self.env["project.task"].create(
            {
                "name": "No cooling at 12 Elm Street",
                "project_id": self.project.id,
                "partner_id": self.customer.id,
                **vals,
            }
        )

    def _create_reading(self, task, reading_type, measured, **vals):
        return task.env["service.reading"].create(
            {"task_id": task.id, "type_id": reading_type.id, "measured_value": measured, **vals}
        )

    def _create_item(self, task, **vals):
        return task.env["service.work.item"].create(
            {
                "task_id": task.id,
                "product_id": self.capacitor_product.id,
                "quantity": 1.0,
                "justification": JUSTIFICATION,
                **vals,
            }
        )

    def _create_approval(self, task, items=None, **vals):
        return task.env["service.approval"].create(
            {
                "task_id": task.id,
                "kind": "authorisation",
                "method": "in_person",
                "work_item_ids": [Command.set(items.ids if items else [])],
                **vals,
            }
        )

    def _documented_job(self, complete=True, skip=()):
        """A job with every piece of evidence: complaint, diagnosis, readings before
        and after, a justified item approved before work started, done.

        ``skip`` names pieces of evidence (keys of EVIDENCE_WEIGHTS) to leave out."""
        task = self._create_task(
            service_complaint="complaint" not in skip and "The air conditioner runs but blows warm air.",
            service_diagnosis="diagnosis" not in skip
            and "The condenser fan run capacitor has failed: the fan does not start.",
        )
        component = "Condenser fan run capacitor"
        if "readings_before" not in skip:
            self._create_reading(task, self.type_capacitor, 2.1, phase="before", component=component)
        item = self._create_item(task, justification="justification" not in skip and JUSTIFICATION)
        if "items_approved" in skip:
            approval = self._create_approval(task, scope="Replace the condenser fan run capacitor.")
        else:
            approval = self._create_approval(task, item)
        if "prior_approval" in skip:
            # an emergency call: the work started an hour before the customer approved
            task.start_without_approval_reason = "emergency"
            with freeze_time(fields.Datetime.now() - timedelta(hours=1)):
                task.action_start_work()
            approval.action_approve()
        else:
            approval.action_approve()
            task.action_start_work()
        if "work_recorded" not in skip:
            item.action_mark_done()
        if "readings_after" not in skip:
            self._create_reading(task, self.type_capacitor, 5.0, phase="after", component=component)
        if complete:
            task.action_complete_work()
        return task

    def _press_create_invoice(self, tasks, user=None):
        """The office (or ``user``) presses "Create invoice" on ``tasks``: the draft invoices the
        returned action opens (a form on the invoice when there is one)."""
        action = tasks.with_user(user or self.office).action_create_invoice()
        self.assertEqual(action["res_model"], "account.move")
        Move = self.env["account.move"]
        if action.get("res_id"):
            self.assertEqual(action["views"], [(False, "form")])
            return Move.browse(action["res_id"])
        return Move.search(action["domain"])

    # Assertions ---------------------------------------------------------------

    @contextmanager
    def assertRefused(self, exception, regex):
        """The operation fails with ``exception`` whose message matches ``regex``; what
        it wrote is rolled back, as the request's transaction would be."""
        with self.assertRaisesRegex(exception, regex), self.env.cr.savepoint():
            if issubclass(exception, AccessError):
                # the savepoint flushed: start from an empty cache so access is checked
                self.env.invalidate_all()
            yield

    @staticmethod
    def ago(**delta):
        return fields.Datetime.now() - timedelta(**delta)

    def reading_form(self):
        """A form on a new reading with the fields a technician fills in, independent
        of the addon's own views (they are another concern)."""
        view = self.env["ir.ui.view"].create(
            {
                "name": "service.reading test form",
                "model": "service.reading",
                "type": "form",
                "arch": """
                    <form>
                        <field name="task_id"/>
                        <field name="type_id"/>
                        <field name="measured_value"/>
                        <field name="tolerance_kind"/>
                        <field name="rated_value"/>
                        <field name="tolerance_percent"/>
                        <field name="min_value"/>
                        <field name="max_value"/>
                        <field name="result"/>
                        <field name="finding"/>
                    </form>
                """,
            }
        )
        return Form(self.env["service.reading"], view=view)
