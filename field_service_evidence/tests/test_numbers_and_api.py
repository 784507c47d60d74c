"""Issue 9, defects 8 and 9: bad numbers get a clear error naming the field, on every door
(the ORM, XML-RPC, the portal form); every action of a job answers an external caller."""

import re
from html import unescape
from xmlrpc.client import Fault

from odoo import http
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import FieldServiceCase
from .invoice_fixtures import create_invoiced_job
from .test_dispute import DisputeCase

FINITE = "must be a finite number"
# What is typed or sent instead of a number, and what the error says about it.
BAD_NUMBERS = [
    (float("nan"), FINITE),
    (float("inf"), FINITE),
    (float("-inf"), FINITE),
    ("nan", FINITE),
    ("1e309", FINITE),
    ("abc", "must be a number, not “abc”"),
    (True, "must be a number, not “True”"),
    (1e13, "must be between -1,000,000,000,000 and 1,000,000,000,000"),
]
# An XML-RPC fault raised by a UserError or a ValidationError: a message, not a traceback.
RPC_FAULT_CODE_WARNING = 2


@tagged("post_install", "-at_install")
class TestBadNumbers(DisputeCase):
    """Every Float, Monetary and Integer field of the addon refuses what is not a finite
    number in range, with a message naming the field; nothing is written."""

    def assertNumbersRefused(self, label, write, bad_numbers=BAD_NUMBERS):
        """``write(value)`` is refused for each bad number, naming the field ``label``."""
        for value, message in bad_numbers:
            with self.subTest(field=label, value=value):
                with self.assertRefused(ValidationError, rf"^“{re.escape(label)}” {message}"):
                    write(value)

    def test_work_item(self):
        task = self._create_task().with_user(self.technician)
        item = self._create_item(task)
        for name, label in (("price_unit", "Unit price"), ("quantity", "Quantity")):
            self.assertNumbersRefused(
                label, lambda value, name=name: self._create_item(task, **{name: value})
            )
            self.assertNumbersRefused(label, lambda value, name=name: item.write({name: value}))
        self.assertEqual(task.work_item_ids, item, "no item was created")
        self.assertRecordValues(item, [{"quantity": 1.0, "price_unit": 185.0, "price_subtotal": 185.0}])

    def test_integer_field(self):
        item = self._create_item(self._create_task().with_user(self.technician))
        self.assertNumbersRefused(
            "Sequence",
            lambda value: item.write({"sequence": value}),
            [(float("nan"), FINITE), ("abc", "must be a number"), (2.5, "must be a whole number, not “2.5”")],
        )
        self.assertEqual(item.sequence, 10)
        item.write({"sequence": "12"})
        self.assertEqual(item.sequence, 12, "a whole number given as text is accepted, as Odoo does")

    def test_approval_not_to_exceed(self):
        task = self._create_task().with_user(self.technician)
        item = self._create_item(task)
        approval = self._create_approval(task, item)
        self.assertNumbersRefused(
            "Not to exceed", lambda value: self._create_approval(task, item, not_to_exceed=value)
        )
        self.assertNumbersRefused("Not to exceed", lambda value: approval.write({"not_to_exceed": value}))
        self.assertEqual(task.approval_ids, approval)
        self.assertFalse(approval.not_to_exceed)

    def test_approval_snapshot_line(self):
        task = self._create_task()
        item = self._create_item(task)
        approval = self._create_approval(task, item)
        Line = self.env["service.approval.line"].with_user(self.manager)
        self.assertNumbersRefused(
            "Unit price",
            lambda value: Line.create(
                {"approval_id": approval.id, "work_item_id": item.id, "name": item.name, "price_unit": value}
            ),
        )
        self.assertFalse(approval.line_ids)

    def test_reading_and_reading_type(self):
        task = self._create_task().with_user(self.technician)
        self.assertNumbersRefused(
            "Measured", lambda value: self._create_reading(task, self.type_capacitor, value)
        )
        self.assertFalse(task.reading_ids)
        reading_type = self.type_capacitor.with_user(self.manager)
        self.assertNumbersRefused("Rated Value", lambda value: reading_type.write({"rated_value": value}))
        self.assertNumbersRefused(
            "Decimals", lambda value: reading_type.write({"decimals": value}), BAD_NUMBERS[:1]
        )
        self.assertEqual(self.type_capacitor.rated_value, 5.0)

    def test_dispute_call_duration(self):
        dispute = self._open_dispute(self._invoice(self._job(self.capacitor_product)))
        Call = self.env["invoice.dispute.call"].with_user(self.dispute_user)
        self.assertNumbersRefused(
            "Duration (minutes)", lambda value: Call.create({"dispute_id": dispute.id, "duration": value})
        )
        self.assertFalse(dispute.call_ids)

    def test_dispute_policy_of_the_company(self):
        for name, label in (
            ("dispute_unapproved_share", "Concession on lines without prior approval (%)"),
            ("dispute_let_go_threshold", "Let-it-go threshold"),
            ("dispute_contest_hours", "Hours to contest a dispute"),
            ("dispute_hourly_cost", "Hourly cost of contesting"),
            ("dispute_concession_limit", "Concession limit of dispute users"),
        ):
            self.assertNumbersRefused(label, lambda value, name=name: self.company.write({name: value}))
        self.assertRecordValues(
            self.company, [{"dispute_unapproved_share": 50.0, "dispute_let_go_threshold": 150.0}]
        )

    def test_dispute_policy_in_the_settings(self):
        """The settings write the company's policy through related fields."""
        Settings = self.env["res.config.settings"]
        for name, label in (
            ("dispute_unapproved_share", "Concession on lines without prior approval (%)"),
            ("dispute_let_go_threshold", "Let-it-go threshold"),
        ):
            self.assertNumbersRefused(
                label, lambda value, name=name: Settings.create({name: value}).execute()
            )
        self.assertRecordValues(
            self.company, [{"dispute_unapproved_share": 50.0, "dispute_let_go_threshold": 150.0}]
        )

    def test_concession_limit_of_a_user(self):
        self.assertNumbersRefused(
            "Concession limit", lambda value: self.dispute_user.write({"dispute_concession_limit": value})
        )
        self.assertFalse(self.dispute_user.dispute_concession_limit)

    # invoice.dispute.line inherits service.number.mixin when the lead merges the dispute models.

    def test_dispute_line_amounts(self):
        dispute = self._open_dispute(self._invoice(self._job(self.capacitor_product)))
        line = dispute.line_ids
        for name, label in (("disputed_amount", "Disputed Amount"), ("conceded_amount", "Agreed concession")):
            self.assertNumbersRefused(label, lambda value, name=name: line.write({name: value}))
        self.assertRecordValues(line, [{"disputed_amount": 200.26, "conceded_amount": 0.0}])


@tagged("post_install", "-at_install")
class TestExternalApi(HttpCase, FieldServiceCase):
    """A technician's integration drives a job over XML-RPC: every action answers, once."""

    def _execute(self, model, method, *args):
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, self.technician.id, self.technician.login, model, method, list(args)
        )

    def assertRpcRefused(self, regex, model, method, *args):
        with self.assertRaises(Fault) as caught:
            self._execute(model, method, *args)
        self.assertEqual(caught.exception.faultCode, RPC_FAULT_CODE_WARNING, caught.exception.faultString)
        self.assertRegex(caught.exception.faultString, regex)

    def _tracked(self, record, field_name):
        """The values ``field_name`` of ``record`` took, as tracked on its chatter."""
        return record.message_ids.tracking_value_ids.filtered(lambda value: value.field_id.name == field_name)

    def test_job_lifecycle(self):
        task = self._create_task()
        item = self._create_item(task)
        approval = self._create_approval(task, item)

        self.assertIs(self._execute("service.approval", "action_approve", approval.ids), True)
        self.assertIs(self._execute("project.task", "action_start_work", task.ids), True)
        self.assertIs(self._execute("service.work.item", "action_mark_done", item.ids), True)
        self.assertIs(self._execute("project.task", "action_complete_work", task.ids), True)

        self.env.invalidate_all()
        self.assertRecordValues(approval, [{"state": "approved", "before_work": True}])
        self.assertEqual(len(approval.line_ids), 1, "one snapshot of the approved item")
        self.assertRecordValues(item, [{"state": "done", "approval_status": "approved_before_work"}])
        self.assertEqual(task.service_state, "completed")
        self.assertEqual(len(self._tracked(approval, "state")), 1)
        self.assertEqual(len(self._tracked(task, "work_started_at")), 1)
        self.assertEqual(len(self._tracked(task, "work_completed_at")), 1)
        self.assertEqual(len(self._tracked(item, "state")), 2, "proposed → approved → done")
        # a caller retrying after a fault would have been told the work was already done
        self.assertRpcRefused(r"was already decided", "service.approval", "action_approve", approval.ids)
        self.assertRpcRefused(r"has already started", "project.task", "action_start_work", task.ids)
        self.assertRpcRefused(r"is already completed", "project.task", "action_complete_work", task.ids)

    def test_decline_and_revoke(self):
        task = self._create_task()
        declined_item, revoked_item = self._create_item(task), self._create_item(task)
        declined = self._create_approval(task, declined_item)
        revoked = self._create_approval(task, revoked_item)
        revoked.action_approve()

        self.assertIs(self._execute("service.approval", "action_decline", declined.ids), True)
        self.assertIs(self._execute("service.approval", "action_revoke", revoked.ids), True)

        self.env.invalidate_all()
        self.assertRecordValues(declined | revoked, [{"state": "declined"}, {"state": "revoked"}])
        self.assertRecordValues(declined_item | revoked_item, [{"state": "declined"}, {"state": "proposed"}])
        self.assertRpcRefused(r"was already decided", "service.approval", "action_decline", declined.ids)
        self.assertRpcRefused(r"Only an approved approval", "service.approval", "action_revoke", revoked.ids)

    def test_bad_number_is_a_message(self):
        task = self._create_task()
        item = self._create_item(task)
        vals = {"task_id": task.id, "product_id": self.capacitor_product.id, "quantity": 1.0}
        for value in (float("nan"), float("inf"), "abc"):
            with self.subTest(value=value):
                self.assertRpcRefused(
                    r"“Unit price” must be a (finite )?number",
                    "service.work.item",
                    "create",
                    {**vals, "price_unit": value},
                )
                self.assertRpcRefused(
                    r"“Quantity” must be a (finite )?number",
                    "service.work.item",
                    "write",
                    item.ids,
                    {"quantity": value},
                )
        self.env.invalidate_all()
        self.assertEqual(task.work_item_ids, item)
        self.assertEqual(item.quantity, 1.0)


@tagged("post_install", "-at_install")
class TestPortalBadNumbers(FieldServiceCase, HttpCase):
    """A customer disputing an invoice types something that is not an amount."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice = create_invoiced_job(cls.env, 1, readings_per_item=1)
        cls.line = cls.invoice.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        new_test_user(
            cls.env,
            "fse_numbers_portal",
            groups="base.group_portal",
            partner_id=cls.invoice.partner_id.id,
            email="numbers@example.com",
        )

    def _post(self, amount):
        return self.url_open(
            f"/my/invoices/{self.invoice.id}/dispute",
            data={
                "csrf_token": http.Request.csrf_token(self),
                "statement": "Too expensive.",
                f"line_{self.line.id}": "on",
                f"amount_{self.line.id}": amount,
            },
            allow_redirects=False,
        )

    def test_bad_amount_is_a_form_error(self):
        self.authenticate("fse_numbers_portal", "fse_numbers_portal")
        for amount, message in (
            ("nan", FINITE),
            ("inf", FINITE),
            ("-inf", FINITE),
            ("1e309", FINITE),
            ("abc", "must be a number, not “abc”"),
            ("1e13", "must be between"),
        ):
            with self.subTest(amount=amount):
                response = self._post(amount)
                self.assertEqual(response.status_code, 200, "the form is shown again")
                page = unescape(response.text)
                self.assertIn('class="alert alert-danger o_dispute_errors"', page)
                self.assertIn(f"{self.line.name}: “Disputed Amount” {message}", page)
                self.assertIn(">Too expensive.</textarea>", page, "what was typed is kept")
                self.assertFalse(self.env["invoice.dispute"].search([("invoice_id", "=", self.invoice.id)]))

    def test_model_refusal_is_a_form_error(self):
        """The dispute's own rule (within the line's total) answers, not a copy of it."""
        self.authenticate("fse_numbers_portal", "fse_numbers_portal")
        response = self._post(str(self.line.price_total + 1))
        self.assertEqual(response.status_code, 200)
        self.assertIn("more than the line's total", unescape(response.text))
        self.assertFalse(self.env["invoice.dispute"].search([("invoice_id", "=", self.invoice.id)]))
