import re
from datetime import timedelta

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import html2plaintext
from odoo.tools.misc import formatLang

from .common import JUSTIFICATION, SIGNATURE_PNG, FieldServiceCase
from .invoice_fixtures import post_agreed_concession

DISPUTE_USER_GROUPS = "base.group_user,field_service_evidence.group_dispute_user"
ACCOUNTANT_GROUPS = "base.group_user,account.group_account_invoice"
CALL_SUMMARY = "Call the customer: walk through the invoice"


class DisputeCase(FieldServiceCase):
    """Customer invoices of jobs with a sales tax, and the people who handle their disputes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 185.00 + tax = 200.26; 95.00 + tax = 102.84; 1,200.00 + tax = 1,299.00
        cls._setup_sales_tax()
        cls.compressor_product = cls.env["product.product"].create(
            {
                "name": "Scroll compressor 3 ton",
                "type": "consu",
                "lst_price": 1200.0,
                "taxes_id": [Command.set(cls.tax.ids)],
            }
        )
        cls.dispute_user = cls._create_user("fse_dispute_user", DISPUTE_USER_GROUPS, "Uma Dispute-User")
        cls.dispute_manager = cls.manager
        cls.accountant = cls._create_user("fse_accountant", ACCOUNTANT_GROUPS, "Abe Accountant")
        cls.stage_new = cls.env.ref("field_service_evidence.dispute_stage_new")
        cls.stage_review = cls.env.ref("field_service_evidence.dispute_stage_review")
        cls.stage_resolved = cls.env.ref("field_service_evidence.dispute_stage_resolved")
        cls.stage_cancelled = cls.env.ref("field_service_evidence.dispute_stage_cancelled")
        cls.root_cause = cls.env.ref("field_service_evidence.root_cause_communication")
        cls.call_type = cls.env.ref("mail.mail_activity_data_call")

    # Fixtures -----------------------------------------------------------------

    def _job(self, *products, approval="before"):
        """A job with one done work item per product, approved ``before`` the work,
        only ``after`` it, or ``none`` at all."""
        task = self._create_task(start_without_approval_reason=approval != "before" and "emergency")
        items = self.env["service.work.item"].concat(
            *(self._create_item(task, product_id=product.id) for product in products)
        )
        if approval == "before":
            self._create_approval(task, items).action_approve()
            task.action_start_work()
            items.action_mark_done()
            return task
        with freeze_time(self.ago(hours=2)):
            task.action_start_work()
            items.action_mark_done()
        if approval == "after":
            self._create_approval(task, items).action_approve()
        return task

    def _invoice(self, task):
        invoice = self._press_create_invoice(task)
        # the posting policy warns about unapproved lines: confirm, as the accountant would
        invoice.with_context(service_unapproved_confirmed=True).action_post()
        self.assertEqual(invoice.state, "posted")
        return invoice

    def _lines(self, invoice):
        return invoice.invoice_line_ids.filtered(lambda line: line.display_type == "product")

    def _open_dispute(self, invoice, lines=None, user=None, amounts=(), **vals):
        """A dispute saved from the form that “Dispute” on the invoice opens, by ``user``
        (the dispute user); ``amounts`` are the disputed amounts of its lines, in order."""
        user = user or self.dispute_user
        action = invoice.with_user(user).action_open_dispute(lines=lines)
        Dispute = self.env["invoice.dispute"].with_user(user)
        dispute = Dispute.with_context(**action["context"]).create(vals).with_env(Dispute.env)
        for line, amount in zip(dispute.line_ids, amounts, strict=False):
            line.disputed_amount = amount
        return dispute

    def _capacitor_job_as_in_the_demo(self, **dispute_vals):
        """The demo's capacitor job: a diagnostic visit and the capacitor (15% tax: 185.00 +
        27.75 = 212.75), the capacitor justified by two readings before the work, all approved
        by signature before it, measured again after it; invoiced, posted, and its capacitor
        line disputed."""
        tax = self.env["account.tax"].create(
            {"name": "Sales tax 15%", "amount": 15.0, "type_tax_use": "sale"}
        )
        Product = self.env["product.product"]
        visit = Product.create({"name": "Diagnostic visit", "type": "service", "lst_price": 129.0})
        capacitor = Product.create(
            {
                "name": "Run capacitor 5 uF 370V",
                "default_code": "CAP-R-5-370",
                "type": "consu",
                "lst_price": 185.0,
            }
        )
        (visit | capacitor).taxes_id = tax
        task = self._create_task(name="AC blowing warm air")
        readings = self._create_reading(
            task, self.type_capacitor, 2.1, phase="before", component="Condenser fan run capacitor"
        ) | self._create_reading(task, self.type_amps, 2.6, phase="before", component="Condenser fan motor")
        items = self._create_item(task, product_id=visit.id, sequence=10) | self._create_item(
            task,
            product_id=capacitor.id,
            # named with its code, as Odoo names an invoice line of a product that has one
            name="[CAP-R-5-370] Run capacitor 5 uF 370V",
            sequence=20,
            reading_ids=[Command.set(readings.ids)],
            justification="The outdoor fan's capacitor tested at 2.1 uF against its rated 5 uF, 58% low. "
            "Without it the fan cannot start, so the system cannot release heat and the compressor keeps "
            "shutting off. A new capacitor of the same rating restores the fan.",
        )
        self._create_approval(task, items, method="signature", signature=SIGNATURE_PNG).action_approve()
        task.action_start_work()
        items.action_mark_done()
        self._create_reading(
            task, self.type_capacitor, 5.0, phase="after", component="Condenser fan run capacitor (new)"
        )
        task.action_complete_work()
        invoice = self._invoice(task)
        part_line = self._lines(invoice).filtered(lambda line: line.product_id == capacitor)
        return self._open_dispute(invoice, lines=part_line, **dispute_vals)

    def _resolved_dispute(self):
        """A job approved by phone before the work, measured before it and not after; the
        customer disputes two of its three lines, the call settles half of the labour."""
        task = self._create_task(
            name="No cooling, condenser fan hums",
            service_complaint="The air conditioner blows warm air.",
            service_diagnosis="The condenser fan run capacitor has failed: the fan hums but does not start.",
        )
        reading = self._create_reading(
            task, self.type_capacitor, 2.1, phase="before", component="Fan capacitor"
        )
        items = (
            self._create_item(task, reading_ids=[Command.set(reading.ids)])
            | self._create_item(task, product_id=self.labour_product.id)
            | self._create_item(task, product_id=self.compressor_product.id)
        )
        self._create_approval(task, items, method="phone", approver_name="Martha Customer").action_approve()
        task.action_start_work()
        items.action_mark_done()
        task.action_complete_work()
        invoice = self._invoice(task)
        dispute = self._open_dispute(
            invoice,
            lines=self._lines(invoice)[:2],
            statement="The air was still warm the next morning. I paid for a repair that fixed nothing.",
        )
        dispute.line_ids[1].conceded_amount = 51.42  # half of the labour, 102.84 with its tax
        self._log_call(dispute, notes="The thermostat dial was left on heat: the repair had worked.")
        dispute.write(
            {
                "root_cause_id": self.env.ref("field_service_evidence.root_cause_quality").id,
                "resolution_note": "Half of the labour conceded. Technicians: measure the outlet temperature "
                "before leaving.",
            }
        )
        post_agreed_concession(dispute)
        dispute.action_resolve()
        self.assertEqual(dispute.resolution, "partial")
        return dispute

    def _log_call(self, dispute, notes="Walked the customer through the invoice, line by line."):
        return (
            self.env["invoice.dispute.call"]
            .with_user(dispute.env.user)
            .create({"dispute_id": dispute.id, "duration": 12.0, "outcome": "agreed", "notes": notes})
        )

    def _money(self, amount, currency=None):
        return formatLang(self.env, amount, currency_obj=currency or self.company.currency_id)


@tagged("post_install", "-at_install")
class TestDisputeRecommendation(DisputeCase):
    def test_approved_before_work_is_defended(self):
        dispute = self._open_dispute(self._invoice(self._job(self.capacitor_product)))
        line = dispute.line_ids
        self.assertEqual(line.evidence_status, "approved_before_work")
        self.assertEqual(line.disputed_amount, 200.26)
        self.assertEqual(line.recommended_concession, 0.0)
        self.assertIn("defend it", line.recommendation_reason)
        self.assertEqual(dispute.disputed_amount, 200.26)
        self.assertEqual(dispute.recommended_amount, 0.0)
        self.assertEqual(dispute.chance_of_losing, 10.0)
        self.assertFalse(dispute.let_go)
        self.assertEqual(dispute.recommendation, "defend")
        self.assertIn("approved by the customer before the work started", dispute.recommendation_reason)
        self.assertEqual(dispute.unapproved_line_count, 0)

    def test_approved_only_after_work_concedes_the_share(self):
        dispute = self._open_dispute(self._invoice(self._job(self.compressor_product, approval="after")))
        line = dispute.line_ids
        self.assertEqual(line.evidence_status, "approved_after_work")
        self.assertEqual(line.disputed_amount, 1299.0)
        self.assertEqual(line.recommended_concession, 649.5)
        self.assertEqual(line.recommendation_reason, "Approved only after the work: concede 50.0% of it.")
        self.assertEqual(dispute.recommended_amount, 649.5)
        self.assertEqual(dispute.chance_of_losing, 50.0)
        self.assertFalse(dispute.let_go)
        self.assertEqual(dispute.recommendation, "partial")
        self.assertIn("1 of 1 lines lack an approval", dispute.recommendation_reason)

    def test_not_approved_concedes_the_share(self):
        dispute = self._open_dispute(self._invoice(self._job(self.compressor_product, approval="none")))
        line = dispute.line_ids
        self.assertEqual(line.evidence_status, "not_approved")
        self.assertEqual(line.recommended_concession, 649.5)
        self.assertEqual(line.recommendation_reason, "No approval on record: concede 50.0% of it.")
        self.assertEqual(dispute.chance_of_losing, 80.0)
        self.assertEqual(dispute.recommendation, "partial")
        self.assertEqual(dispute.unapproved_line_count, 1)

    def test_the_share_follows_the_policy_and_the_disputed_amount(self):
        self.company.dispute_unapproved_share = 25.0
        invoice = self._invoice(self._job(self.compressor_product, approval="none"))
        dispute = self._open_dispute(invoice, amounts=[1000.0])
        self.assertEqual(dispute.line_ids.recommended_concession, 250.0)
        self.assertEqual(dispute.recommended_amount, 250.0)

    def test_mixed_evidence_defends_the_approved_line(self):
        task = self._job(self.capacitor_product)
        extra = self._create_item(task, product_id=self.labour_product.id)  # added on site, never approved
        extra.action_mark_done()
        dispute = self._open_dispute(self._invoice(task))
        approved, unapproved = dispute.line_ids
        self.assertEqual(approved.evidence_status, "approved_before_work")
        self.assertEqual(unapproved.evidence_status, "not_approved")
        self.assertEqual(approved.recommended_concession, 0.0)
        self.assertEqual(unapproved.recommended_concession, 51.42)
        self.assertEqual(dispute.disputed_amount, 303.1)
        self.assertEqual(dispute.recommended_amount, 51.42)
        # (10% × 200.26 + 80% × 102.84) / 303.10
        self.assertEqual(dispute.chance_of_losing, 33.8)
        self.assertEqual(dispute.recommendation, "partial")
        self.assertIn("1 of 2 lines", dispute.recommendation_reason)

    def test_stale_approval_concedes_the_excess_with_tax(self):
        task = self._create_task()
        item = self._create_item(task, product_id=self.compressor_product.id)
        approval = self._create_approval(task, item, not_to_exceed=1250.0)
        approval.action_approve()
        task.action_start_work()
        item.price_unit = 1400.0  # the price rose after the customer approved 1,200.00 (at most 1,250.00)
        item.action_mark_done()
        self.assertTrue(item.approval_stale)
        dispute = self._open_dispute(self._invoice(task))
        line = dispute.line_ids
        self.assertEqual(line.evidence_status, "approved_before_work")
        self.assertTrue(line.approval_stale)
        self.assertEqual(line.disputed_amount, 1515.5)
        # 150.00 billed beyond the 1,250.00 not-to-exceed amount, with its 8.25% tax
        self.assertEqual(line.recommended_concession, 162.38)
        self.assertIn("beyond what the customer approved", line.recommendation_reason)
        self.assertEqual(dispute.recommended_amount, 162.38)
        self.assertEqual(dispute.recommendation, "partial")
        self.assertFalse(dispute.let_go)

    def test_under_the_threshold_let_it_go(self):
        task = self._job(self.capacitor_product, self.labour_product)
        dispute = self._open_dispute(self._invoice(task), amounts=[60.0, 50.0])
        self.assertEqual(dispute.disputed_amount, 110.0)
        self.assertTrue(dispute.let_go)
        self.assertEqual(dispute.recommendation, "let_go")
        self.assertEqual(dispute.line_ids.mapped("recommended_concession"), [60.0, 50.0])
        self.assertEqual(dispute.recommended_amount, 110.0)
        self.assertIn("threshold", dispute.recommendation_reason)
        self.assertIn(self._money(150.0), dispute.recommendation_reason)
        self.assertIn(self._money(110.0), dispute.recommendation_reason)
        # Disputing the whole of both lines (303.10) is over the threshold: defended again.
        dispute.line_ids[0].disputed_amount = 200.26
        dispute.line_ids[1].disputed_amount = 102.84
        self.assertFalse(dispute.let_go)
        self.assertEqual(dispute.recommendation, "defend")
        self.assertEqual(dispute.line_ids.mapped("recommended_concession"), [0.0, 0.0])

    def test_contesting_costs_more_than_it_recovers(self):
        self.company.dispute_hourly_cost = 500.0
        dispute = self._open_dispute(self._invoice(self._job(self.capacitor_product)))
        # 2 h × 500.00 = 1,000.00 of time to recover 90% of 200.26 = 180.23
        self.assertTrue(dispute.let_go)
        self.assertEqual(dispute.recommendation, "let_go")
        self.assertEqual(dispute.line_ids.recommended_concession, 200.26)
        self.assertEqual(dispute.recommended_amount, 200.26)
        self.assertIn(f"costs about {self._money(1000.0)} of time", dispute.recommendation_reason)
        self.assertIn(self._money(180.23), dispute.recommendation_reason)

    def test_amounts_in_the_invoice_currency_policy_in_the_company_currency(self):
        eur = self.env.ref("base.EUR")
        eur.active = True
        self.assertNotEqual(self.company.currency_id, eur)
        self.env["res.currency.rate"].search([("currency_id", "=", eur.id)]).unlink()
        self.env["res.currency.rate"].create(
            {"currency_id": eur.id, "rate": 2.0, "name": "2000-01-01", "company_id": self.company.id}
        )
        task = self._job(self.capacitor_product)
        invoice = self.env["account.move"].create(
            {
                **task._prepare_invoice_vals(self.customer, task.work_item_ids),
                "currency_id": eur.id,
            }
        )
        invoice.action_post()
        dispute = self._open_dispute(invoice)
        self.assertEqual(dispute.currency_id, eur)
        self.assertEqual(dispute.line_ids.disputed_amount, 200.26)
        self.assertEqual(dispute.disputed_amount, 200.26)
        self.assertEqual(dispute.disputed_amount_company, 100.13)
        # 200.26 EUR is 100.13 in the company's currency: under its 150.00 threshold
        self.assertTrue(dispute.let_go)
        self.assertIn(self._money(100.13), dispute.recommendation_reason)
        self.assertEqual(dispute.line_ids.recommended_concession, 200.26)
        dispute.action_accept_recommendation()
        self.assertEqual(dispute.conceded_amount, 200.26)
        self.assertEqual(dispute.conceded_amount_company, 100.13)

    def test_accept_the_recommendation_then_agree_per_line(self):
        task = self._job(self.capacitor_product)
        extra = self._create_item(task, product_id=self.labour_product.id)
        extra.action_mark_done()
        dispute = self._open_dispute(self._invoice(task))
        approved, unapproved = dispute.line_ids
        self.assertEqual(dispute.line_ids.mapped("conceded_amount"), [0.0, 0.0])
        dispute.action_accept_recommendation()
        self.assertEqual(approved.conceded_amount, 0.0)
        self.assertEqual(unapproved.conceded_amount, 51.42)
        self.assertEqual(dispute.conceded_amount, 51.42)
        note = dispute.message_ids.filtered(lambda message: "Recommendation accepted" in message.body)
        self.assertEqual(len(note), 1)
        self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))
        self.assertIn(self._money(51.42), html2plaintext(note.body))
        # nothing is decided while the dispute is open: no outcome yet
        self.assertEqual(dispute.line_ids.mapped("outcome"), [False, False])
        # On the call the owner agrees to waive the labour and to take 20.00 off the part.
        unapproved.conceded_amount = 102.84
        approved.conceded_amount = 20.0
        self.assertEqual(dispute.line_ids.mapped("outcome"), [False, False])
        self.assertEqual(dispute.conceded_amount, 122.84)
        self.assertEqual(dispute.recommended_amount, 51.42)


@tagged("post_install", "-at_install")
class TestDisputeCall(DisputeCase):
    def test_a_new_dispute_asks_for_a_call_today(self):
        dispute = self._open_dispute(self._invoice(self._job(self.capacitor_product)))
        activity = dispute.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.activity_type_id, self.call_type)
        self.assertEqual(activity.user_id, self.dispute_user)
        self.assertEqual(dispute.user_id, self.dispute_user)
        self.assertEqual(activity.date_deadline, fields.Date.context_today(activity))
        self.assertEqual(activity.summary, CALL_SUMMARY)

    def test_the_call_goes_to_the_owner(self):
        invoice = self._invoice(self._job(self.capacitor_product))
        dispute = self._open_dispute(invoice, user_id=self.dispute_manager.id)
        self.assertEqual(dispute.activity_ids.user_id, self.dispute_manager)

    def test_logging_the_call_marks_it_done(self):
        dispute = self._open_dispute(self._invoice(self._job(self.capacitor_product)))
        call = self._log_call(dispute, notes="She agreed once she heard the capacitor readings.")
        self.assertEqual(call.user_id, self.dispute_user)
        self.assertEqual(dispute.call_ids, call)
        self.assertEqual(dispute.call_count, 1)
        self.assertFalse(dispute.activity_ids)
        done = dispute.message_ids.filtered(lambda message: message.mail_activity_type_id == self.call_type)
        self.assertEqual(len(done), 1)
        self.assertIn("She agreed once she heard the capacitor readings.", done.body)
        self.assertIn(CALL_SUMMARY, done.body)
        # A second call has no activity left to close, and is simply logged.
        self._log_call(dispute, notes="Called back to confirm.")
        self.assertEqual(dispute.call_count, 2)

    def test_a_call_cannot_be_logged_in_the_future(self):
        dispute = self._open_dispute(self._invoice(self._job(self.capacitor_product)))
        with self.assertRefused(ValidationError, "cannot be logged in the future"):
            self.env["invoice.dispute.call"].with_user(self.dispute_user).create(
                {"dispute_id": dispute.id, "call_date": fields.Datetime.now() + timedelta(hours=1)}
            )
        self.assertFalse(dispute.call_ids)
        self.assertEqual(len(dispute.activity_ids), 1)


@tagged("post_install", "-at_install")
class TestDisputeWalkthrough(DisputeCase):
    def test_walkthrough_of_the_capacitor_line(self):
        # The capacitor line of the demo's capacitor job: 2.1 uF measured against a rated 5 uF,
        # and the technician's justification says it again.
        dispute = self._capacitor_job_as_in_the_demo()
        line = dispute.line_ids
        invoice_line = line.move_line_id
        self.assertEqual(invoice_line.price_subtotal, 185.0)
        self.assertTrue(invoice_line.name.startswith("[CAP-R-5-370] "), "the invoice line carries the code")
        text = line.with_user(self.dispute_user).walkthrough
        heading, *bullets = text.splitlines()
        # the part's name and the money as Odoo formats it, with a plain space
        money = self._money(invoice_line.price_total, invoice_line.currency_id).replace(
            "\N{NO-BREAK SPACE}", " "
        )
        self.assertEqual(money, "$ 212.75")
        self.assertEqual(heading, "Line 2: Run capacitor 5 uF 370V, $ 212.75")
        self.assertNotIn("\N{NO-BREAK SPACE}", text)
        self.assertNotIn("[CAP-R-5-370]", text)
        # short bullets, one a line: a bullet per reading, why it was needed, the approval
        self.assertEqual(len(bullets), 4, text)
        self.assertIn("Condenser fan motor measured 2.6 A, at or below the maximum of 10.0 A.", bullets[1])
        for bullet in bullets:
            self.assertTrue(bullet.startswith("• "), bullet)
        # each reading once: 2.1 and the rated 5 are cited once each, in the reading's bullet
        [reading_bullet] = [bullet for bullet in bullets if "2.1" in bullet]
        self.assertIn("Condenser fan run capacitor tested at 2.1 uF against a rated 5.0 uF", reading_bullet)
        self.assertEqual(text.count("2.1"), 1, text)
        self.assertEqual(len(re.findall(r"rated 5(\.0)? uF", text)), 1, text)
        # the justification keeps what the readings do not say
        why = [bullet for bullet in bullets if bullet.startswith("• Why it was needed: ")]
        self.assertEqual(
            why,
            [
                "• Why it was needed: Without it the fan cannot start, so the system cannot "
                "release heat and the compressor keeps shutting off. A new capacitor of the "
                "same rating restores the fan."
            ],
        )
        self.assertTrue(bullets[-1].startswith("• You approved this by signature at "), bullets[-1])
        self.assertTrue(bullets[-1].endswith(", before we started."), bullets[-1])

    def test_walkthrough_without_approval(self):
        dispute = self._open_dispute(self._invoice(self._job(self.labour_product, approval="none")))
        text = dispute.line_ids.walkthrough
        money = self._money(102.84).replace("\N{NO-BREAK SPACE}", " ")
        self.assertEqual(
            text.splitlines(),
            [
                f"Line 1: Labour (hour), {money}",
                f"• Why it was needed: {JUSTIFICATION}",
                "• We have no record of your approval before this work.",
            ],
        )

    def test_walkthrough_after_work_approval(self):
        dispute = self._open_dispute(self._invoice(self._job(self.labour_product, approval="after")))
        text = dispute.line_ids.walkthrough
        self.assertIn("\n• You approved this in person at", text)
        self.assertIn("after the work was done", text)

    def test_walkthrough_keeps_of_the_justification_what_the_readings_do_not_say(self):
        # “The run capacitor tested at 2.1 uF, far below its 5 uF rating: the fan cannot start.”
        # Its first clause only repeats the reading: the bullets say it once.
        task = self._documented_job(complete=False)
        task.work_item_ids.reading_ids = task.reading_ids
        task.action_complete_work()
        dispute = self._open_dispute(self._invoice(task))
        text = dispute.line_ids.walkthrough
        self.assertIn("\n• Measured on ", text)
        self.assertIn(": Condenser fan run capacitor tested at 2.1 uF against a rated 5.0 uF", text)
        self.assertIn("\n• After the work: Condenser fan run capacitor tested at 5.0 uF", text)
        self.assertIn("\n• Why it was needed: The fan cannot start.\n", text)
        self.assertNotIn(JUSTIFICATION, text)
        self.assertEqual(text.count("2.1"), 1, text)


@tagged("post_install", "-at_install")
class TestDisputeStages(DisputeCase):
    def test_new_disputes_are_numbered_and_open(self):
        invoice = self._invoice(self._job(self.capacitor_product, self.labour_product))
        first_line, second_line = self._lines(invoice)
        first = self._open_dispute(invoice, lines=first_line)
        second = self._open_dispute(invoice, lines=second_line)
        year = fields.Date.today().year
        self.assertRegex(first.name, rf"^DSP/{year}/\d{{4}}$")
        self.assertRegex(second.name, rf"^DSP/{year}/\d{{4}}$")
        self.assertEqual(int(second.name[-4:]), int(first.name[-4:]) + 1)
        self.assertEqual(first.stage_id, self.stage_new)
        self.assertFalse(first.is_closed)
        self.assertEqual(first.partner_id, self.customer)
        self.assertEqual(first.company_id, self.company)
        self.assertEqual(invoice.dispute_ids, first | second)
        self.assertEqual(invoice.dispute_count, 2)
        self.assertEqual(invoice.dispute_state, "disputed")

    def test_open_dispute_action_carries_the_invoice_and_its_lines(self):
        invoice = self._invoice(self._job(self.capacitor_product, self.labour_product))
        action = invoice.action_open_dispute()
        self.assertEqual(action["res_model"], "invoice.dispute")
        self.assertEqual(action["context"]["default_invoice_id"], invoice.id)
        self.assertEqual(
            action["context"]["default_line_ids"],
            [Command.create({"move_line_id": line.id}) for line in self._lines(invoice)],
        )
        line = self._lines(invoice)[1]
        action = line.action_dispute_line()
        self.assertEqual(action["context"]["default_line_ids"], [Command.create({"move_line_id": line.id})])

    def test_resolving_needs_a_root_cause_and_a_call(self):
        invoice = self._invoice(self._job(self.compressor_product, approval="none"))
        dispute = self._open_dispute(invoice)
        dispute.stage_id = self.stage_review
        with self.assertRefused(UserError, "record the root cause before closing"):
            dispute.action_resolve()
        with self.assertRefused(UserError, "record the root cause before closing"):
            dispute.stage_id = self.stage_resolved  # dragged in the kanban
        self._assert_still_open(dispute)
        dispute.root_cause_id = self.root_cause
        with self.assertRefused(UserError, "log the call with the customer, or say why there was none"):
            dispute.action_resolve()
        self._assert_still_open(dispute)
        dispute.no_call_reason = "The customer only answers by e-mail."
        dispute.action_resolve()
        self.assertEqual(dispute.stage_id, self.stage_resolved)
        self.assertTrue(dispute.is_closed)
        self.assertTrue(dispute.resolved_date)
        self.assertEqual(dispute.resolution, "upheld")
        self.assertEqual(invoice.dispute_state, "resolved")

    def _assert_still_open(self, dispute):
        self.assertEqual(dispute.stage_id, self.stage_review)
        self.assertFalse(dispute.is_closed)
        self.assertFalse(dispute.resolved_date)
        self.assertFalse(dispute.resolution)
        self.assertEqual(dispute.invoice_id.dispute_state, "disputed")

    def test_resolution_follows_the_concessions(self):
        task = self._job(self.compressor_product, self.compressor_product, self.compressor_product)
        invoice = self._invoice(task)
        disputes = [self._open_dispute(invoice, lines=line) for line in self._lines(invoice)]
        upheld, partial, write_off = disputes
        partial.line_ids.conceded_amount = 300.0
        write_off.line_ids.conceded_amount = write_off.line_ids.disputed_amount
        for dispute in disputes:
            dispute.root_cause_id = self.root_cause
            self._log_call(dispute)
        self.assertEqual(invoice.dispute_state, "disputed")
        # the agreed concessions are posted before the disputes close
        post_agreed_concession(partial)
        post_agreed_concession(write_off)
        upheld.action_resolve()
        partial.action_resolve()
        self.assertEqual(invoice.dispute_state, "disputed")
        write_off.action_resolve()
        self.assertEqual(upheld.resolution, "upheld")
        self.assertEqual(partial.resolution, "partial")
        self.assertEqual(write_off.resolution, "write_off")
        self.assertEqual(invoice.dispute_state, "resolved")

    def test_a_chosen_resolution_is_kept(self):
        dispute = self._open_dispute(self._invoice(self._job(self.capacitor_product)))
        dispute.write(
            {
                "root_cause_id": self.root_cause.id,
                "no_call_reason": "Withdrawn by e-mail.",
                "resolution": "withdrawn",
            }
        )
        dispute.action_resolve()
        self.assertEqual(dispute.resolution, "withdrawn")

    def test_only_a_manager_reopens_a_resolved_dispute(self):
        invoice = self._invoice(self._job(self.capacitor_product))
        dispute = self._open_dispute(invoice)
        dispute.root_cause_id = self.root_cause
        self._log_call(dispute)
        dispute.action_resolve()
        resolved_date = dispute.resolved_date
        with self.assertRefused(UserError, "is resolved: only a dispute manager can move it back"):
            dispute.stage_id = self.stage_review
        self.assertEqual(dispute.stage_id, self.stage_resolved)
        self.assertEqual(dispute.resolved_date, resolved_date)
        self.assertEqual(invoice.dispute_state, "resolved")
        dispute.with_user(self.dispute_manager).stage_id = self.stage_review
        self.assertEqual(dispute.stage_id, self.stage_review)
        self.assertFalse(dispute.is_closed)
        self.assertFalse(dispute.resolved_date)
        self.assertEqual(invoice.dispute_state, "disputed")

    def test_a_cancelled_dispute_frees_its_lines(self):
        invoice = self._invoice(self._job(self.capacitor_product))
        line = self._lines(invoice)
        first = self._open_dispute(invoice)
        first.stage_id = self.stage_cancelled  # no root cause nor call needed to drop it
        self.assertTrue(first.is_closed)
        self.assertFalse(invoice.dispute_state)
        second = self._open_dispute(invoice)
        self.assertEqual(second.line_ids.move_line_id, line)
        self.assertEqual(invoice.dispute_state, "disputed")
        # the cancelled one cannot come back while its line is disputed again
        with self.assertRefused(ValidationError, "already disputed"):
            self.env["invoice.dispute.line"].create({"dispute_id": first.id, "move_line_id": line.id})

    def test_a_refused_dispute_uses_up_no_number(self):
        """An auditor reads the numbers as a gapless list: a dispute refused (its line is
        already disputed; an amount above the line's total) leaves no hole."""
        invoice = self._invoice(self._job(self.capacitor_product, self.labour_product))
        first_line, second_line = self._lines(invoice)
        first = self._open_dispute(invoice, lines=first_line)
        with self.assertRefused(ValidationError, "a line is disputed once"):
            self._open_dispute(invoice, lines=first_line)
        vals = invoice._prepare_dispute_vals(second_line)
        vals["line_ids"][0][2]["disputed_amount"] = 10_000.0
        with self.assertRefused(ValidationError, "more than the line's total"):
            self.env["invoice.dispute"].with_user(self.dispute_user).create(vals)
        second = self._open_dispute(invoice, lines=second_line)
        self.assertEqual(int(second.name[-4:]), int(first.name[-4:]) + 1)


@tagged("post_install", "-at_install")
class TestDisputeAccess(DisputeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager_b = new_test_user(
            cls.env,
            "fse_dispute_manager_b",
            groups=f"{ACCOUNTANT_GROUPS},field_service_evidence.group_dispute_manager",
            name="Bea Company-B",
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
        )

    def setUp(self):
        super().setUp()
        self.invoice = self._invoice(self._job(self.capacitor_product))

    def test_dispute_user_reads_the_invoice_but_cannot_change_it(self):
        invoice = self.invoice.with_user(self.dispute_user)
        self.env.invalidate_all()
        self.assertEqual(invoice.amount_total, 200.26)
        self.assertEqual(self._lines(invoice).service_approval_status, "approved_before_work")
        with self.assertRefused(AccessError, r"not allowed to modify 'Journal Entry'"):
            invoice.write({"ref": "Changed by the dispute desk"})
        self.assertFalse(self.invoice.ref)

    def test_technician_cannot_open_a_dispute(self):
        with self.assertRefused(AccessError, r"not allowed to create 'Invoice dispute'"):
            self.env["invoice.dispute"].with_user(self.technician).create(
                {
                    "invoice_id": self.invoice.id,
                    "line_ids": [Command.create({"move_line_id": self._lines(self.invoice).id})],
                }
            )
        self.assertFalse(self.env["invoice.dispute"].search([("invoice_id", "=", self.invoice.id)]))

    def test_dispute_user_handles_but_cannot_delete_disputes(self):
        dispute = self._open_dispute(self.invoice, statement="The capacitor was fine, the unit is old.")
        dispute.write(
            {"priority": "1", "reason_id": self.env.ref("field_service_evidence.dispute_reason_price").id}
        )
        self.assertEqual(dispute.priority, "1")
        with self.assertRefused(AccessError, r"not allowed to delete 'Invoice dispute'"):
            dispute.unlink()
        self.assertTrue(dispute.exists())
        dispute.with_user(self.dispute_manager).unlink()
        self.assertFalse(dispute.exists())

    def test_accountant_reads_disputes(self):
        dispute = self._open_dispute(self.invoice)
        as_accountant = dispute.with_user(self.accountant)
        values = as_accountant.read(["name", "disputed_amount", "recommendation"])[0]
        self.assertEqual(values["disputed_amount"], 200.26)
        self.assertEqual(values["recommendation"], "defend")
        self.assertEqual(as_accountant.line_ids.disputed_amount, 200.26)
        with self.assertRefused(AccessError, r"not allowed to modify 'Invoice dispute'"):
            as_accountant.write({"statement": "Changed by accounting"})
        self.assertFalse(dispute.statement)

    def test_another_company_cannot_read_the_dispute(self):
        dispute = self._open_dispute(self.invoice)
        Dispute = self.env["invoice.dispute"].with_user(self.manager_b)
        self.assertFalse(Dispute.search([("id", "=", dispute.id)]))
        with self.assertRefused(AccessError, "top-secret records"):
            dispute.with_user(self.manager_b).read(["name"])
        self.assertFalse(
            self.env["invoice.dispute.line"]
            .with_user(self.manager_b)
            .search([("dispute_id", "=", dispute.id)])
        )


@tagged("post_install", "-at_install")
class TestDisputeBadInput(DisputeCase):
    def setUp(self):
        super().setUp()
        self.count = self.env["invoice.dispute"].search_count([])

    def _assert_nothing_written(self):
        self.assertEqual(self.env["invoice.dispute"].search_count([]), self.count)

    def _create(self, invoice, lines, **line_vals):
        return (
            self.env["invoice.dispute"]
            .with_user(self.dispute_user)
            .create(
                {
                    "invoice_id": invoice.id,
                    "line_ids": [Command.create({"move_line_id": line.id, **line_vals}) for line in lines],
                }
            )
        )

    def test_draft_invoice(self):
        invoice = self._press_create_invoice(self._job(self.capacitor_product))
        with self.assertRefused(UserError, "is not posted: only a posted invoice can be disputed"):
            invoice.with_user(self.dispute_user).action_open_dispute()
        with self.assertRefused(ValidationError, "is not posted: only a posted invoice can be disputed"):
            self._create(invoice, self._lines(invoice))
        self._assert_nothing_written()

    def test_cancelled_invoice(self):
        invoice = self._invoice(self._job(self.capacitor_product))
        invoice.button_draft()
        invoice.button_cancel()
        self.assertEqual(invoice.state, "cancel")
        with self.assertRefused(UserError, "is not posted: only a posted invoice can be disputed"):
            invoice.with_user(self.dispute_user).action_open_dispute()
        with self.assertRefused(ValidationError, "is not posted: only a posted invoice can be disputed"):
            self._create(invoice, self._lines(invoice))
        self._assert_nothing_written()

    def test_vendor_bill(self):
        bill = self.env["account.move"].create(
            {
                "move_type": "in_invoice",
                "partner_id": self.customer.id,
                "invoice_date": fields.Date.today(),
                "invoice_line_ids": [
                    Command.create({"product_id": self.capacitor_product.id, "price_unit": 120.0})
                ],
            }
        )
        bill.action_post()
        with self.assertRefused(UserError, "Only customer invoices can be disputed"):
            bill.with_user(self.dispute_user).action_open_dispute()
        with self.assertRefused(ValidationError, "Only customer invoices can be disputed"):
            self._create(bill, self._lines(bill))
        self._assert_nothing_written()

    def test_line_of_another_invoice(self):
        invoice = self._invoice(self._job(self.capacitor_product))
        other = self._invoice(self._job(self.labour_product))
        with self.assertRefused(
            ValidationError, r"“Labour \(hour\)” is a line of .*, not of the disputed invoice"
        ):
            self._open_dispute(invoice, lines=self._lines(other))
        with self.assertRefused(ValidationError, "not of the disputed invoice"):
            self._create(invoice, self._lines(other))
        self._assert_nothing_written()
        # nor can a line of another invoice be slipped into an existing dispute
        dispute = self._open_dispute(invoice)
        with self.assertRefused(ValidationError, "not of the disputed invoice"):
            dispute.line_ids.move_line_id = self._lines(other)
        self.assertEqual(dispute.line_ids.move_line_id, self._lines(invoice))

    def test_disputed_amount_above_the_line_total(self):
        invoice = self._invoice(self._job(self.capacitor_product))
        with self.assertRefused(ValidationError, r"\(250.0\) is more than the line's total \(200.26\)"):
            self._create(invoice, self._lines(invoice), disputed_amount=250.0)
        self._assert_nothing_written()
        dispute = self._open_dispute(invoice)
        with self.assertRefused(ValidationError, "is more than the line's total"):
            dispute.line_ids.disputed_amount = 200.27
        self.assertEqual(dispute.line_ids.disputed_amount, 200.26)

    def test_disputed_amount_zero_or_negative(self):
        invoice = self._invoice(self._job(self.capacitor_product))
        for amount in (0.0, -10.0):
            with self.assertRefused(
                ValidationError, "The disputed amount on “Run capacitor 5 uF” must be more than zero"
            ):
                self._create(invoice, self._lines(invoice), disputed_amount=amount)
            self._assert_nothing_written()
        dispute = self._open_dispute(invoice)
        for amount in (0.0, -10.0):
            with self.assertRefused(ValidationError, "must be more than zero"):
                dispute.line_ids.disputed_amount = amount
            self.assertEqual(dispute.line_ids.disputed_amount, 200.26)
            self.assertEqual(dispute.disputed_amount, 200.26)

    def test_concession_outside_the_disputed_amount(self):
        dispute = self._open_dispute(self._invoice(self._job(self.capacitor_product)), amounts=[100.0])
        for amount in (100.01, -1.0):
            with self.assertRefused(
                ValidationError, r"must be between zero and the disputed amount \(100.0\)"
            ):
                dispute.line_ids.conceded_amount = amount
            self.assertEqual(dispute.line_ids.conceded_amount, 0.0)
            self.assertEqual(dispute.conceded_amount, 0.0)

    def test_a_line_is_disputed_once_while_open(self):
        invoice = self._invoice(self._job(self.capacitor_product, self.labour_product))
        capacitor, labour = self._lines(invoice)
        first = self._open_dispute(invoice, lines=capacitor)
        count = self.env["invoice.dispute"].search_count([])
        with self.assertRefused(
            ValidationError, rf"“Run capacitor 5 uF” is already disputed in {first.name}"
        ):
            self._open_dispute(invoice, lines=capacitor)
        with self.assertRefused(ValidationError, "is already disputed"):
            self._create(invoice, capacitor | labour)
        with self.assertRefused(ValidationError, "is already disputed"):
            self._create(invoice, labour + labour)
        self.assertEqual(self.env["invoice.dispute"].search_count([]), count)
        self.assertEqual(invoice.dispute_ids, first)
        # “Dispute” on the invoice proposes only the lines not disputed yet, then none.
        second = self._open_dispute(invoice)
        self.assertEqual(second.line_ids.move_line_id, labour)
        with self.assertRefused(UserError, "Every line of .* is already disputed"):
            invoice.with_user(self.dispute_user).action_open_dispute()

    def test_resolving_without_root_cause(self):
        dispute = self._open_dispute(self._invoice(self._job(self.capacitor_product)))
        self._log_call(dispute)
        with self.assertRefused(UserError, f"{dispute.name}: record the root cause before closing"):
            dispute.action_resolve()
        self.assertEqual(dispute.stage_id, self.stage_new)
        self.assertFalse(dispute.resolved_date)
        self.assertFalse(dispute.resolution)
        self.assertEqual(dispute.invoice_id.dispute_state, "disputed")
