from lxml import html

from odoo.tests import new_test_user, tagged

from .common import FieldServiceCase
from .invoice_fixtures import create_invoiced_job
from .test_dispute import DisputeCase

PACK = "field_service_evidence.action_report_dispute_pack"
# The pack e-mailed to the customer: the same documents without the negotiation.
CUSTOMER_PACK = "field_service_evidence.action_report_dispute_pack_customer"

# What the dispute form's Walkthrough tab reads: the recommendation and, line by line,
# the script read to the customer. bench/dispute_walkthrough.py measures the same read.
WALKTHROUGH_SPEC = {
    "unapproved_line_count": {},
    "recommendation": {},
    "chance_of_losing": {},
    "let_go": {},
    "disputed_amount": {},
    "recommended_amount": {},
    "conceded_amount": {},
    "recommendation_reason": {},
    "line_ids": {
        "fields": {
            "currency_id": {},
            "evidence_status": {},
            "approval_stale": {},
            "walkthrough": {},
            "recommended_concession": {},
        }
    },
}


def open_dispute(invoice):
    """A dispute of every product line of ``invoice``, as its Dispute button proposes it."""
    lines = invoice.invoice_line_ids.filtered(lambda line: line.display_type == "product")
    vals = invoice._prepare_dispute_vals(lines)
    return invoice.env["invoice.dispute"].create({**vals, "statement": "None of this was needed."})


def read_walkthrough(dispute):
    """Read the Walkthrough tab of ``dispute`` as the web client does."""
    return dispute.web_read(WALKTHROUGH_SPEC)


def by_class(node, css_class, tag="*"):
    """Elements under ``node`` carrying ``css_class`` (lxml's cssselect is not installed)."""
    return node.xpath(f".//{tag}[contains(concat(' ', normalize-space(@class), ' '), ' {css_class} ')]")


def text(node):
    return " ".join(node.text_content().split())


@tagged("post_install", "-at_install")
class TestDisputePack(DisputeCase):
    """The dispute pack, rendered as HTML: what it holds, and only that. Three disputes, as
    the demo has them: one resolved after a call with a partial concession, one waiting for
    its call, one with its proposal accepted."""

    def setUp(self):
        super().setUp()
        self.resolved = self._resolved_dispute()
        self.in_call = self._open_dispute(self._invoice(self._job(self.capacitor_product)))
        self.in_call.stage_id = self.env.ref("field_service_evidence.dispute_stage_call")
        self.proposal = self._open_dispute(
            self._invoice(self._job(self.capacitor_product, self.labour_product, approval="after"))
        )
        self.proposal.stage_id = self.env.ref("field_service_evidence.dispute_stage_proposal")
        self.proposal.action_accept_recommendation()

    def _render(self, disputes):
        content, report_format = self.env["ir.actions.report"]._render_qweb_html(PACK, disputes.ids)
        self.assertEqual(report_format, "html")
        return html.fromstring(content)

    def _evidence_line_ids(self, doc):
        return {int(row.get("data-line-id")) for row in by_class(doc, "o_service_evidence", "tr")}

    def test_pack_holds_summary_evidence_of_disputed_lines_service_record_calls_and_resolution(self):
        dispute = self.resolved
        doc = self._render(dispute)
        disputed = dispute.line_ids.move_line_id
        invoice_lines = dispute.invoice_id.invoice_line_ids.filtered(
            lambda line: line.display_type == "product"
        )
        self.assertEqual((len(invoice_lines), len(disputed)), (3, 2), "the dispute leaves a line undisputed")

        # The summary: reference, statement, one row per disputed line with its script.
        [summary] = by_class(doc, "o_dispute_pack_summary")
        self.assertIn(dispute.name, text(summary))
        self.assertIn("still warm the next morning", text(by_class(summary, "o_dispute_statement")[0]))
        self.assertEqual(
            {int(row.get("data-move-line-id")) for row in by_class(summary, "o_dispute_line", "tr")},
            set(disputed.ids),
        )
        scripts = " ".join(text(node) for node in by_class(summary, "o_dispute_walkthrough"))
        self.assertIn("You approved this by phone", scripts)

        # The invoice, with the evidence of the disputed lines and of no other.
        self.assertEqual(self._evidence_line_ids(doc), set(disputed.ids))
        for line in disputed:
            [row] = doc.xpath(f"//tr[contains(@class, 'o_service_evidence')][@data-line-id='{line.id}']")
            self.assertIn("Approval:", text(row))
            self.assertIn(line.service_justification.split(":")[0], text(row))

        # The service record of the job.
        task = disputed.service_task_id
        [record] = by_class(doc, "o_service_record")
        self.assertIn(task.name, text(record))
        self.assertIn(task.service_diagnosis[:40], text(record))
        self.assertEqual(
            {int(row.get("data-reading-id")) for row in by_class(record, "o_service_reading", "tr")},
            set(task.reading_ids.ids),
        )

        # The call log and the resolution.
        [calls] = by_class(summary, "o_dispute_calls", "table")
        self.assertIn("dial was left on heat", text(calls))
        [resolution] = by_class(summary, "o_dispute_resolution")
        self.assertIn("Partial concession", text(resolution))
        self.assertIn(dispute.root_cause_id.name, text(resolution))
        self.assertIn("measure the outlet temperature", text(resolution))

    def test_pack_of_an_open_dispute_says_what_is_missing(self):
        doc = self._render(self.in_call)
        [summary] = by_class(doc, "o_dispute_pack_summary")
        self.assertIn("No call logged yet.", text(summary))
        self.assertFalse(by_class(summary, "o_dispute_calls"))
        self.assertFalse(by_class(summary, "o_dispute_resolution"))
        self.assertEqual(self._evidence_line_ids(doc), set(self.in_call.line_ids.move_line_id.ids))

    def test_pack_of_several_disputes_keeps_each_to_its_lines(self):
        disputes = self.in_call | self.proposal | self.resolved
        doc = self._render(disputes)
        self.assertEqual(len(by_class(doc, "o_dispute_pack_summary")), 3)
        self.assertEqual(len(by_class(doc, "o_service_record")), 3)
        self.assertEqual(self._evidence_line_ids(doc), set(disputes.line_ids.move_line_id.ids))

    def test_send_pack_opens_the_composer_with_the_customer_pack_attached(self):
        dispute = self.resolved
        action = dispute.action_send_pack()
        self.assertEqual(action["res_model"], "mail.compose.message")
        self.assertEqual(action["target"], "new")
        template = self.env["mail.template"].browse(action["context"]["default_template_id"])
        self.assertEqual(template, self.env.ref("field_service_evidence.mail_template_dispute_pack"))
        self.assertEqual(template.report_template_ids, self.env.ref(CUSTOMER_PACK))

        composer = self.env["mail.compose.message"].with_context(**action["context"]).create({})
        self.assertEqual(composer.template_id, template)
        self.assertIn(dispute.name, composer.subject)
        self.assertEqual(composer.partner_ids, dispute.partner_id)
        composer._action_send_mail()
        message = dispute.message_ids[0]
        self.assertEqual(message.partner_ids, dispute.partner_id)
        # "Dispute pack - DSP-2026-0003.pdf"; in test mode the report renders as HTML.
        [attachment] = message.attachment_ids
        self.assertTrue(attachment.name.startswith(f"Dispute pack - {dispute.name.replace('/', '-')}."))
        sent = text(html.fromstring(attachment.raw))
        self.assertIn("still warm the next morning", sent, "the customer's statement")
        self.assertIn(dispute.invoice_id.name, sent)
        for internal in (
            "dial was left on heat",
            dispute.root_cause_id.name,
            "measure the outlet temperature",
        ):
            self.assertNotIn(internal, sent, "the call notes, root cause and resolution note stay internal")


@tagged("post_install", "-at_install")
class TestWalkthroughQueries(FieldServiceCase):
    """The Walkthrough tab reads a bounded number of queries, whatever the number of lines."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.office_user = new_test_user(
            cls.env,
            "fse_dispute_office",
            groups="base.group_user,account.group_account_invoice,field_service_evidence.group_dispute_user",
            name="Olive Office",
        )

    def _walkthrough_queries(self, n_lines):
        """Queries to read the Walkthrough tab of a dispute of ``n_lines`` lines, as an office
        user from a cold record cache."""
        dispute = open_dispute(create_invoiced_job(self.env, n_lines)).with_user(self.office_user)
        self.env.flush_all()
        self.env.invalidate_all()
        start = self.env.cr.sql_log_count
        values = read_walkthrough(dispute)
        queries = self.env.cr.sql_log_count - start
        self.assertEqual(len(values[0]["line_ids"]), n_lines)
        self.assertTrue(all(line["walkthrough"] for line in values[0]["line_ids"]))
        return queries

    def test_walkthrough_query_count_does_not_grow_with_lines(self):
        self._walkthrough_queries(2)  # warm the caches of views, access rights, translations
        self.assertEqual(self._walkthrough_queries(2), self._walkthrough_queries(20))
