import json
from html import unescape
from urllib.parse import urlparse

from odoo import http
from odoo.tests import HttpCase, new_test_user, tagged

from .common import FieldServiceCase
from .invoice_fixtures import create_invoiced_job, post_agreed_concession

STATEMENT_A = "The first capacitor was working when your technician arrived."
STATEMENT_B = "Bruno's confidential statement about the capacitor"


@tagged("post_install", "-at_install")
class TestDisputePortal(FieldServiceCase, HttpCase):
    """The customer's side of disputes: their disputes under /my, and disputing an invoice
    from its portal page. Customer A and customer B each have a portal user and an invoice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesperson = new_test_user(
            cls.env,
            "fse_portal_sales",
            groups="base.group_user,field_service_evidence.group_dispute_user",
            name="Sam Salesperson",
        )
        cls.invoice_a = cls._posted_invoice(3, "Alba Customer", cls.salesperson)
        cls.invoice_b = cls._posted_invoice(1, "Bruno Customer", cls.env["res.users"])
        cls.lines_a = cls._product_lines(cls.invoice_a)
        cls.lines_b = cls._product_lines(cls.invoice_b)
        cls.portal_a = new_test_user(
            cls.env,
            "fse_portal_a",
            groups="base.group_portal",
            partner_id=cls.invoice_a.partner_id.id,
            email="alba@example.com",
        )
        cls.portal_b = new_test_user(
            cls.env,
            "fse_portal_b",
            groups="base.group_portal",
            partner_id=cls.invoice_b.partner_id.id,
            email="bruno@example.com",
        )
        cls.dispute_a = cls._create_dispute(cls.invoice_a, cls.lines_a[0], STATEMENT_A)
        cls.dispute_b = cls._create_dispute(cls.invoice_b, cls.lines_b[0], STATEMENT_B)

    @classmethod
    def _posted_invoice(cls, n_items, customer_name, salesperson):
        invoice = create_invoiced_job(cls.env, n_items, readings_per_item=1, post=False)
        invoice.partner_id.write(
            {"name": customer_name, "email": f"{customer_name.split()[0].lower()}@example.com"}
        )
        invoice.invoice_user_id = salesperson
        invoice.action_post()
        return invoice

    @staticmethod
    def _product_lines(invoice):
        return invoice.invoice_line_ids.filtered(lambda line: line.display_type == "product").sorted(
            lambda line: (line.sequence, line.id)
        )

    @classmethod
    def _create_dispute(cls, invoice, lines, statement):
        return cls.env["invoice.dispute"].create(
            {**invoice._prepare_dispute_vals(lines), "statement": statement, "channel": "phone"}
        )

    # Helpers ------------------------------------------------------------------

    def _get(self, url):
        return self.url_open(url, allow_redirects=False)

    def assertRedirectsToMy(self, response):
        self.assertIn(response.status_code, (302, 303), "the request should be turned away")
        self.assertEqual(urlparse(response.headers["Location"]).path, "/my")

    def _form_url(self, invoice):
        return f"/my/invoices/{invoice.id}/dispute"

    def _post_dispute(self, invoice, data):
        return self.url_open(
            self._form_url(invoice),
            data={"csrf_token": http.Request.csrf_token(self), **data},
            allow_redirects=False,
        )

    def _dispute_count(self):
        return self.env["invoice.dispute"].search_count([])

    # My disputes --------------------------------------------------------------

    def test_home_counter(self):
        self.authenticate("fse_portal_a", "fse_portal_a")
        counters = self.make_jsonrpc_request("/my/counters", {"counters": ["dispute_count"]})
        self.assertEqual(counters["dispute_count"], 1)
        self.assertIn('href="/my/disputes"', self.url_open("/my").text)

    def test_list_shows_only_own_disputes(self):
        self.authenticate("fse_portal_a", "fse_portal_a")
        response = self.url_open("/my/disputes")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.dispute_a.name, response.text)
        self.assertIn(self.invoice_a.name, response.text)
        self.assertNotIn(self.dispute_b.name, response.text)
        self.assertNotIn(self.invoice_b.name, response.text)

    def test_detail_of_own_dispute(self):
        self.authenticate("fse_portal_a", "fse_portal_a")
        response = self.url_open(self.dispute_a.access_url)
        self.assertEqual(response.status_code, 200)
        page = unescape(response.text)
        self.assertIn(self.dispute_a.name, page)
        self.assertIn(STATEMENT_A, page)
        self.assertIn("Received", page, "the customer's status of a new dispute")
        self.assertIn(f"/my/invoices/{self.invoice_a.id}?access_token=", page, "links to the invoice's page")
        self.assertIn(self.lines_a[0].name, page)
        self.assertNotIn(self.lines_a[1].name, page, "only the disputed line is listed")
        self.assertNotIn("Outcome", page, "no outcome before the dispute is resolved")
        self.assertIn('class="d-print-none o_portal_chatter', page, "the portal chatter")

    def test_detail_shows_outcome_once_resolved(self):
        line = self.dispute_a.line_ids
        line.conceded_amount = self.invoice_a.currency_id.round(line.disputed_amount / 2)
        self.dispute_a.write(
            {
                "root_cause_id": self.env.ref("field_service_evidence.root_cause_communication").id,
                "no_call_reason": "Settled by e-mail.",
            }
        )
        post_agreed_concession(self.dispute_a)
        self.dispute_a.action_resolve()
        self.assertTrue(self.dispute_a.is_closed)

        self.authenticate("fse_portal_a", "fse_portal_a")
        page = unescape(self.url_open(self.dispute_a.access_url).text)
        self.assertIn("Outcome", page)
        self.assertIn("Reduced", page)
        self.assertIn("Resolution:", page)
        self.assertIn("Partial concession", page)
        self.assertNotIn("Settled by e-mail.", page, "internal fields stay internal")

    def test_other_customer_dispute_is_refused(self):
        self.authenticate("fse_portal_a", "fse_portal_a")
        self.assertRedirectsToMy(self._get(self.dispute_b.access_url))
        self.assertRedirectsToMy(self._get(f"{self.dispute_b.access_url}?access_token=not-the-token"))
        self.assertRedirectsToMy(
            self._get(f"{self.dispute_b.access_url}?access_token={self.dispute_a._portal_ensure_token()}")
        )
        followed = self.url_open(self.dispute_b.access_url)
        self.assertNotIn(STATEMENT_B, unescape(followed.text))
        self.assertNotIn(self.dispute_b.name, followed.text)

    def test_access_token(self):
        token = self.dispute_a._portal_ensure_token()
        self.authenticate(None, None)
        self.assertRedirectsToMy(self._get(self.dispute_a.access_url))
        self.assertRedirectsToMy(self._get(f"{self.dispute_a.access_url}?access_token=wrong-{token}"))
        response = self.url_open(f"{self.dispute_a.access_url}?access_token={token}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(STATEMENT_A, unescape(response.text))
        self.assertNotIn(STATEMENT_B, unescape(response.text))

    def test_internal_notes_stay_internal(self):
        self.dispute_a.message_post(
            body="Internal: the customer signed for this part.", subtype_xmlid="mail.mt_note"
        )
        self.dispute_a.message_post(
            body="We are reviewing the record of the work.",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        self.authenticate("fse_portal_a", "fse_portal_a")
        page = unescape(self.url_open(self.dispute_a.access_url).text)
        self.assertNotIn("the customer signed for this part", page)
        for params in (
            {"thread_model": "invoice.dispute", "thread_id": self.dispute_a.id},
            {
                "thread_model": "invoice.dispute",
                "thread_id": self.dispute_a.id,
                "token": self.dispute_a.access_token,
            },
        ):
            messages = json.dumps(self.make_jsonrpc_request("/mail/chatter_fetch", params))
            self.assertIn("We are reviewing the record of the work.", messages)
            self.assertNotIn("the customer signed for this part", messages)

    # Disputing an invoice -----------------------------------------------------

    def test_invoice_page_offers_the_dispute(self):
        self.authenticate("fse_portal_a", "fse_portal_a")
        page = self.url_open(self.invoice_a.access_url).text
        self.assertIn("Dispute this invoice", page)
        self.assertIn(f'href="{self._form_url(self.invoice_a)}"', page)
        self.assertIn(self.dispute_a.name, page, "the invoice's disputes are listed")

    def test_form_shows_the_invoice_lines(self):
        self.authenticate("fse_portal_a", "fse_portal_a")
        response = self.url_open(self._form_url(self.invoice_a))
        self.assertEqual(response.status_code, 200)
        page = unescape(response.text)
        for line in self.lines_a:
            self.assertIn(f'name="line_{line.id}"', page)
        self.assertIn(f"Already disputed in {self.dispute_a.name}", page)

    def test_submit_dispute(self):
        line = self.lines_a[1]
        self.authenticate("fse_portal_a", "fse_portal_a")
        response = self._post_dispute(
            self.invoice_a,
            {
                "statement": "  The second capacitor was never replaced.  ",
                f"line_{line.id}": "on",
                f"amount_{line.id}": "100",
                f"reason_{line.id}": "Not replaced",
                # an unticked line sends its amount and reason, and is left out
                f"amount_{self.lines_a[2].id}": "50",
                f"reason_{self.lines_a[2].id}": "",
            },
        )
        dispute = self.env["invoice.dispute"].search(
            [("invoice_id", "=", self.invoice_a.id), ("id", "!=", self.dispute_a.id)]
        )
        self.assertEqual(len(dispute), 1)
        self.assertEqual(response.status_code, 303)
        self.assertEqual(urlparse(response.headers["Location"]).path, dispute.access_url)
        self.assertRecordValues(
            dispute,
            [
                {
                    "channel": "portal",
                    "statement": "The second capacitor was never replaced.",
                    "partner_id": self.invoice_a.commercial_partner_id.id,
                    "user_id": self.salesperson.id,
                    "disputed_amount": 100.0,
                }
            ],
        )
        self.assertRecordValues(
            dispute.line_ids,
            [{"move_line_id": line.id, "disputed_amount": 100.0, "customer_reason": "Not replaced"}],
        )
        self.assertEqual(dispute.activity_ids.user_id, self.salesperson, "the salesperson calls back")
        self.assertIn(self.portal_a.partner_id, dispute.message_partner_ids, "the customer follows it")

        page = unescape(self.url_open(dispute.access_url).text)
        self.assertIn(dispute.name, page)
        self.assertIn("The second capacitor was never replaced.", page)

    def test_submit_defaults_to_the_line_total(self):
        line = self.lines_a[2]
        self.authenticate("fse_portal_a", "fse_portal_a")
        self._post_dispute(
            self.invoice_a, {"statement": "Not needed.", f"line_{line.id}": "on", f"amount_{line.id}": ""}
        )
        dispute_line = self.env["invoice.dispute.line"].search([("move_line_id", "=", line.id)])
        self.assertEqual(dispute_line.disputed_amount, line.price_total)
        self.assertFalse(dispute_line.customer_reason)

    def test_submit_without_salesperson_goes_to_a_dispute_manager(self):
        line = self.lines_b[0]
        self.dispute_b.stage_id = self.env.ref("field_service_evidence.dispute_stage_cancelled")
        self.authenticate("fse_portal_b", "fse_portal_b")
        self._post_dispute(self.invoice_b, {"statement": "Again.", f"line_{line.id}": "on"})
        dispute = self.env["invoice.dispute"].search(
            [("invoice_id", "=", self.invoice_b.id), ("channel", "=", "portal")]
        )
        self.assertEqual(len(dispute), 1, "a line of a cancelled dispute can be disputed again")
        self.assertFalse(dispute.user_id.share)
        self.assertTrue(dispute.user_id.has_group("field_service_evidence.group_dispute_manager"))

    def test_submit_errors_write_nothing(self):
        line, other = self.lines_a[1], self.lines_b[0]
        total = line.price_total
        cases = [
            ({"statement": " ", f"line_{line.id}": "on"}, "the statement is required"),
            ({"statement": "Wrong."}, "Choose at least one line"),
            (
                {"statement": "Wrong.", f"line_{line.id}": "on", f"amount_{line.id}": "0"},
                "must be more than zero",
            ),
            (
                {"statement": "Wrong.", f"line_{line.id}": "on", f"amount_{line.id}": "-5"},
                "must be more than zero",
            ),
            (
                {"statement": "Wrong.", f"line_{line.id}": "on", f"amount_{line.id}": str(total + 1)},
                "is more than the line's total",
            ),
            (
                {"statement": "Wrong.", f"line_{line.id}": "on", f"amount_{line.id}": "lots"},
                "must be a number, not “lots”",
            ),
            ({"statement": "Wrong.", f"line_{other.id}": "on"}, f"is not a line of {self.invoice_a.name}"),
            ({"statement": "Wrong.", "line_abc": "on"}, f"is not a line of {self.invoice_a.name}"),
            (
                {"statement": "Wrong.", f"line_{self.lines_a[0].id}": "on"},
                f"is already disputed in {self.dispute_a.name}",
            ),
        ]
        self.authenticate("fse_portal_a", "fse_portal_a")
        count = self._dispute_count()
        for data, message in cases:
            with self.subTest(message=message, data=data):
                response = self._post_dispute(self.invoice_a, data)
                self.assertEqual(response.status_code, 200, "the form is shown again")
                page = unescape(response.text)
                self.assertIn(message, page)
                self.assertIn('class="alert alert-danger o_dispute_errors"', page)
                self.assertIn(f">{data['statement']}</textarea>", page, "what was typed is kept")
                self.assertEqual(self._dispute_count(), count)

    def test_submit_on_an_unposted_invoice(self):
        draft = self.invoice_a.copy()
        line = self._product_lines(draft)[0]
        self.authenticate("fse_portal_a", "fse_portal_a")
        count = self._dispute_count()
        response = self._post_dispute(
            draft,
            {"statement": "Wrong.", f"line_{line.id}": "on", "access_token": draft._portal_ensure_token()},
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("only a posted invoice can be disputed", unescape(response.text))
        self.assertEqual(self._dispute_count(), count)

    def test_submit_on_another_customers_invoice(self):
        line = self.lines_b[0]
        self.dispute_b.stage_id = self.env.ref("field_service_evidence.dispute_stage_cancelled")
        data = {"statement": "Not mine.", f"line_{line.id}": "on"}
        self.authenticate("fse_portal_a", "fse_portal_a")
        count = self._dispute_count()
        response = self._get(self._form_url(self.invoice_b))
        self.assertRedirectsToMy(response)
        self.assertRedirectsToMy(self._post_dispute(self.invoice_b, data))
        self.assertRedirectsToMy(
            self._post_dispute(self.invoice_b, {**data, "access_token": "not-the-token"})
        )
        self.assertRedirectsToMy(
            self._post_dispute(
                self.invoice_b, {**data, "access_token": self.invoice_a._portal_ensure_token()}
            )
        )
        self.assertEqual(self._dispute_count(), count)

    def test_submit_with_the_invoice_token(self):
        """A customer following the link of their invoice e-mail, not logged in."""
        token = self.invoice_a._portal_ensure_token()
        line = self.lines_a[2]
        self.authenticate(None, None)
        form = self.url_open(f"{self._form_url(self.invoice_a)}?access_token={token}")
        self.assertIn(f'name="line_{line.id}"', form.text)
        response = self._post_dispute(
            self.invoice_a, {"statement": "By e-mail link.", f"line_{line.id}": "on", "access_token": token}
        )
        dispute = self.env["invoice.dispute"].search([("statement", "=", "By e-mail link.")])
        self.assertEqual(dispute.channel, "portal")
        location = response.headers["Location"]
        self.assertIn(f"{dispute.access_url}?access_token={dispute.access_token}", location)
        self.assertIn("By e-mail link.", self.url_open(location).text)

    def test_portal_tour(self):
        self.start_tour("/my/invoices", "fse_dispute_portal_tour", login="fse_portal_a")
        dispute = self.env["invoice.dispute"].search(
            [("invoice_id", "=", self.invoice_a.id), ("channel", "=", "portal")]
        )
        self.assertEqual(len(dispute), 1)
        self.assertEqual(dispute.statement, "The second capacitor was never replaced.")
        self.assertEqual(dispute.line_ids.move_line_id, self.lines_a[1])
        self.assertEqual(dispute.line_ids.customer_reason, "Not replaced")
