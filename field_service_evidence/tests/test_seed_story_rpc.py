"""Issue 9, "API": the seed's story driven over XML-RPC, each step by the user who takes it. A
technician records three jobs, an accountant invoices and posts them, a dispute user handles two
disputes, the accountant and a dispute manager post their concessions. Every button answers an
external caller with True or an action, never None or records; the money at the end is worked out
by hand in the comments, under the company's default dispute policy."""

import xmlrpc.client

from odoo import Command
from odoo.tests import tagged

from .common import JUSTIFICATION, SIGNATURE_PNG, TECHNICIAN_GROUPS
from .test_concession_integrity import ConcessionRpcCase


@tagged("post_install", "-at_install")
class TestSeedStoryOverRpc(ConcessionRpcCase):
    """The people of ConcessionCase play their roles: ``clerk`` is the dispute user,
    ``bookkeeper`` the accountant (invoicing rights only, the company's concession limit of
    250.00), ``manager`` the dispute manager who keeps the books; a technician joins them.
    Prices and the 15% sales tax are the demo's: 185.00 + 15% = 212.75 for the capacitor."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.technician = cls._create_user("story_technician", TECHNICIAN_GROUPS, "Theo Technician")
        tax_15 = cls.tax_sale_a.copy({"name": "Sales tax 15%", "amount": 15.0})
        products = {
            "diagnostic": ("Diagnostic visit", 129.0),
            "capacitor": ("Run capacitor 5 uF 370V", 185.0),
            "hvac_labour": ("HVAC labour (hour)", 135.0),
            "coil_cleaning": ("Condenser coil cleaning", 480.0),
            "thermocouple": ("Water heater thermocouple 24 in.", 65.0),
        }
        cls.products = {
            key: cls._create_product(name=name, lst_price=price, taxes_id=[Command.set(tax_15.ids)])
            for key, (name, price) in products.items()
        }
        cls.dana = cls.env["res.partner"].create({"name": "Dana Whitfield"})
        cls.priya = cls.env["res.partner"].create({"name": "Priya Raman"})
        cls.project = cls.env["project.project"].create(
            {"name": "Field Service", "is_field_service": True, "company_id": cls.company.id}
        )

    def setUp(self):
        super().setUp()
        self.unanswered = []

    # Over XML-RPC ------------------------------------------------------------------

    def press(self, user, model, method, ids):
        """A button pressed over XML-RPC by ``user``. It must answer True or an action: any other
        answer is noted in ``self.unanswered``; None or records make XML-RPC fault, which fails
        the test here, naming the button."""
        try:
            result = self.rpc(user, model, method, ids)
        except xmlrpc.client.Fault as fault:
            if "cannot marshal" in fault.faultString:
                reason = fault.faultString.strip().splitlines()[-1]
                self.fail(f"{model}.{method} answered what XML-RPC cannot send ({reason})")
            raise
        if result is not True and not (isinstance(result, dict) and "type" in result):
            self.unanswered.append(f"{model}.{method} answered {result!r}")
        return result

    def _rpc_create(self, user, model, vals):
        return self.env[model].browse(self.rpc(user, model, "create", vals))

    # The technician on site -------------------------------------------------------------

    def _job(self, customer, name, complaint, diagnosis):
        return self._rpc_create(
            self.technician,
            "project.task",
            {
                "name": name,
                "project_id": self.project.id,
                "partner_id": customer.id,
                "service_complaint": complaint,
                "service_diagnosis": diagnosis,
            },
        )

    def _reading(self, job, reading_type, phase, measured):
        return self._rpc_create(
            self.technician,
            "service.reading",
            {
                "task_id": job.id,
                "type_id": self.env.ref(f"field_service_evidence.{reading_type}").id,
                "phase": phase,
                "measured_value": measured,
            },
        )

    def _items(self, job, items, readings):
        """Work items proposed on ``job``: (product key, type, justification, whether ``readings``
        justify it)."""
        ids = self.rpc(
            self.technician,
            "service.work.item",
            "create",
            [
                {
                    "task_id": job.id,
                    "product_id": self.products[product].id,
                    "item_type": item_type,
                    "justification": justification,
                    "reading_ids": [Command.set(readings.ids if justified else [])],
                }
                for product, item_type, justification, justified in items
            ],
        )
        return self.env["service.work.item"].browse(ids)

    def _approve(self, job, items, **vals):
        approval = self._rpc_create(
            self.technician,
            "service.approval",
            {"task_id": job.id, "work_item_ids": [Command.set(items.ids)], **vals},
        )
        self.press(self.technician, "service.approval", "action_approve", approval.ids)
        return approval

    def _job_by_the_book(self, job, reading, items, **approval):
        """The technician's visit when the customer authorises the work before it starts: the
        reading ``(type, before, after)`` taken before and after, ``items`` (as for ``_items``)
        proposed, approved, done. Returns the reading before and the items."""
        reading_type, before, after = reading
        measured = self._reading(job, reading_type, "before", before)
        items = self._items(job, items, measured)
        self._approve(job, items, **approval)
        self.press(self.technician, "project.task", "action_start_work", job.ids)
        self.press(self.technician, "service.work.item", "action_mark_done", items.ids)
        self._reading(job, reading_type, "after", after)
        self.press(self.technician, "project.task", "action_complete_work", job.ids)
        return measured, items

    # The office --------------------------------------------------------------------------

    def _invoice(self, jobs):
        """The accountant presses Create invoice on the jobs: one draft invoice for their customer."""
        action = self.press(self.bookkeeper, "project.task", "action_create_invoice", jobs.ids)
        self.assertEqual(action["res_model"], "account.move")
        return self.env["account.move"].browse(action["res_id"])

    def _line(self, invoice, item):
        return invoice.invoice_line_ids.filtered(lambda line: line.service_work_item_id == item)

    def _open_dispute(self, invoice, lines, **vals):
        """The dispute user presses Dispute on the invoice and keeps the lines the customer refuses."""
        action = self.press(self.clerk, "account.move", "action_open_dispute", invoice.ids)
        defaults = action["context"]
        offered = {command[2]["move_line_id"]: command for command in defaults["default_line_ids"]}
        self.assertEqual(sorted(offered), sorted(invoice.invoice_line_ids.ids), "every line is offered")
        return self._rpc_create(
            self.clerk,
            "invoice.dispute",
            {
                "invoice_id": defaults["default_invoice_id"],
                "line_ids": [offered[line.id] for line in lines],
                **vals,
            },
        )

    def _call_and_agree(self, dispute, notes):
        """The dispute user calls, reads the recommendation, accepts it and moves to Proposal."""
        self._rpc_create(
            self.clerk,
            "invoice.dispute.call",
            {"dispute_id": dispute.id, "duration": 12.0, "outcome": "agreed", "notes": notes},
        )
        (recommendation,) = self.rpc(
            self.clerk,
            "invoice.dispute",
            "read",
            dispute.ids,
            ["recommendation", "let_go", "chance_of_losing", "disputed_amount", "recommended_amount"],
        )
        lines = self.rpc(
            self.clerk,
            "invoice.dispute.line",
            "read",
            dispute.line_ids.ids,
            ["evidence_status", "recommended_concession", "walkthrough"],
        )
        self.press(self.clerk, "invoice.dispute", "action_accept_recommendation", dispute.ids)
        proposal = self.env.ref("field_service_evidence.dispute_stage_proposal")
        self.assertIs(
            self.rpc(self.clerk, "invoice.dispute", "write", dispute.ids, {"stage_id": proposal.id}), True
        )
        return recommendation, lines

    def _resolve(self, dispute, root_cause):
        root_cause = self.env.ref(f"field_service_evidence.{root_cause}")
        self.rpc(self.clerk, "invoice.dispute", "write", dispute.ids, {"root_cause_id": root_cause.id})
        self.press(self.clerk, "invoice.dispute", "action_resolve", dispute.ids)

    # The story ---------------------------------------------------------------------------

    def test_the_seed_story(self):
        # Job 1: the fan's run capacitor, authorised by signature before the work.
        capacitor_job = self._job(
            self.dana,
            "AC blowing warm air",
            "The air conditioner runs but blows warm air.",
            "The outdoor fan does not start: its run capacitor tests at 2.1 uF against its rated 5 uF.",
        )
        # 129.00 + 185.00 + 135.00 = 449.00, under the 500.00 the customer signed for
        low, (diagnostic, capacitor, hvac_labour) = self._job_by_the_book(
            capacitor_job,
            ("reading_type_run_capacitor", 2.1, 5.0),
            [
                ("diagnostic", "fee", "Trip to site and electrical tests of the outdoor unit.", False),
                ("capacitor", "part", JUSTIFICATION, True),
                ("hvac_labour", "labour", "Capacitor replaced and wired, system run-tested.", False),
            ],
            method="signature",
            signature=SIGNATURE_PNG.decode(),
            not_to_exceed=500.0,
            scope="Replace the outdoor fan run capacitor and test the system.",
        )
        (finding,) = self.rpc(self.technician, "service.reading", "read", low.ids, ["result", "finding"])
        self.assertEqual(finding["result"], "out_of_spec")
        # (5 - 2.1) / 5 = 58% below rating
        self.assertEqual(
            finding["finding"],
            "Run capacitor tested at 2.1 uF against a rated 5.0 uF: 58% below rating, outside the ±6% tolerance.",
        )

        # Job 2: the customer was out; the coil was cleaned on standing permission, and she
        # acknowledged it by phone only afterwards.
        coil_job = self._job(
            self.dana,
            "Condenser coil clogged",
            "Asked us to look at the outdoor unit while she was away.",
            "The condenser coil is clogged with cottonwood: the unit cannot shed heat.",
        )
        self.rpc(
            self.technician,
            "project.task",
            "write",
            coil_job.ids,
            {
                "start_without_approval_reason": "standing_permission",
                "start_without_approval_note": "Key in the lock box; she asked us to do what is needed.",
            },
        )
        self.press(self.technician, "project.task", "action_start_work", coil_job.ids)
        coil_cleaning = self._items(
            coil_job,
            [("coil_cleaning", "labour", "Coil washed; air flows through it again.", False)],
            self.env["service.reading"],
        )
        self.press(self.technician, "service.work.item", "action_mark_done", coil_cleaning.ids)
        self._approve(coil_job, coil_cleaning, kind="acknowledgment", method="phone")
        self.press(self.technician, "project.task", "action_complete_work", coil_job.ids)

        # Job 3: a thermocouple for another customer, authorised in person before the work.
        heater_job = self._job(
            self.priya,
            "No hot water, pilot keeps going out",
            "The pilot goes out every few hours.",
            "The thermocouple makes 6 mV: the gas valve shuts off the pilot.",
        )
        _weak, (heater_diagnostic, _thermocouple) = self._job_by_the_book(
            heater_job,
            ("reading_type_thermocouple_output", 6.0, 26.0),
            [
                ("diagnostic", "fee", "Trip to site and diagnosis of the pilot.", False),
                (
                    "thermocouple",
                    "part",
                    "The thermocouple makes 6 mV, below the 20 mV the valve needs.",
                    True,
                ),
            ],
            method="in_person",
        )

        # the service records: every piece of evidence on job 1; job 2 lacks the prior approval
        # (20) and readings before (20) and after (15): 100 - 55 = 45
        self.assertRecordValues(
            capacitor_job | coil_job | heater_job,
            [
                {"service_state": "completed", "evidence_score": 100, "started_without_approval": False},
                {"service_state": "completed", "evidence_score": 45, "started_without_approval": True},
                {"service_state": "completed", "evidence_score": 100, "started_without_approval": False},
            ],
        )

        # The office invoices both of Dana's jobs at once, Priya's job alone. Dana's invoice:
        # 129.00 + 185.00 + 135.00 + 480.00 = 929.00, tax 139.35, total 1,068.35.
        dana_invoice = self._invoice(capacitor_job | coil_job)
        self.assertEqual(dana_invoice.amount_total, 1068.35)
        # the coil cleaning was not approved before the work: the accountant confirms posting
        confirm = self.press(self.bookkeeper, "account.move", "action_post", dana_invoice.ids)
        self.assertEqual(confirm["res_model"], "service.invoice.posting")
        self.press(self.bookkeeper, "service.invoice.posting", "action_confirm", [confirm["res_id"]])
        # Priya's: 129.00 + 65.00 = 194.00, tax 29.10, total 223.10
        priya_invoice = self._invoice(heater_job)
        self.press(self.bookkeeper, "account.move", "action_post", priya_invoice.ids)
        self.assertRecordValues(
            dana_invoice | priya_invoice,
            [{"state": "posted", "amount_total": 1068.35}, {"state": "posted", "amount_total": 223.10}],
        )

        # Dana disputes the capacitor and the coil cleaning.
        capacitor_line = self._line(dana_invoice, capacitor)
        coil_line = self._line(dana_invoice, coil_cleaning)
        dispute = self._open_dispute(
            dana_invoice,
            capacitor_line | coil_line,
            reason_id=self.env.ref("field_service_evidence.dispute_reason_not_necessary").id,
            statement="The capacitor didn't need replacing, and I never asked for a coil cleaning.",
        )
        recommendation, lines = self._call_and_agree(
            dispute, "Read her the capacitor reading; offered half of the coil cleaning she never approved."
        )
        # disputed 212.75 + 552.00 = 764.75; chance of losing (10% × 212.75 + 50% × 552.00) / 764.75
        # = 297.275 / 764.75 = 38.9%; contesting (2 h × 75.00 = 150.00) costs less than it
        # recovers (764.75 - 297.275 = 467.475): concede half of the coil cleaning, 276.00
        self.assertEqual(
            recommendation,
            {
                "id": dispute.id,
                "recommendation": "partial",
                "let_go": False,
                "chance_of_losing": 38.9,
                "disputed_amount": 764.75,
                "recommended_amount": 276.0,
            },
        )
        capacitor_reading, coil_reading = lines
        self.assertEqual(capacitor_reading["evidence_status"], "approved_before_work")
        self.assertEqual(capacitor_reading["recommended_concession"], 0.0)
        self.assertIn(finding["finding"], capacitor_reading["walkthrough"])
        self.assertIn("before we started", capacitor_reading["walkthrough"])
        self.assertEqual(coil_reading["evidence_status"], "approved_after_work")
        self.assertEqual(coil_reading["recommended_concession"], 276.0)
        self.assertIn("after the work was done", coil_reading["walkthrough"])

        # The accountant's concession of 276.00 is above their limit of 250.00: a manager approves
        # it and, keeping the books, posts it.
        action = self.press(self.bookkeeper, "invoice.dispute", "action_new_concession", dispute.ids)
        self.assertEqual(action["context"], {"default_dispute_id": dispute.id})
        coil_dispute_line = dispute.line_ids.filtered(lambda line: line.move_line_id == coil_line)
        concession = self._rpc_concession(self.bookkeeper, dispute, [(coil_dispute_line, 276.0)])
        self.press(self.bookkeeper, "invoice.dispute.concession", "action_post", concession.ids)
        self.assertEqual(concession.state, "to_approve")
        self.press(self.manager, "invoice.dispute.concession", "action_approve", concession.ids)
        self._resolve(dispute, "root_cause_no_approval")

        # Priya disputes the diagnostic visit: 148.35, under the 150.00 threshold: let it go.
        visit_line = self._line(priya_invoice, heater_diagnostic)
        small_dispute = self._open_dispute(
            priya_invoice,
            visit_line,
            reason_id=self.env.ref("field_service_evidence.dispute_reason_billing").id,
            statement="I was told the visit is free when the repair goes ahead.",
        )
        recommendation, (visit_reading,) = self._call_and_agree(
            small_dispute, "Told her we take the visit off the invoice."
        )
        self.assertEqual(
            recommendation,
            {
                "id": small_dispute.id,
                "recommendation": "let_go",
                "let_go": True,
                "chance_of_losing": 10.0,
                "disputed_amount": 148.35,
                "recommended_amount": 148.35,
            },
        )
        self.assertEqual(visit_reading["recommended_concession"], 148.35)
        # within the accountant's limit: posted at once
        small_concession = self._rpc_concession(
            self.bookkeeper, small_dispute, [(small_dispute.line_ids, 148.35)]
        )
        self.press(self.bookkeeper, "invoice.dispute.concession", "action_post", small_concession.ids)
        self._resolve(small_dispute, "root_cause_price_not_explained")

        # The books: each credit note reverses its share of the tax (276.00 = 240.00 + 36.00;
        # 148.35 = 129.00 + 19.35) and is reconciled with its invoice.
        self.assertRecordValues(
            concession | small_concession,
            [
                {
                    "state": "posted",
                    "amount_total": 276.0,
                    "requested_by_id": self.bookkeeper.id,
                    "approved_by_id": self.manager.id,
                    "posted_by_id": self.manager.id,
                },
                {
                    "state": "posted",
                    "amount_total": 148.35,
                    "requested_by_id": False,
                    "approved_by_id": False,
                    "posted_by_id": self.bookkeeper.id,
                },
            ],
        )
        self.assertRecordValues(
            concession.move_id | small_concession.move_id,
            [
                {
                    "move_type": "out_refund",
                    "reversed_entry_id": dana_invoice.id,
                    "amount_untaxed": 240.0,
                    "amount_tax": 36.0,
                    "amount_total": 276.0,
                    "payment_state": "paid",
                },
                {
                    "move_type": "out_refund",
                    "reversed_entry_id": priya_invoice.id,
                    "amount_untaxed": 129.0,
                    "amount_tax": 19.35,
                    "amount_total": 148.35,
                    "payment_state": "paid",
                },
            ],
        )
        # 1,068.35 - 276.00 = 792.35; 223.10 - 148.35 = 74.75
        self.assertRecordValues(
            dana_invoice | priya_invoice,
            [
                {"amount_residual": 792.35, "payment_state": "partial", "dispute_state": "resolved"},
                {"amount_residual": 74.75, "payment_state": "partial", "dispute_state": "resolved"},
            ],
        )
        self.assertRecordValues(
            dispute | small_dispute,
            [
                {
                    "stage_id": self.env.ref("field_service_evidence.dispute_stage_resolved").id,
                    "resolution": "partial",
                    "recommendation": "partial",
                    "disputed_amount": 764.75,
                    "recommended_amount": 276.0,
                    "conceded_amount": 276.0,
                    "concession_state": "posted",
                },
                {
                    "stage_id": self.env.ref("field_service_evidence.dispute_stage_resolved").id,
                    "resolution": "write_off",
                    "recommendation": "let_go",
                    "disputed_amount": 148.35,
                    "recommended_amount": 148.35,
                    "conceded_amount": 148.35,
                    "concession_state": "posted",
                },
            ],
        )
        self.assertEqual(dispute.line_ids.mapped("outcome"), ["upheld", "reduced"])
        self.assertEqual(small_dispute.line_ids.outcome, "waived")

        self.assertEqual(self.unanswered, [], "every button answers the API with True or an action")
