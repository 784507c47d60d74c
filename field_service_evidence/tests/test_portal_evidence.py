"""The customer sees the evidence of their invoice on the portal (issue 11): each line's
approval, findings, photos and justification on the invoice page, the dispute form and the
dispute page, and the Service record PDF of the job; another customer sees none of it, and
nothing internal (a stage name, a recommendation, a technician's note) reaches the portal."""

import base64
from html import unescape
from urllib.parse import urlparse

from lxml import html

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common import JUSTIFICATION, SIGNATURE_PNG, FieldServiceCase
from .invoice_fixtures import approve_do_and_invoice

APPROVER = "Martha Whitaker"
OTHER_APPROVER = "Bruno Okafor"
READING_NOTE = "Tess: the unit's owner keeps the spare capacitor in the garage."
INTERNAL_NOTE = "Internal: offer the labour at most."
PNG_MAGIC = b"\x89PNG"


def create_customer_invoice(env, customer_name, job_name, approver, measured, justification):
    """A posted invoice of a job of a new customer, signed for by ``approver`` before the work:
    a capacitor item justified by a reading of ``measured`` uF against a rated 5.0 uF, with a
    photo (and a text file) of the meter; and a labour item with no reading."""
    customer = env["res.partner"].create({"name": customer_name, "email": f"{job_name.lower()}@example.com"})
    project = env["project.project"].create({"name": "Service calls", "is_field_service": True})
    reading_type = env["service.reading.type"].create(
        {
            "name": "Run capacitor",
            "unit": "uF",
            "decimals": 1,
            "tolerance_kind": "percent",
            "rated_value": 5.0,
            "tolerance_percent": 6.0,
        }
    )
    capacitor = env["product.product"].create({"name": "Run capacitor 5 uF", "lst_price": 185.0})
    labour = env["product.product"].create({"name": "Labour (hour)", "type": "service", "lst_price": 95.0})
    task = env["project.task"].create(
        {
            "name": job_name,
            "project_id": project.id,
            "partner_id": customer.id,
            "service_complaint": "Blows warm air.",
            "service_diagnosis": "The run capacitor has failed.",
        }
    )
    reading = env["service.reading"].create(
        {
            "task_id": task.id,
            "type_id": reading_type.id,
            "measured_value": measured,
            "component": "Condenser fan run capacitor",
            "note": READING_NOTE,
        }
    )
    files = env["ir.attachment"].create(
        [
            {
                "name": "meter.png",
                "datas": SIGNATURE_PNG,
                "mimetype": "image/png",
                "res_model": "service.reading",
                "res_id": reading.id,
            },
            {
                "name": "meter.txt",
                "datas": base64.b64encode(b"2.1 uF"),
                "mimetype": "text/plain",
                "res_model": "service.reading",
                "res_id": reading.id,
            },
        ]
    )
    reading.photo_ids = files
    items = env["service.work.item"].create(
        [
            {
                "task_id": task.id,
                "product_id": capacitor.id,
                "justification": justification,
                "reading_ids": [Command.set(reading.ids)],
            },
            {"task_id": task.id, "product_id": labour.id, "justification": "One hour to replace and test."},
        ]
    )
    approval = env["service.approval"].create(
        {
            "task_id": task.id,
            "method": "signature",
            "approver_name": approver,
            "signature": SIGNATURE_PNG,
            "work_item_ids": [Command.set(items.ids)],
        }
    )
    return approve_do_and_invoice(approval)


def by_class(node, css_class, tag="*"):
    return node.xpath(f".//{tag}[contains(concat(' ', normalize-space(@class), ' '), ' {css_class} ')]")


def text(node):
    return " ".join(" ".join(node.itertext()).split())


@tagged("post_install", "-at_install")
class TestPortalEvidence(FieldServiceCase, HttpCase):
    """Customer A's and customer B's invoices, each of a signed-for job, each with a portal user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice = create_customer_invoice(
            cls.env, "Alba Customer", "Capacitor at 12 Elm Street", APPROVER, 2.1, JUSTIFICATION
        )
        cls.other_invoice = create_customer_invoice(
            cls.env, "Bruno Customer", "Boiler at 3 Oak Road", OTHER_APPROVER, 3.4, "Tested low."
        )
        cls.lines = cls.invoice.invoice_line_ids.filtered("service_work_item_id").sorted("sequence")
        cls.reading = cls.lines.service_work_item_id.reading_ids
        cls.photo = cls.reading.photo_ids.filtered(lambda file: file.mimetype == "image/png")
        cls.not_a_photo = cls.reading.photo_ids - cls.photo
        cls.approval = cls.lines.service_approval_id
        cls.method_label = dict(cls.approval._fields["method"]._description_selection(cls.env))["signature"]
        for login, invoice in (("fse_evidence_a", cls.invoice), ("fse_evidence_b", cls.other_invoice)):
            new_test_user(cls.env, login, groups="base.group_portal", partner_id=invoice.partner_id.id)
        cls.token = cls.invoice._portal_ensure_token()

    # Helpers ------------------------------------------------------------------

    def _get(self, url):
        return self.url_open(url, allow_redirects=False)

    def _page(self, url):
        response = self._get(url)
        self.assertEqual(response.status_code, 200, url)
        return html.fromstring(response.text)

    def _urls(self, invoice=None, token=None):
        """The routes of the evidence of ``invoice`` (the customer's by default)."""
        base = f"/my/invoices/{(invoice or self.invoice).id}"
        query = f"?access_token={token}" if token else ""
        return {
            "invoice page": f"{base}{query}",
            "dispute form": f"{base}/dispute{query}",
            "photo": f"{base}/evidence/photo/{self.photo.id}{query}",
            "thumbnail": f"{base}/evidence/photo/{self.photo.id}/thumbnail{query}",
            "signature": f"{base}/evidence/signature/{self.approval.id}{query}",
            "service record": f"{base}/service_record{query}",
        }

    def assertLineEvidence(self, node, line):
        """``node`` shows ``line``'s evidence, and its images are served to this visitor."""
        [evidence] = by_class(node, "o_portal_line_evidence")
        shown = text(evidence)
        self.assertIn(APPROVER, shown)
        self.assertIn(self.method_label, shown)
        self.assertIn("Before the work started", shown)
        self.assertIn(" ".join(line.service_justification.split()), shown)
        [signature] = by_class(evidence, "o_evidence_signature", "img")
        self.assertImageServed(signature.get("src"))
        if not line.service_reading_ids:
            self.assertFalse(by_class(evidence, "o_evidence_finding"))
            return
        [finding] = by_class(evidence, "o_evidence_finding")
        self.assertIn("Measured 2.1 uF against a rated 5.0 uF", text(finding))
        self.assertIn(self.reading.finding, text(finding))
        self.assertIn("Out of spec", text(finding))
        [photo] = by_class(finding, "o_evidence_photo", "img")
        self.assertImageServed(photo.get("src"))
        self.assertImageServed(photo.getparent().get("href"))

    def assertImageServed(self, url):
        response = self._get(url)
        self.assertEqual(response.status_code, 200, url)
        self.assertEqual(response.headers["Content-Type"], "image/png", url)
        self.assertTrue(response.content.startswith(PNG_MAGIC), url)

    def assertTurnedAway(self, what, response):
        """A page answers with a redirection to /my, an image with a 404; and never the evidence."""
        if what in ("invoice page", "dispute form", "service record"):
            self.assertIn(response.status_code, (302, 303), what)
            self.assertEqual(urlparse(response.headers["Location"]).path, "/my", what)
        else:
            self.assertEqual(response.status_code, 404, what)
        self.assertNotIn(APPROVER, response.text, what)
        self.assertFalse(response.content.startswith(PNG_MAGIC), what)

    def _assertNoEvidenceOfA(self, body):
        body = unescape(body)
        for secret in (APPROVER, self.reading.finding, "2.1 uF", JUSTIFICATION, self.invoice.name):
            self.assertNotIn(secret, body)

    # The customer ---------------------------------------------------------------

    def test_invoice_page_shows_each_lines_evidence(self):
        self.authenticate("fse_evidence_a", "fse_evidence_a")
        page = self._page(self.invoice.access_url)
        [section] = by_class(page, "o_portal_service_evidence")
        self.assertIn("The record of the work", text(section))
        cards = by_class(section, "o_portal_invoice_line_evidence")
        self.assertEqual([int(card.get("data-line-id")) for card in cards], self.lines.ids)
        for card, line in zip(cards, self.lines, strict=True):
            with self.subTest(line=line.name):
                self.assertIn(line.name, text(card))
                self.assertLineEvidence(card, line)
        [pdf_link] = by_class(section, "o_service_record_btn", "a")
        self.assertEqual(pdf_link.get("href"), self._urls()["service record"])

    def test_dispute_form_shows_the_evidence_with_each_amount(self):
        self.authenticate("fse_evidence_a", "fse_evidence_a")
        page = self._page(self._urls()["dispute form"])
        for line in self.lines:
            with self.subTest(line=line.name):
                [card] = page.xpath(f"//*[@data-line-id='{line.id}'][.//input[@name='line_{line.id}']]")
                # the evidence is read before the amount and the reason of the same line
                order = [
                    "evidence" if "o_portal_line_evidence" in (node.get("class") or "") else node.get("name")
                    for node in card.iter()
                    if node.tag == "input" or "o_portal_line_evidence" in (node.get("class") or "")
                ]
                self.assertEqual(
                    order, [f"line_{line.id}", "evidence", f"amount_{line.id}", f"reason_{line.id}"]
                )
                self.assertLineEvidence(card, line)
        self.assertTrue(page.xpath(f"//a[@href='{self._urls()['service record']}']"))

    def test_invoice_token_without_login(self):
        """The customer follows the link of their invoice e-mail, not logged in."""
        self.authenticate(None, None)
        urls = self._urls(token=self.token)
        page = self._page(urls["invoice page"])
        for card, line in zip(by_class(page, "o_portal_invoice_line_evidence"), self.lines, strict=True):
            self.assertLineEvidence(card, line)
        form = self._page(urls["dispute form"])
        self.assertEqual(len(by_class(form, "o_portal_line_evidence")), len(self.lines))
        self.assertServiceRecord(self._get(urls["service record"]))
        # the same images without the token are not served
        for what, url in self._urls().items():
            with self.subTest(what=what):
                self.assertTurnedAway(what, self._get(url))

    def assertServiceRecord(self, response):
        """The Service record of the customer's job, to download; in test mode Odoo renders
        reports as HTML, so its content is read there."""
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertIn("attachment", response.headers["Content-Disposition"])
        [title] = html.fromstring(response.content).xpath("//*[hasclass('o_service_record')]/h2")
        self.assertEqual(text(title), "Service record: Capacitor at 12 Elm Street")

    def test_service_record_names_the_job(self):
        self.authenticate("fse_evidence_a", "fse_evidence_a")
        response = self._get(self._urls()["service record"])
        self.assertServiceRecord(response)
        self.assertNotIn("Boiler at 3 Oak Road", response.text)
        self.assertIn(APPROVER, response.text)
        # the customer's copy: the company's own review of the record stays inside
        self.assertNotIn("Evidence score", response.text)
        self.assertNotIn("What this record lacks", response.text)

    # Another customer -----------------------------------------------------------

    def test_another_customer_sees_nothing(self):
        self.authenticate("fse_evidence_a", "fse_evidence_a")
        for what, url in self._urls().items():
            with self.subTest(what=what, who="the customer"):
                self.assertEqual(self._get(url).status_code, 200, "the customer is served")

        self.authenticate("fse_evidence_b", "fse_evidence_b")
        wrong_tokens = (None, "not-the-token", self.other_invoice._portal_ensure_token())
        for token in wrong_tokens:
            for what, url in self._urls(token=token).items():
                with self.subTest(what=what, token=token):
                    self.assertTurnedAway(what, self._get(url))
                    self._assertNoEvidenceOfA(self.url_open(url).text)
        # customer A's photo and signature asked for through customer B's own invoice
        for what, url in self._urls(invoice=self.other_invoice).items():
            if what in ("photo", "thumbnail", "signature"):
                with self.subTest(what=what, through="own invoice"):
                    self.assertTurnedAway(what, self._get(url))
        self._assertNoEvidenceOfA(self.url_open(self.other_invoice.access_url).text)

    def test_not_an_image_is_not_served(self):
        self.authenticate("fse_evidence_a", "fse_evidence_a")
        self.assertImageServed(self._urls()["photo"])
        url = f"/my/invoices/{self.invoice.id}/evidence/photo/{self.not_a_photo.id}"
        self.assertEqual(self._get(url).status_code, 404)

    # Nothing internal -----------------------------------------------------------

    def test_nothing_internal_on_the_portal(self):
        line = self.lines[:1]
        dispute = self.env["invoice.dispute"].create(
            {**self.invoice._prepare_dispute_vals(line), "statement": "Not needed.", "channel": "portal"}
        )
        dispute.stage_id = self.env.ref("field_service_evidence.dispute_stage_call")
        dispute.message_post(body=INTERNAL_NOTE, subtype_xmlid="mail.mt_note")
        internal = {
            "stage": dispute.stage_id.name,
            "recommendation": dispute.recommendation_reason,
            "technician's note": READING_NOTE,
            "internal note": INTERNAL_NOTE,
        }
        self.assertTrue(all(internal.values()))
        self.authenticate("fse_evidence_a", "fse_evidence_a")
        pages = {
            "invoice page": self._urls()["invoice page"],
            "dispute form": self._urls()["dispute form"],
            "dispute page": dispute.access_url,
            "my disputes": "/my/disputes",
        }
        for name, url in pages.items():
            page = self._page(url)
            with self.subTest(page=name):
                self.assertIn(dispute.name, text(page))
                for what, secret in internal.items():
                    self.assertNotIn(secret, text(page), what)
                if name != "dispute form":
                    self.assertIn("Being reviewed", text(page), "the customer's status")
        # the dispute page shows the evidence of the disputed line
        [card] = by_class(self._page(dispute.access_url), "o_portal_invoice_line_evidence")
        self.assertLineEvidence(card, line)

    def test_customer_status_follows_the_stage(self):
        dispute = self.env["invoice.dispute"].create(
            {**self.invoice._prepare_dispute_vals(self.lines[:1]), "statement": "Not needed."}
        )
        closing = {
            "root_cause_id": self.env.ref("field_service_evidence.root_cause_communication").id,
            "no_call_reason": "Settled by e-mail.",
            "resolution": "upheld",
        }
        self.authenticate("fse_evidence_a", "fse_evidence_a")
        for stage, status in (
            ("dispute_stage_new", "Received"),
            ("dispute_stage_review", "Being reviewed"),
            ("dispute_stage_proposal", "Being reviewed"),
            ("dispute_stage_resolved", "Resolved"),
            ("dispute_stage_cancelled", "Withdrawn"),
        ):
            dispute.write({"stage_id": self.env.ref(f"field_service_evidence.{stage}").id, **closing})
            with self.subTest(stage=stage):
                [badge] = by_class(self._page(dispute.access_url), "o_dispute_status")
                self.assertEqual(text(badge), status)
                [row_status] = by_class(self._page("/my/disputes"), "o_dispute_status")
                self.assertEqual(text(row_status), status)
