"""The customer approves the estimate remotely: the technician sends it from the job, the
customer opens its link without an account, declines items, signs for the rest."""

import json
import re
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import SIGNATURE_PNG, FieldServiceCase


class RemoteApprovalCase(FieldServiceCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.project.user_id = cls.technician
        cls.other_customer = cls.env["res.partner"].create(
            {"name": "Olga Othercustomer", "email": "olga@example.com"}
        )

    def setUp(self):
        super().setUp()
        self.task = self._create_task(
            user_ids=[self.technician.id],
            service_complaint="The air conditioner blows warm air.",
            service_diagnosis="The condenser fan run capacitor failed.",
        )
        reading = self._create_reading(
            self.task, self.type_capacitor, 2.1, phase="before", component="Condenser fan run capacitor"
        )
        self.capacitor = self._create_item(self.task, reading_ids=[reading.id])
        self.cleaning = self._create_item(
            self.task,
            product_id=self.labour_product.id,
            name="Coil cleaning",
            quantity=1.5,
            justification="The condenser coil is clogged with cotton-wood seeds.",
        )

    # Doors ------------------------------------------------------------------

    def _send(self, task=None, how="action_share_link"):
        """The technician clicks Send for approval on the job, then how to send it."""
        task = (task or self.task).with_user(self.technician)
        action = task.action_send_for_approval()
        approval = self.env["service.approval"].with_user(self.technician).browse(action["res_id"])
        sent = getattr(approval, how)()
        return approval.browse(sent["res_id"]).with_user(self.env.user)

    def _url(self, approval, token=None, suffix=""):
        token = approval.access_token if token is None else token
        return f"/my/approvals/{approval.id}{suffix}?access_token={token}"

    def _page(self, approval, token=None):
        response = self.url_open(self._url(approval, token))
        self.assertEqual(response.status_code, 200)
        return response

    def _decide(self, approval, line, decision):
        return self.url_open(
            f"/my/approvals/{approval.id}/decision",
            data={
                "csrf_token": self._csrf_token(approval),
                "access_token": approval.access_token,
                "line_id": line.id,
                "decision": decision,
            },
        )

    def _csrf_token(self, approval):
        """The form token of the browser's session, as the page gives it to its forms."""
        page = self._page(approval).text
        return re.search(r'csrf_token(?:" value=|: )"([^"]+)"', page).group(1)

    def _sign(self, approval, name="Martha Customer", token=None):
        self.env.flush_all()
        result = self.make_jsonrpc_request(
            self._url(approval, token, "/sign"), {"name": name, "signature": SIGNATURE_PNG.decode()}
        )
        self.env.invalidate_all()
        return result

    def _line(self, approval, item):
        return approval.line_ids.filtered(lambda line: line.work_item_id == item)


@tagged("post_install", "-at_install")
class TestSendForApproval(RemoteApprovalCase):
    def test_the_technician_sends_the_proposed_items_by_email(self):
        approval = self._send(how="action_send_by_email")
        self.assertEqual(approval.method, "remote_signature")
        self.assertEqual(approval.state, "requested")
        self.assertEqual(approval.sent_by_id, self.technician)
        self.assertEqual(approval.expires_at, approval.sent_at + timedelta(days=7))
        # the snapshot: what the customer reads and signs, with the reading that justifies it
        self.assertEqual(approval.line_ids.mapped("name"), ["Run capacitor 5 uF", "Coil cleaning"])
        self.assertEqual(approval.line_ids.mapped("price_subtotal"), [185.0, 142.5])
        self.assertIn("2.1 uF", self._line(approval, self.capacitor).findings)
        mail = approval.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertEqual(mail.partner_ids, self.customer)
        self.assertIn(approval.approval_url, mail.body)
        self.assertIn(f"access_token={approval.access_token}", approval.approval_url)
        self.assertIn("sent for approval by e-mail to martha@example.com", self.task.message_ids[0].body)

    def test_the_technician_sends_it_by_text_message(self):
        self.customer.phone = "+1 614-555-0100"
        approval = self._send(how="action_send_by_sms")
        sms = self.env["sms.sms"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(len(sms), 1)
        self.assertIn(approval.approval_url, sms.body)
        self.assertIn("your estimate for No cooling at 12 Elm Street is ready to approve", sms.body)
        self.assertIn("by text message to +1 614-555-0100", self.task.message_ids[0].body)
        self.customer.phone = False
        self.capacitor.with_user(self.technician).price_unit = 190.0
        with self.assertRefused(UserError, "has no mobile number"):
            approval.with_user(self.technician).action_send_by_sms()

    def test_the_link_and_its_qr_code(self):
        approval = self._send()
        self.assertIn("barcode_type=QR", approval.approval_qr_url)
        response = self.url_open(approval.approval_qr_url)
        self.assertEqual(response.headers["Content-Type"], "image/png")

    def test_the_link_lasts_as_the_company_says(self):
        self.company.service_approval_link_days = 3
        approval = self._send()
        self.assertEqual(approval.expires_at, approval.sent_at + timedelta(days=3))
        with self.assertRefused(ValidationError, "at least one day"):
            self.company.service_approval_link_days = 0

    def test_nothing_to_send(self):
        (self.capacitor | self.cleaning).state = "declined"
        with self.assertRefused(UserError, "No proposed work item"):
            self.task.with_user(self.technician).action_send_for_approval()

    def test_a_customer_without_email_gets_the_qr_code(self):
        self.customer.email = False
        action = self.task.with_user(self.technician).action_send_for_approval()
        approval = self.env["service.approval"].with_user(self.technician).browse(action["res_id"])
        with self.assertRefused(UserError, "has no e-mail address"):
            approval.action_send_by_email()

    def test_a_technician_cannot_forge_a_remote_signature(self):
        approval = self._create_approval(self.task, self.capacitor).with_user(self.technician)
        approval.write({"method": "remote_signature", "signature": SIGNATURE_PNG})
        with self.assertRefused(ValidationError, "remote signature is given by the customer"):
            approval.action_approve()
        with self.assertRefused(UserError, "change only through its buttons"):
            approval.write({"signer_ip": "203.0.113.9"})


@tagged("post_install", "-at_install")
class TestTheCustomerSigns(RemoteApprovalCase):
    def test_decline_one_item_and_sign_for_the_rest(self):
        approval = self._send()
        page = self._page(approval).text
        self.assertIn("Run capacitor 5 uF", page)
        self.assertIn("2.1 uF", page)  # the finding that justifies it
        self.assertIn("cotton-wood seeds", page)  # why the cleaning is needed

        self._decide(approval, self._line(approval, self.cleaning), "declined")
        self.assertEqual(self._line(approval, self.cleaning).decision, "declined")
        self.assertEqual(approval.state, "requested")  # nothing binding before the signature

        self.assertEqual(
            self._sign(approval), {"force_refresh": True, "redirect_url": approval.get_portal_url()}
        )
        self.assertEqual(approval.state, "approved")
        self.assertEqual(approval.method, "remote_signature")
        self.assertEqual(approval.approver_name, "Martha Customer")
        self.assertEqual(approval.signature, SIGNATURE_PNG)
        self.assertEqual(approval.signer_ip, "127.0.0.1")
        self.assertTrue(approval.signer_user_agent)
        self.assertTrue(approval.before_work)
        self.assertEqual(approval.work_item_ids, self.capacitor)
        self.assertEqual(self.capacitor.state, "approved")
        self.assertEqual(self.capacitor.approval_status, "approved_before_work")
        self.assertEqual(self.cleaning.state, "declined")
        self.assertEqual(approval.amount_authorised, 185.0)

        # the technician is told: chatter, activity, a live notification
        self.assertIn("Martha Customer signed the estimate remotely", self.task.message_ids[0].body)
        activity = self.task.activity_ids
        self.assertEqual(activity.user_id, self.technician)
        self.assertEqual(activity.summary, "The customer signed the estimate")
        channel = json.dumps(
            [self.env.cr.dbname, "res.partner", self.technician.partner_id.id], separators=(",", ":")
        )
        messages = [
            json.loads(m) for m in self.env["bus.bus"].search([("channel", "=", channel)]).mapped("message")
        ]
        self.assertIn(
            {"type": "field_service_evidence/approval_signed", "payload": {"task_id": self.task.id}}, messages
        )
        self.assertIn("Martha Customer signed the estimate", str(messages))

        # and the work can start
        self.task.with_user(self.technician).action_start_work()
        self.assertEqual(self.task.service_state, "in_progress")

        # the customer's page now says what they signed
        page = self._page(approval).text
        self.assertIn("You approved this estimate", page)
        self.assertNotIn("o_approval_sign_btn", page)

    def test_decline_everything(self):
        approval = self._send()
        for item in self.capacitor | self.cleaning:
            self._decide(approval, self._line(approval, item), "declined")
        self._sign(approval)
        self.assertEqual(approval.state, "declined")
        self.assertEqual((self.capacitor | self.cleaning).mapped("state"), ["declined", "declined"])
        with self.assertRefused(UserError, "has not authorised the work"):
            self.task.with_user(self.technician).action_start_work()

    def test_a_declined_item_is_not_done_without_a_new_approval_or_an_emergency(self):
        approval = self._send()
        self._decide(approval, self._line(approval, self.cleaning), "declined")
        self._sign(approval)
        task = self.task.with_user(self.technician)
        task.action_start_work()
        cleaning = self.cleaning.with_user(self.technician)
        with self.assertRefused(UserError, "customer declined “Coil cleaning”"):
            cleaning.action_mark_done()
        self.assertEqual(cleaning.state, "declined")

        # the emergency that let the job start does not override the customer's refusal
        task.start_without_approval_reason = "emergency"
        with self.assertRefused(UserError, "customer declined “Coil cleaning”"):
            cleaning.action_mark_done()
        # a safety reason given on the item itself does, and the job says so
        cleaning.declined_override_reason = "safety"
        cleaning.action_mark_done()
        self.assertEqual(cleaning.state, "done")
        self.assertIn("although the customer declined it", task.message_ids[0].body)
        self.assertEqual(cleaning.approval_status, "not_approved")

    def test_a_declined_item_proposed_again_gets_a_new_approval(self):
        approval = self._send()
        self._decide(approval, self._line(approval, self.cleaning), "declined")
        self._sign(approval)
        self.cleaning.with_user(self.technician).action_propose_again()
        second = self._send()
        self.assertNotEqual(second, approval)
        self.assertEqual(second.work_item_ids, self.cleaning)
        self._sign(second)
        self.assertEqual(self.cleaning.state, "approved")

    def test_an_approval_signed_after_the_work_started_is_after_work(self):
        approval = self._send()
        self.task.start_without_approval_reason = "emergency"
        with freeze_time(fields.Datetime.now() - timedelta(minutes=5)):
            self.task.with_user(self.technician).action_start_work()
        self._sign(approval)
        self.assertEqual(approval.state, "approved")
        self.assertFalse(approval.before_work)
        self.assertEqual(self.capacitor.approval_status, "approved_after_work")
        self.assertTrue(self.task.started_without_approval)

    def test_the_signature_is_printed_on_the_service_record_and_the_invoice(self):
        approval = self._send()
        self._sign(approval)
        self.task.action_start_work()
        self.capacitor.action_mark_done()
        self.cleaning.action_mark_done()
        self.task.action_complete_work()
        Report = self.env["ir.actions.report"]
        record = Report._render_qweb_html(
            "field_service_evidence.action_report_service_record", self.task.ids
        )[0].decode()
        self.assertIn("Signed remotely on", record)
        self.assertIn("127.0.0.1", record)
        self.assertIn('class="o_service_signature"', record)
        invoice = self._press_create_invoice(self.task)
        invoice.action_post()
        # the capacitor story, disputed: the owner reads the customer's own remote signature
        dispute = self.env["invoice.dispute"].create(
            invoice._prepare_dispute_vals(invoice.invoice_line_ids[:1])
        )
        self.assertEqual(dispute.line_ids.evidence_status, "approved_before_work")
        self.assertIn(
            "You approved this with your signature on the estimate we sent you at",
            dispute.line_ids.walkthrough,
        )
        self.assertIn("before we started", dispute.line_ids.walkthrough)
        printed = Report._render_qweb_html(
            "field_service_evidence.action_report_invoice_evidence", invoice.ids
        )[0].decode()
        self.assertIn("signed remotely from 127.0.0.1", printed)
        self.assertIn("o_evidence_signature", printed)


@tagged("post_install", "-at_install")
class TestTheLinkIsSafe(RemoteApprovalCase):
    def test_a_link_signs_once(self):
        approval = self._send()
        self._sign(approval)
        signed_at = approval.decided_at
        self.assertEqual(self._sign(approval, name="Someone Else"), {"error": self._answered(approval)})
        self.assertEqual(approval.approver_name, "Martha Customer")
        self.assertEqual(approval.decided_at, signed_at)
        # a decision posted afterwards changes nothing
        self._decide(approval, self._line(approval, self.capacitor), "declined")
        self.assertEqual(self._line(approval, self.capacitor).decision, "approved")

    def _answered(self, approval):
        return f"This estimate was already answered on {approval.decided_at}."

    def test_a_changed_estimate_leads_to_the_new_one(self):
        approval = self._send()
        self.capacitor.with_user(self.technician).price_unit = 210.0
        page = self._page(approval).text
        self.assertIn("This estimate changed after it was sent to you", page)
        self.assertNotIn("o_approval_sign_btn", page)
        self.assertIn("error", self._sign(approval))
        self.assertEqual(approval.state, "requested")

        response = self.url_open(
            f"/my/approvals/{approval.id}/newest",
            data={"csrf_token": self._csrf_token(approval), "access_token": approval.access_token},
        )
        new = approval.superseded_by_id
        self.assertEqual(approval.state, "superseded")
        self.assertNotEqual(new.access_token, approval.access_token)
        self.assertTrue(response.url.endswith(self._url(new)))
        self.assertEqual(self._line(new, self.capacitor).price_unit, 210.0)
        self._sign(new)
        self.assertEqual(new.state, "approved")
        self.assertEqual(self.capacitor.approval_id, new)

    def test_the_technician_sends_the_changed_estimate_again(self):
        approval = self._send()
        self.cleaning.with_user(self.technician).quantity = 2.0
        new = self._send()
        self.assertNotEqual(new, approval)
        self.assertEqual(approval.state, "superseded")
        self.assertEqual(approval.superseded_by_id, new)
        self.assertEqual(self._line(new, self.cleaning).quantity, 2.0)
        self.assertIn("This estimate changed after it was sent to you", self._page(approval).text)

    def test_an_expired_link_explains_itself(self):
        approval = self._send()
        with freeze_time(fields.Datetime.now() + timedelta(days=7, minutes=1)):
            page = self._page(approval).text
            self.assertIn("This link expired on", page)
            self.assertNotIn("o_approval_sign_btn", page)
            self.assertIn("link expired", self._sign(approval)["error"])
        self.assertEqual(approval.state, "requested")
        self.assertFalse(approval.signature)

    def test_another_customers_token_never_opens_it(self):
        approval = self._send()
        other_task = self._create_task(name="Leaking tap", partner_id=self.other_customer.id)
        self._create_item(other_task, name="Tap washer", product_id=self.labour_product.id)
        other = self._send(other_task)
        # the other customer's own, valid token on this estimate
        response = self.url_open(self._url(approval, other.access_token))
        self.assertNotIn("Run capacitor", response.text)
        self.assertTrue(response.url.endswith("/my") or "/web/login" in response.url, response.url)
        self.assertEqual(self._sign(approval, token=other.access_token), {"error": "This link is not valid."})
        self.assertEqual(approval.state, "requested")
        # nor does the other customer's portal login without the token
        portal = new_test_user(
            self.env, "olga_portal", groups="base.group_portal", partner_id=self.other_customer.id
        )
        self.authenticate(portal.login, portal.login)
        response = self.url_open(f"/my/approvals/{approval.id}")
        self.assertNotIn("Run capacitor", response.text)
        self.assertEqual(self._sign(approval, token=""), {"error": "This link is not valid."})
