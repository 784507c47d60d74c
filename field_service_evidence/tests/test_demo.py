"""The demo data, the seed's story: a residential HVAC and plumbing company's jobs, their
invoices and the customers' disputes, one in each part of the process. Every other test builds
its own fixtures and passes on a database without demo data; these check the demo itself, and
are skipped only when the addon was installed without it."""

from unittest import SkipTest

from odoo.tests import TransactionCase, tagged

DEMO = "field_service_evidence.demo_"


@tagged("post_install", "-at_install")
class TestDemoData(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not cls.env["ir.module.module"]._get("field_service_evidence").demo:
            raise SkipTest("the addon was installed without its demo data")

    def demo(self, name):
        return self.env.ref(DEMO + name)

    def stage(self, name):
        return self.env.ref(f"field_service_evidence.dispute_stage_{name}")

    def test_the_capacitor_job_is_documented_before_the_work(self):
        task = self.demo("task_capacitor")
        self.assertEqual(task.name, "AC blowing warm air")
        self.assertEqual(task.service_state, "completed")
        self.assertEqual(task.evidence_score, 100)
        self.assertFalse(task.evidence_gaps)
        approval = self.demo("approval_capacitor")
        self.assertRecordValues(
            approval,
            [{"method": "signature", "state": "approved", "before_work": True, "amount_authorised": 449.0}],
        )
        self.assertEqual(set(task.reading_ids.mapped("phase")), {"before", "after"})
        self.assertEqual(set(task.work_item_ids.mapped("approval_status")), {"approved_before_work"})

    def test_the_other_jobs_each_lack_something(self):
        # The emergency, started before any approval and acknowledged after the work:
        # 100 − 20 (approval before work) = 80.
        leak = self.demo("task_started_before_approval")
        self.assertTrue(leak.started_without_approval)
        self.assertEqual(leak.evidence_score, 80)
        self.assertEqual(
            leak.evidence_gaps,
            "Work started before any approval (reason given: Emergency (no heat, flooding, no power)).",
        )
        # The water heater, approved by phone before the work, nothing measured after it:
        # 100 − 15 (readings after) = 85.
        heater = self.demo("task_no_readings_after")
        self.assertEqual(heater.evidence_score, 85)
        self.assertEqual(
            heater.evidence_gaps, "No readings after work: measure again to show the fix worked."
        )
        # The furnace, diagnosed and quoted, the answer awaited: 100 − 20 (no authorisation)
        # − 5 (items not approved) − 15 (readings after) − 5 (no work done) = 55.
        furnace = self.demo("task_awaiting_approval")
        self.assertEqual(furnace.service_state, "not_started")
        self.assertEqual(furnace.evidence_score, 55)
        self.assertEqual(self.demo("approval_furnace_requested").state, "requested")

    def test_the_heat_pump_job_is_approved_remotely_before_the_work(self):
        task = self.demo("task_remote_approval")
        self.assertEqual(task.name, "Heat pump fan not starting, 8 Birch Lane (tenant)")
        self.assertFalse(task.work_started_at, "the work starts once the landlord has signed")
        approval = self.demo("approval_remote")
        self.assertRecordValues(
            approval,
            [
                {
                    "method": "remote_signature",
                    "state": "approved",
                    "approver_name": "Priya Raman",
                    "signer_ip": "203.0.113.24",
                }
            ],
        )
        self.assertTrue(approval.signature)
        self.assertEqual(
            {line.work_item_id.name: line.decision for line in approval.line_ids},
            {
                "Run capacitor 5 uF 370V": "approved",
                "HVAC labour (hour)": "approved",
                "Outdoor coil cleaning": "declined",
            },
        )
        self.assertEqual(self.demo("item_remote_coil_cleaning").state, "declined")
        self.assertEqual(
            (self.demo("item_remote_capacitor") | self.demo("item_remote_labour")).mapped("state"),
            ["approved", "approved"],
        )

    def test_the_jobs_are_invoiced_line_by_line(self):
        # untaxed: 129 + 185 + 135 = 449; 195 + 24 + 245 + 2 × 125 = 714; 129 + 65 + 125 = 319;
        # 129 + 48 + 125 = 302
        untaxed = {"capacitor": 449.0, "leak": 714.0, "water_heater": 319.0, "heating_element": 302.0}
        for name, amount in untaxed.items():
            with self.subTest(invoice=name):
                invoice = self.demo(f"invoice_{name}")
                self.assertEqual(invoice.state, "posted")
                self.assertEqual(invoice.amount_untaxed, amount)
                lines = invoice.invoice_line_ids.filtered(lambda line: line.display_type == "product")
                self.assertTrue(all(lines.mapped("service_work_item_id")), "every line bills a work item")
        self.assertFalse(self.demo("invoice_heating_element").dispute_ids, "left for the tours to dispute")

    def test_a_dispute_in_each_part_of_the_process(self):
        in_call = self.demo("dispute_capacitor")
        self.assertEqual(in_call.stage_id, self.stage("call"))
        self.assertEqual(in_call.recommendation, "defend")
        self.assertEqual(in_call.line_ids.move_line_id.service_work_item_id, self.demo("item_capacitor_part"))
        self.assertIn("didn't need replacing", in_call.statement)
        self.assertEqual(len(in_call.activity_ids), 1, "the call to make is scheduled")
        self.assertFalse(in_call.call_ids)

        proposal = self.demo("dispute_leak")
        self.assertEqual(proposal.stage_id, self.stage("proposal"))
        self.assertEqual(proposal.recommendation, "partial")
        self.assertEqual(set(proposal.line_ids.mapped("evidence_status")), {"approved_after_work"})
        self.assertTrue(proposal.conceded_amount)
        self.assertEqual(proposal.conceded_amount, proposal.recommended_amount)

        resolved = self.demo("dispute_water_heater")
        self.assertEqual(resolved.stage_id, self.stage("resolved"))
        self.assertEqual(resolved.resolution, "partial")
        self.assertEqual(resolved.root_cause_id, self.env.ref("field_service_evidence.root_cause_quality"))
        self.assertEqual(len(resolved.call_ids), 1)
        self.assertTrue(resolved.resolved_date)
        self.assertEqual(resolved.conceded_amount, 71.88)

    def test_two_disputes_settled_with_a_posted_concession_of_each_method(self):
        for name, method, amount in (
            ("credit_note", "credit_note", 57.5),
            ("write_off", "write_off", 148.35),
        ):
            with self.subTest(dispute=name):
                dispute = self.demo(f"dispute_{name}")
                self.assertEqual(dispute.stage_id, self.stage("resolved"))
                self.assertRecordValues(
                    dispute.concession_ids, [{"method": method, "state": "posted", "amount_total": amount}]
                )
