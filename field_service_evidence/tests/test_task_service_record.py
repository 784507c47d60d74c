from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import FieldServiceCase

LOCKED = (
    r"Job “No cooling at 12 Elm Street” is completed and its service record is locked: "
    r"only a dispute manager can add, change or delete {what} records on it\."
)
LOCKED_READING = LOCKED.format(what="reading")
LOCKED_APPROVAL = LOCKED.format(what="customer approval")
EMERGENCY_GAP = "Work started before any approval (reason given: Emergency (no heat, flooding, no power))."


@tagged("post_install", "-at_install")
class TestStartWork(FieldServiceCase):
    def setUp(self):
        super().setUp()
        self.task = self._create_task().with_user(self.technician)
        self.item = self._create_item(self.task)

    def test_start_without_authorisation_or_reason_refused(self):
        with self.assertRefused(
            UserError,
            r"The customer has not authorised the work on “No cooling at 12 Elm Street” yet\. Record their "
            r"approval first, or give the reason to start without it",
        ):
            self.task.action_start_work()
        self.assertFalse(self.task.work_started_at)
        self.assertEqual(self.task.service_state, "not_started")

    def test_requested_or_declined_authorisation_is_not_enough(self):
        approval = self._create_approval(self.task, self.item)
        with self.assertRefused(UserError, r"has not authorised the work"):
            self.task.action_start_work()
        approval.action_decline()
        with self.assertRefused(UserError, r"has not authorised the work"):
            self.task.action_start_work()
        self.assertFalse(self.task.work_started_at)

    def test_acknowledgment_is_not_an_authorisation(self):
        self._create_approval(self.task, self.item, kind="acknowledgment").action_approve()
        with self.assertRefused(UserError, r"has not authorised the work"):
            self.task.action_start_work()
        self.assertFalse(self.task.work_started_at)

    def test_start_with_emergency_reason(self):
        self.task.start_without_approval_reason = "emergency"
        self.task.action_start_work()
        self.assertTrue(self.task.work_started_at)
        self.assertEqual(self.task.service_state, "in_progress")
        self.assertTrue(self.task.started_without_approval)
        self.assertIn(EMERGENCY_GAP, self.task.evidence_gaps.splitlines())

    def test_start_with_approved_authorisation(self):
        self._create_approval(self.task, self.item).action_approve()
        self.task.action_start_work()
        self.assertTrue(self.task.work_started_at)
        self.assertFalse(self.task.started_without_approval)
        self.assertNotIn("Work started before any approval", self.task.evidence_gaps or "")

    def test_start_twice_refused(self):
        self._create_approval(self.task, self.item).action_approve()
        self.task.action_start_work()
        started_at = self.task.work_started_at
        with self.assertRefused(UserError, r"Work on “No cooling at 12 Elm Street” has already started"):
            self.task.action_start_work()
        self.assertEqual(self.task.work_started_at, started_at)

    def test_start_on_a_task_outside_field_service_refused(self):
        project = self.env["project.project"].create({"name": "Office moves", "company_id": self.company.id})
        task = self.env["project.task"].create({"name": "Pack the archive", "project_id": project.id})
        task.start_without_approval_reason = "emergency"
        with self.assertRefused(UserError, r"“Pack the archive” is not a field-service job"):
            task.action_start_work()
        self.assertFalse(task.work_started_at)


@tagged("post_install", "-at_install")
class TestCompleteWork(FieldServiceCase):
    def setUp(self):
        super().setUp()
        self.task = self._create_task().with_user(self.technician)
        self.capacitor = self._create_item(self.task)
        self.labour = self._create_item(self.task, product_id=self.labour_product.id, item_type="labour")

    def test_complete_before_start_refused(self):
        with self.assertRefused(
            UserError, r"Start the work on “No cooling at 12 Elm Street” before completing it"
        ):
            self.task.action_complete_work()
        self.assertFalse(self.task.work_completed_at)

    def test_complete_with_pending_items_refused(self):
        self._create_approval(self.task, self.capacitor | self.labour).action_approve()
        self.task.action_start_work()
        self.capacitor.action_mark_done()
        with self.assertRefused(
            UserError, r"These work items are not done or declined yet: Labour \(hour\)\. Mark each done"
        ):
            self.task.action_complete_work()
        self.assertFalse(self.task.work_completed_at)
        self.assertEqual(self.task.service_state, "in_progress")

    def test_complete_names_every_proposed_item(self):
        self.task.start_without_approval_reason = "safety"
        self.task.action_start_work()
        with self.assertRefused(
            UserError, r"not done or declined yet: Run capacitor 5 uF, Labour \(hour\)\."
        ):
            self.task.action_complete_work()
        self.assertFalse(self.task.work_completed_at)
        self.assertEqual((self.capacitor | self.labour).mapped("state"), ["proposed", "proposed"])

    def test_complete_after_items_done_or_declined(self):
        self._create_approval(self.task, self.capacitor).action_approve()
        self._create_approval(self.task, self.labour).action_decline()
        self.task.action_start_work()
        self.capacitor.action_mark_done()
        self.task.action_complete_work()
        self.assertTrue(self.task.work_completed_at)
        self.assertEqual(self.task.service_state, "completed")
        self.assertEqual(self.capacitor.state, "done")
        self.assertEqual(self.labour.state, "declined")

    def test_declined_item_cannot_be_marked_done(self):
        self._create_approval(self.task, self.labour).action_decline()
        self.task.start_without_approval_reason = "emergency"
        self.task.action_start_work()
        with self.assertRefused(
            UserError, r"The customer declined “Labour \(hour\)”: it cannot be marked done"
        ):
            self.labour.action_mark_done()
        self.assertEqual(self.labour.state, "declined")
        self.assertFalse(self.labour.done_at)

    def test_item_cannot_be_done_before_work_starts(self):
        with self.assertRefused(
            UserError, r"Start the work on “No cooling at 12 Elm Street” before marking items done"
        ):
            self.capacitor.action_mark_done()
        self.assertEqual(self.capacitor.state, "proposed")


@tagged("post_install", "-at_install")
class TestEvidenceScore(FieldServiceCase):
    GAPS = {
        "complaint": "No complaint: write down what the customer reported.",
        "diagnosis": "No diagnosis: say what you found and why it fails.",
        "readings_before": "No readings before work: measure what is wrong before fixing it.",
        "justification": "No justification for: Run capacitor 5 uF. Say why each was needed.",
        "prior_approval": EMERGENCY_GAP,
        "items_approved": "Not approved, or beyond what was approved: Run capacitor 5 uF.",
        "readings_after": "No readings after work: measure again to show the fix worked.",
        "work_recorded": "No work item done: record the parts and labour used.",
    }

    # What a job scores without one piece of its evidence, worked out by hand from what each
    # piece is worth: complaint 10, diagnosis 10, readings before 20, justification 15,
    # approval before work 20, items approved 5, readings after 15, work recorded 5.
    SCORE_WITHOUT = {
        "complaint": 90,  # 100 − 10
        "diagnosis": 90,  # 100 − 10
        "readings_before": 80,  # 100 − 20
        "justification": 85,  # 100 − 15
        "prior_approval": 80,  # 100 − 20
        "items_approved": 95,  # 100 − 5
        "readings_after": 85,  # 100 − 15
        "work_recorded": 95,  # 100 − 5
    }

    def test_fully_documented_job(self):
        task = self._documented_job()
        self.assertEqual(task.service_state, "completed")
        self.assertEqual(task.evidence_score, 100)
        self.assertFalse(task.evidence_gaps)

    def test_each_missing_piece_lowers_the_score_by_its_weight(self):
        self.assertEqual(set(self.SCORE_WITHOUT), set(self.GAPS))
        for key, score in self.SCORE_WITHOUT.items():
            with self.subTest(missing=key):
                task = self._documented_job(complete=key != "work_recorded", skip={key})
                self.assertEqual(task.evidence_gaps, self.GAPS[key])
                self.assertEqual(task.evidence_score, score)

    def test_a_job_with_no_evidence_at_all_scores_0(self):
        """Only an unjustified item, neither approved nor done: every piece is missing, and the
        weights of all eight add up to the whole score: 100 − 10 − 10 − 20 − 15 − 20 − 5 − 15 − 5 = 0."""
        task = self._create_task()
        self._create_item(task, justification=False)
        self.assertEqual(len(task.evidence_gaps.splitlines()), 8, task.evidence_gaps)
        self.assertEqual(task.evidence_score, 0)

    def test_gaps_add_up(self):
        task = self._documented_job(complete=False, skip={"complaint", "readings_after", "work_recorded"})
        # 100 − 10 (complaint) − 15 (readings after) − 5 (work recorded) = 70
        self.assertEqual(task.evidence_score, 70)
        self.assertEqual(
            task.evidence_gaps.splitlines(),
            [self.GAPS["complaint"], self.GAPS["readings_after"], self.GAPS["work_recorded"]],
        )

    def test_new_job_asks_for_authorisation(self):
        task = self._create_task(service_complaint="Water heater leaks.")
        self.assertIn(
            "No customer authorisation yet: have the customer approve the work.",
            task.evidence_gaps.splitlines(),
        )

    def test_declined_items_need_no_evidence(self):
        task = self._documented_job(complete=False)
        extra = self._create_item(task, product_id=self.labour_product.id, justification=False)
        # an unjustified labour item, not approved: 100 − 15 (justification) − 5 (items approved) = 80
        self.assertEqual(task.evidence_score, 80)
        self._create_approval(task, extra).action_decline()
        self.assertEqual(task.evidence_score, 100)
        self.assertFalse(task.evidence_gaps)

    def test_score_updates_when_evidence_is_added(self):
        task = self._documented_job(complete=False, skip={"readings_after"})
        self.assertEqual(task.evidence_score, 85)  # 100 − 15 (readings after)
        self._create_reading(task, self.type_capacitor, 5.0, phase="after")
        self.assertEqual(task.evidence_score, 100)

    def test_other_projects_have_no_score(self):
        project = self.env["project.project"].create({"name": "Office moves", "company_id": self.company.id})
        task = self.env["project.task"].create({"name": "Pack the archive", "project_id": project.id})
        self.assertEqual(task.evidence_score, 0)
        self.assertFalse(task.evidence_gaps)


@tagged("post_install", "-at_install")
class TestCompletedJobLocked(FieldServiceCase):
    def setUp(self):
        super().setUp()
        self.task = self._documented_job()
        self.reading = self.task.reading_ids.filtered(lambda r: r.phase == "before")
        self.approval = self.task.approval_ids

    def test_evidence_locked_for_technicians_only(self):
        self.assertTrue(self.reading.with_user(self.technician).evidence_locked)
        self.assertTrue(self.approval.with_user(self.technician).evidence_locked)
        self.assertFalse(self.reading.with_user(self.manager).evidence_locked)

    def test_technician_cannot_edit_reading(self):
        with self.assertRefused(
            UserError,
            LOCKED_READING,
        ):
            self.reading.with_user(self.technician).write({"measured_value": 4.9})
        self.assertEqual(self.reading.measured_value, 2.1)
        self.assertEqual(self.reading.result, "out_of_spec")

    def test_technician_cannot_add_reading(self):
        with self.assertRefused(UserError, LOCKED_READING):
            self._create_reading(
                self.task.with_user(self.technician), self.type_capacitor, 5.1, phase="after"
            )
        self.assertEqual(len(self.task.reading_ids), 2)

    def test_technician_cannot_delete_reading(self):
        with self.assertRefused(UserError, LOCKED_READING):
            self.reading.with_user(self.technician).unlink()
        self.assertTrue(self.reading.exists())
        self.assertEqual(len(self.task.reading_ids), 2)

    def test_technician_cannot_move_reading_to_completed_job(self):
        open_task = self._create_task(name="Second visit")
        reading = self._create_reading(open_task, self.type_capacitor, 4.0)
        with self.assertRefused(UserError, LOCKED_READING):
            reading.with_user(self.technician).task_id = self.task
        self.assertEqual(reading.task_id, open_task)

    def test_technician_cannot_edit_approval(self):
        scope = self.approval.scope
        with self.assertRefused(UserError, LOCKED_APPROVAL):
            self.approval.with_user(self.technician).write({"scope": "Replace the whole condenser"})
        self.assertEqual(self.approval.scope, scope)
        with self.assertRefused(UserError, LOCKED_APPROVAL):
            self.approval.with_user(self.technician).action_revoke()
        self.assertEqual(self.approval.state, "approved")

    def test_technician_cannot_add_approval(self):
        with self.assertRefused(UserError, LOCKED_APPROVAL):
            self._create_approval(
                self.task.with_user(self.technician), scope="Extra work", kind="acknowledgment"
            )
        self.assertEqual(self.task.approval_ids, self.approval)

    def test_technician_cannot_delete_approval(self):
        with self.assertRefused(AccessError, r"not allowed to delete 'Customer approval'"):
            self.approval.with_user(self.technician).unlink()
        self.assertTrue(self.approval.exists())

    def test_manager_correction_is_on_the_record(self):
        self.env.flush_all()
        self.env.cr.flush()  # the tracking of the job's creation is done
        self.reading.with_user(self.manager).write({"measured_value": 2.2})
        self.env.flush_all()
        self.env.cr.flush()  # precommit hooks write the tracking values
        self.assertEqual(self.reading.measured_value, 2.2)

        note = self.task.message_ids.filtered(lambda m: "was changed after the job was completed" in m.body)
        self.assertEqual(len(note), 1)
        self.assertEqual(note.author_id, self.manager.partner_id)
        self.assertIn("Condenser fan run capacitor (Before work)", note.body)

        tracking = self.reading.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "measured_value"
        )
        self.assertEqual(len(tracking), 1)
        self.assertEqual((tracking.old_value_float, tracking.new_value_float), (2.1, 2.2))
        self.assertEqual(tracking.mail_message_id.author_id, self.manager.partner_id)

    def test_manager_can_add_and_delete_evidence(self):
        manager_task = self.task.with_user(self.manager)
        reading = self._create_reading(manager_task, self.type_capacitor, 5.1, phase="after")
        reading.unlink()
        self.approval.with_user(self.manager).unlink()
        self.assertFalse(self.task.approval_ids)
        bodies = self.task.message_ids.mapped("body")
        self.assertTrue(any("was added after the job was completed" in body for body in bodies))
        self.assertTrue(any("was deleted after the job was completed" in body for body in bodies))
