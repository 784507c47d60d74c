from odoo.tests import HttpCase, new_test_user, tagged

from .common import TECHNICIAN_GROUPS, FieldServiceCase

# Set by the tours in static/tests/tours/.
TOUR_JOB = "Heat pump blows warm air, tour job"
TOUR_CUSTOMER = "Tour Customer Rosa Delgado"


@tagged("post_install", "-at_install")
class TestTours(FieldServiceCase, HttpCase):
    """The technician's and the office's journeys in the browser."""

    def test_service_record_tour(self):
        """A technician records a whole job on its form: the evidence score reaches 100."""
        technician = new_test_user(
            self.env, "fse_tour_technician", groups=TECHNICIAN_GROUPS, name="Tom Tour-Technician"
        )
        customer = self.env["res.partner"].create({"name": TOUR_CUSTOMER})
        # What the tour picks by name: the "Field Service" project, the part by its code, the
        # "Run capacitor" reading type of the addon's data. A database with the demo has its own
        # project and part, the fixtures their own reading type: the technician sees only these.
        self.type_capacitor.active = False
        self.env["project.project"].search([("name", "=", "Field Service")]).active = False
        self.env["product.product"].search([("default_code", "=like", "CAP-R-5%")]).active = False
        project = self.env["project.project"].create({"name": "Field Service", "is_field_service": True})
        capacitor = self.env["product.product"].create(
            {
                "name": "Run capacitor 5 uF 370V",
                "default_code": "CAP-R-5-370",
                "type": "consu",
                "lst_price": 185.0,
            }
        )
        run_capacitor = self.env.ref("field_service_evidence.reading_type_run_capacitor")

        # A long journey: more than the default 60 s on a slow machine.
        self.start_tour("/odoo", "fse_service_record_tour", login=technician.login, timeout=240)

        task = self.env["project.task"].search([("name", "=", TOUR_JOB)])
        self.assertEqual(len(task), 1, "the tour creates one job")
        self.assertEqual(task.project_id, project)
        self.assertEqual(task.partner_id, customer)
        self.assertTrue(task.service_complaint)
        self.assertTrue(task.work_started_at)
        self.assertTrue(task.work_completed_at)
        self.assertEqual(task.service_state, "completed")
        self.assertEqual(task.evidence_score, 100, task.evidence_gaps)
        self.assertFalse(task.started_without_approval)

        before = task.reading_ids.filtered(lambda r: r.phase == "before")
        after = task.reading_ids.filtered(lambda r: r.phase == "after")
        self.assertRecordValues(
            before + after,
            [
                {"type_id": run_capacitor.id, "measured_value": 2.1, "result": "out_of_spec"},
                {"type_id": run_capacitor.id, "measured_value": 5.0, "result": "in_spec"},
            ],
        )
        self.assertEqual((before + after).technician_id, technician)

        item = task.work_item_ids
        self.assertRecordValues(
            item, [{"item_type": "part", "product_id": capacitor.id, "price_unit": 185.0, "state": "done"}]
        )
        self.assertTrue(item.justification)
        self.assertEqual(item.reading_ids, before)
        self.assertEqual(item.approval_status, "approved_before_work")

        approval = task.approval_ids
        self.assertRecordValues(
            approval,
            [
                {
                    "kind": "authorisation",
                    "method": "signature",
                    "state": "approved",
                    "approver_name": TOUR_CUSTOMER,
                    "partner_id": customer.id,
                    "before_work": True,
                    "recorded_by_id": technician.id,
                }
            ],
        )
        self.assertTrue(approval.signature, "the customer signed in the signature dialog")
        self.assertIn("run capacitor", approval.scope)
        self.assertLessEqual(approval.decided_at, task.work_started_at)
        self.assertEqual(approval.work_item_ids, item)
        self.assertEqual(approval.line_ids.work_item_id, item, "the part is approved as it was priced")

    def test_invoice_evidence_tour(self):
        """The office reads the evidence of an invoice and prints the invoice with evidence."""
        invoice = self._capacitor_invoice()
        self.assertIn(
            "approved_before_work", invoice.service_evidence_line_ids.mapped("service_approval_status")
        )
        self.start_tour(
            f"/odoo/action-account.action_move_out_invoice_type/{invoice.id}",
            "fse_invoice_evidence_tour",
            login="admin",
        )

    def _capacitor_invoice(self):
        """The posted invoice of a documented capacitor job, approved before the work."""
        invoice = self._press_create_invoice(self._documented_job())
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")
        return invoice
