"""Issue 10, the owner on the phone: what a dispute owner does in the web client, through the
JSON-RPC calls the web client makes as that user."""

from odoo import Command, fields
from odoo.tests import HttpCase, tagged

from .invoice_fixtures import post_agreed_concession
from .test_dispute import CALL_SUMMARY, DisputeCase

FEEDBACK = "Read her the capacitor reading against its rating: she will pay the invoice."


@tagged("post_install", "-at_install")
class TestDisputeOwnerRpc(DisputeCase, HttpCase):
    def call_kw(self, user, model, method, args, **kwargs):
        """``model.method(*args, **kwargs)`` as the web client calls it, logged in as ``user``."""
        self.authenticate(user.login, user.login)
        # the server shares the test's transaction: it sees what the test wrote, and the test
        # then reads what the server wrote
        self.env.flush_all()
        try:
            return self.make_jsonrpc_request(
                "/web/dataset/call_kw", {"model": model, "method": method, "args": args, "kwargs": kwargs}
            )
        finally:
            self.env.invalidate_all()

    def _call_activity(self, dispute):
        [activity] = dispute.activity_ids
        self.assertEqual(activity.activity_type_id, self.call_type)
        self.assertEqual(activity.summary, CALL_SUMMARY)
        return activity

    def _done_messages(self, dispute):
        return dispute.message_ids.filtered(lambda message: message.mail_activity_type_id == self.call_type)

    def test_marking_the_call_activity_done_logs_the_call(self):
        dispute = self._open_dispute(self._invoice(self._job(self.capacitor_product)))
        activity = self._call_activity(dispute)
        started = fields.Datetime.now().replace(microsecond=0)
        # The chatter's "Mark Done", the feedback typed in, "Done".
        self.call_kw(self.dispute_user, "mail.activity", "action_feedback", [activity.ids], feedback=FEEDBACK)

        self.assertFalse(dispute.activity_ids)
        self.assertRecordValues(
            dispute.call_ids, [{"notes": FEEDBACK, "user_id": self.dispute_user.id, "outcome": "called"}]
        )
        self.assertGreaterEqual(dispute.call_ids.call_date, started)
        self.assertLessEqual(dispute.call_ids.call_date, fields.Datetime.now())
        done = self._done_messages(dispute)
        self.assertEqual(len(done), 1, "the activity is done once")
        self.assertIn(FEEDBACK, done.body)

        # With its call logged, the dispute resolves.
        self.call_kw(
            self.dispute_user,
            "invoice.dispute",
            "write",
            [dispute.ids, {"root_cause_id": self.root_cause.id}],
        )
        self.assertTrue(self.call_kw(self.dispute_user, "invoice.dispute", "action_resolve", [dispute.ids]))
        self.assertEqual(dispute.stage_id, self.stage_resolved)
        self.assertEqual(dispute.resolution, "upheld")

    def test_done_and_schedule_next_logs_the_call_too(self):
        dispute = self._open_dispute(self._invoice(self._job(self.capacitor_product)))
        activity = self._call_activity(dispute)
        self.call_kw(
            self.dispute_user,
            "mail.activity",
            "action_feedback_schedule_next",
            [activity.ids],
            feedback="No answer: call back tomorrow.",
        )
        self.assertRecordValues(dispute.call_ids, [{"notes": "No answer: call back tomorrow."}])

    def test_a_call_logged_on_the_form_marks_the_activity_done_once(self):
        dispute = self._open_dispute(self._invoice(self._job(self.capacitor_product)))
        self._call_activity(dispute)
        # "Log call" on the Walkthrough tab adds a row to the call log; the form saves it.
        self.call_kw(
            self.dispute_user,
            "invoice.dispute",
            "web_save",
            [
                dispute.ids,
                {"call_ids": [Command.create({"outcome": "agreed", "duration": 9.0, "notes": FEEDBACK})]},
            ],
            specification={"call_count": {}},
        )
        self.assertRecordValues(dispute.call_ids, [{"notes": FEEDBACK, "outcome": "agreed", "duration": 9.0}])
        self.assertFalse(dispute.activity_ids)
        done = self._done_messages(dispute)
        self.assertEqual(len(done), 1)
        self.assertIn(FEEDBACK, done.body)

    def test_one_dispute_opens_directly(self):
        invoice = self._invoice(self._job(self.capacitor_product, self.labour_product))
        first_line, second_line = self._lines(invoice)
        first = self._open_dispute(invoice, lines=first_line)
        action = self.call_kw(self.dispute_user, "account.move", "action_open_disputes", [invoice.ids])
        self.assertEqual(action["res_id"], first.id)
        self.assertEqual(action["views"], [[False, "form"]])

        second = self._open_dispute(invoice, lines=second_line)
        action = self.call_kw(self.dispute_user, "account.move", "action_open_disputes", [invoice.ids])
        self.assertFalse(action.get("res_id"))
        self.assertEqual(action["view_mode"], "kanban,list,form,pivot,graph")
        self.assertEqual(self.env["invoice.dispute"].search(action["domain"]), first | second)

    def test_outcomes_show_once_decided(self):
        """The form's line list, as the web client reads it: no outcome on an open dispute,
        even with concessions agreed; the outcome of each line once resolved."""
        specification = {"line_ids": {"fields": {"outcome": {}, "conceded_amount": {}}}}
        # Agreed: a job approved only after the work, the recommended concessions accepted.
        agreed = self._open_dispute(
            self._invoice(self._job(self.capacitor_product, self.labour_product, approval="after"))
        )
        agreed.stage_id = self.env.ref("field_service_evidence.dispute_stage_proposal")
        agreed.action_accept_recommendation()
        # Resolved: the part upheld, half of the labour (102.84 with its tax) conceded and posted.
        resolved = self._open_dispute(self._invoice(self._job(self.capacitor_product, self.labour_product)))
        resolved.line_ids[1].conceded_amount = 51.42
        resolved.root_cause_id = self.root_cause
        self._log_call(resolved)
        post_agreed_concession(resolved)
        resolved.action_resolve()
        self.assertFalse(agreed.is_closed)
        self.assertTrue(resolved.is_closed)
        [agreed_values, resolved_values] = self.call_kw(
            self.dispute_user,
            "invoice.dispute",
            "web_read",
            [(agreed | resolved).ids],
            specification=specification,
        )
        self.assertTrue(all(line["conceded_amount"] for line in agreed_values["line_ids"]))
        self.assertEqual(
            [line["outcome"] for line in agreed_values["line_ids"]], [False] * len(agreed.line_ids)
        )
        self.assertEqual([line["outcome"] for line in resolved_values["line_ids"]], ["upheld", "reduced"])

        # Resolving decides; cancelling decides nothing.
        dispute = self._open_dispute(self._invoice(self._job(self.capacitor_product)))
        self._log_call(dispute)
        dispute.root_cause_id = self.root_cause
        self.call_kw(self.dispute_user, "invoice.dispute", "action_resolve", [dispute.ids])
        self.assertEqual(dispute.line_ids.outcome, "upheld")
        self.call_kw(self.dispute_manager, "invoice.dispute", "action_cancel", [dispute.ids])
        self.assertTrue(dispute.stage_id.is_cancel)
        self.assertFalse(dispute.line_ids.outcome)


@tagged("post_install", "-at_install")
class TestDisputeCallTour(DisputeCase, HttpCase):
    """The owner's phone call in the browser, on a disputed capacitor invoice as the demo has it."""

    browser_size = "1440x900"

    def test_owner_logs_the_call_beside_the_script_and_sends_the_pack(self):
        admin = self.env.ref("base.user_admin")
        self.customer.name = "Dana Whitfield"
        dispute = self._capacitor_job_as_in_the_demo(user_id=admin.id)
        dispute.stage_id = self.env.ref("field_service_evidence.dispute_stage_call")
        invoice = dispute.invoice_id
        call_type = self.call_type
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.dispute_ids, dispute, "one dispute on the invoice")
        self.assertEqual(dispute.user_id, admin)
        self.assertFalse(dispute.call_ids)
        self.assertEqual(dispute.activity_ids.activity_type_id, call_type)

        self.start_tour(
            f"/odoo/action-account.action_move_out_invoice_type/{invoice.id}",
            "fse_dispute_call_tour",
            login="admin",
            timeout=180,
        )

        self.assertRecordValues(dispute.call_ids, [{"user_id": admin.id, "outcome": "agreed"}])
        self.assertIn("She will pay the invoice", dispute.call_ids.notes)
        self.assertFalse(
            dispute.activity_ids.filtered(lambda activity: activity.activity_type_id == call_type)
        )
        [sent] = dispute.message_ids.filtered("attachment_ids")
        self.assertEqual(sent.partner_ids, dispute.partner_id)
        self.assertIn(dispute.name, sent.subject)
        [pack] = sent.attachment_ids
        self.assertTrue(pack.name.startswith(f"Dispute pack - {dispute.name.replace('/', '-')}."), pack.name)
        # the customer version: the call notes stay internal (in test mode the report is HTML)
        self.assertIn(dispute.invoice_id.name, pack.raw.decode())
        self.assertNotIn("She will pay the invoice", pack.raw.decode())
