from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import SIGNATURE_PNG, FieldServiceCase


@tagged("post_install", "-at_install")
class TestApprovalTiming(FieldServiceCase):
    def setUp(self):
        super().setUp()
        self.task = self._create_task()
        self.item = self._create_item(self.task)

    def test_decided_in_the_future_refused(self):
        with self.assertRefused(ValidationError, r"An approval cannot be decided in the future"):
            self._create_approval(self.task, self.item, decided_at=fields.Datetime.now() + timedelta(days=1))
        self.assertFalse(self.task.approval_ids)
        self.assertFalse(self.env["service.approval"].search([("task_id", "=", self.task.id)]))

    def test_decided_in_the_future_refused_on_write(self):
        approval = self._create_approval(self.task, self.item)
        with self.assertRefused(ValidationError, r"cannot be decided in the future"):
            approval.decided_at = fields.Datetime.now() + timedelta(hours=2)
        self.assertFalse(approval.decided_at)

    def test_decided_before_requested_refused(self):
        with self.assertRefused(
            ValidationError, r"An approval cannot be decided \(.*\) before it was requested"
        ):
            self._create_approval(
                self.task, self.item, requested_at=self.ago(hours=1), decided_at=self.ago(hours=2)
            )
        self.assertFalse(self.env["service.approval"].search([("task_id", "=", self.task.id)]))

    def test_answer_given_earlier_by_phone_is_accepted(self):
        called_at = self.ago(hours=2).replace(microsecond=0)
        approval = self._create_approval(
            self.task, self.item, method="phone", requested_at=self.ago(hours=3), decided_at=called_at
        )
        approval.action_approve()
        self.assertEqual(approval.state, "approved")
        self.assertEqual(approval.decided_at, called_at)

    def test_signature_required_to_approve_by_signature(self):
        approval = self._create_approval(self.task, self.item, method="signature")
        with self.assertRefused(ValidationError, r"An approval by signature needs the customer's signature"):
            approval.with_user(self.technician).action_approve()
        self.assertEqual(approval.state, "requested")
        self.assertFalse(approval.decided_at)
        self.assertFalse(approval.line_ids)
        self.assertEqual(self.item.state, "proposed")

    def test_approve_with_signature(self):
        approval = self._create_approval(self.task, self.item, method="signature", signature=SIGNATURE_PNG)
        approval.with_user(self.technician).action_approve()
        self.assertEqual(approval.state, "approved")
        self.assertTrue(approval.signature)

    def test_approve_records_decision_and_snapshot(self):
        labour = self._create_item(
            self.task, product_id=self.labour_product.id, item_type="labour", quantity=1.5
        )
        items = self.item | labour
        approval = self._create_approval(self.task, items, approver_name="Martha Customer (owner)")
        before = fields.Datetime.now().replace(microsecond=0)
        approval.with_user(self.technician).action_approve()

        self.assertEqual(approval.state, "approved")
        self.assertGreaterEqual(approval.decided_at, before)
        self.assertLessEqual(approval.decided_at, fields.Datetime.now())
        self.assertEqual(items.mapped("state"), ["approved", "approved"])
        self.assertEqual(
            sorted(
                approval.line_ids.mapped(
                    lambda line: (line.name, line.quantity, line.price_unit, line.price_subtotal)
                )
            ),
            [("Labour (hour)", 1.5, 95.0, 142.5), ("Run capacitor 5 uF", 1.0, 185.0, 185.0)],
        )
        self.assertEqual(approval.line_ids.work_item_id, items)
        self.assertEqual(approval.amount_authorised, 327.5)
        self.assertEqual(approval.partner_id, self.customer)

    def test_snapshot_keeps_what_the_customer_saw(self):
        approval = self._create_approval(self.task, self.item)
        approval.action_approve()
        self.item.price_unit = 250.0
        self.assertEqual(approval.line_ids.price_unit, 185.0)
        self.assertEqual(approval.amount_authorised, 185.0)

    def test_approve_twice_refused(self):
        approval = self._create_approval(self.task, self.item)
        approval.action_approve()
        decided_at = approval.decided_at
        with self.assertRefused(UserError, r"was already decided"):
            approval.action_approve()
        self.assertEqual((approval.state, approval.decided_at), ("approved", decided_at))
        self.assertEqual(len(approval.line_ids), 1)

    def test_approve_without_scope_refused(self):
        approval = self._create_approval(self.task)
        with self.assertRefused(UserError, r"Say what the customer is approving"):
            approval.action_approve()
        self.assertEqual(approval.state, "requested")
        self.assertFalse(approval.decided_at)

    def test_decline_declines_the_proposed_items(self):
        approval = self._create_approval(self.task, self.item)
        approval.action_decline()
        self.assertEqual(approval.state, "declined")
        self.assertTrue(approval.decided_at)
        self.assertEqual(self.item.state, "declined")

    def test_before_work_when_decided_before_work_started(self):
        start = fields.Datetime.now() - timedelta(hours=3)
        with freeze_time(start - timedelta(minutes=30)):
            approval = self._create_approval(self.task, self.item)
        with freeze_time(start - timedelta(minutes=10)):
            approval.action_approve()
        with freeze_time(start):
            self.task.action_start_work()
        self.assertTrue(approval.before_work)
        self.assertFalse(self.task.started_without_approval)

    def test_not_before_work_when_decided_after_work_started(self):
        start = fields.Datetime.now() - timedelta(hours=3)
        self.task.start_without_approval_reason = "emergency"
        with freeze_time(start):
            self.task.action_start_work()
            approval = self._create_approval(self.task, self.item)
        with freeze_time(start + timedelta(minutes=20)):
            approval.action_approve()
        self.assertEqual(approval.state, "approved")
        self.assertFalse(approval.before_work)
        self.assertTrue(self.task.started_without_approval)

    def test_acknowledgment_is_never_before_work(self):
        approval = self._create_approval(self.task, self.item, kind="acknowledgment")
        approval.action_approve()
        self.assertFalse(approval.before_work)


@tagged("post_install", "-at_install")
class TestApprovalStale(FieldServiceCase):
    def setUp(self):
        super().setUp()
        self.task = self._create_task()
        self.item = self._create_item(self.task, quantity=1.0, price_unit=185.0)
        self.approval = self._create_approval(self.task, self.item, not_to_exceed=200.0)
        self.approval.action_approve()

    def test_fresh_approval_is_not_stale(self):
        self.assertEqual(self.item.state, "approved")
        self.assertFalse(self.approval.is_stale)
        self.assertFalse(self.item.approval_stale)

    def test_price_rise_beyond_not_to_exceed_is_stale(self):
        self.item.price_unit = 250.0
        self.assertTrue(self.approval.is_stale)
        self.assertEqual(self.approval.stale_work_item_ids, self.item)
        self.assertTrue(self.item.approval_stale)
        self.assertIn(
            "Not approved, or beyond what was approved: Run capacitor 5 uF.", self.task.evidence_gaps
        )

    def test_quantity_rise_beyond_not_to_exceed_is_stale(self):
        self.item.quantity = 2.0
        self.assertTrue(self.approval.is_stale)
        self.assertTrue(self.item.approval_stale)

    def test_price_rise_within_not_to_exceed_is_not_stale(self):
        self.item.price_unit = 195.0
        self.assertFalse(self.approval.is_stale)
        self.assertFalse(self.approval.stale_work_item_ids)
        self.assertFalse(self.item.approval_stale)

    def test_without_not_to_exceed_any_rise_is_stale(self):
        item = self._create_item(self.task, price_unit=100.0)
        approval = self._create_approval(self.task, item)
        approval.action_approve()
        item.price_unit = 100.01
        self.assertTrue(approval.is_stale)
        self.assertTrue(item.approval_stale)

    def test_not_to_exceed_below_amount_refused(self):
        with self.assertRefused(
            ValidationError,
            r"not-to-exceed amount \(150\.0\) cannot be below the amount authorised \(185\.0\)",
        ):
            self.approval.not_to_exceed = 150.0
        self.assertEqual(self.approval.not_to_exceed, 200.0)
