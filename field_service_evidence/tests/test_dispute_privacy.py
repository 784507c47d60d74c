"""The negotiation of a dispute stays inside the company (issue 9, defect 5): what the
policy recommends, the chance of losing, the call notes, the root cause and the resolution
note are read by internal users only, whatever door the customer knocks at, and the pack
e-mailed to the customer holds none of them."""

import base64
import xmlrpc.client
from html import unescape

from lxml import html

from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged

from .common import FieldServiceCase
from .invoice_fixtures import create_invoiced_job, post_agreed_concession
from .test_dispute_pack import CUSTOMER_PACK, PACK, by_class, text

STATEMENT = "Two capacitors in one visit? The unit was only a year old."
CALL_NOTES = "She will settle for the labour: do not offer more than that."
RESOLUTION_NOTE = "Have the technician explain on site why a second part is needed."
PORTAL_LOGIN = "fse_privacy_portal"

# What the defect showed a portal user, and the rest of the negotiation.
INTERNAL_DISPUTE_FIELDS = [
    "recommendation",
    "recommendation_reason",
    "chance_of_losing",
    "recommended_amount",
    "let_go",
    "unapproved_line_count",
    "call_ids",
    "call_count",
    "no_call_reason",
    "root_cause_id",
    "resolution_note",
    "technician_id",
]
INTERNAL_LINE_FIELDS = ["recommended_concession", "recommendation_reason", "walkthrough"]
# What the customer's portal pages show them.
PUBLIC_DISPUTE_FIELDS = ["name", "invoice_id", "stage_id", "statement", "disputed_amount", "conceded_amount"]
PUBLIC_LINE_FIELDS = ["name", "disputed_amount", "customer_reason", "conceded_amount", "outcome"]


def create_negotiated_dispute(env, resolve=True):
    """A dispute of a two-line invoice with all of its negotiation: a recommendation, a call
    with notes, a concession on the second line, a root cause and a resolution note;
    resolved unless ``resolve`` is false (then it waits in the Customer call stage)."""
    invoice = create_invoiced_job(env, 2, readings_per_item=1)
    lines = invoice.invoice_line_ids.filtered(lambda line: line.display_type == "product")
    dispute = env["invoice.dispute"].create({**invoice._prepare_dispute_vals(lines), "statement": STATEMENT})
    env["invoice.dispute.call"].create(
        {"dispute_id": dispute.id, "duration": 12, "outcome": "agreed", "notes": CALL_NOTES}
    )
    dispute.action_accept_recommendation()
    second = dispute.line_ids.sorted("sequence")[1]
    second.conceded_amount = dispute.currency_id.round(second.disputed_amount / 2)
    dispute.write(
        {
            "root_cause_id": env.ref("field_service_evidence.root_cause_price_not_explained").id,
            "resolution_note": RESOLUTION_NOTE,
        }
    )
    if resolve:
        post_agreed_concession(dispute)
        dispute.action_resolve()
    else:
        dispute.stage_id = env.ref("field_service_evidence.dispute_stage_call")
    return dispute


@tagged("post_install", "-at_install")
class TestDisputePrivacyRpc(FieldServiceCase, HttpCase):
    """A portal user reading their own company's dispute through the ORM, as any RPC client
    can: the negotiation is refused, or left out when no field is named."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dispute = create_negotiated_dispute(cls.env)
        cls.portal_user = new_test_user(
            cls.env,
            PORTAL_LOGIN,
            groups="base.group_portal",
            partner_id=cls.dispute.partner_id.id,
            email="privacy@example.com",
        )

    def setUp(self):
        super().setUp()
        self.authenticate(PORTAL_LOGIN, PORTAL_LOGIN)

    def _call_kw(self, model, method, args, **kwargs):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw", {"model": model, "method": method, "args": args, "kwargs": kwargs}
        )

    def _xmlrpc(self, model, method, args, **kwargs):
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, self.portal_user.id, PORTAL_LOGIN, model, method, args, kwargs
        )

    def _refused_calls(self, model, records, field):
        """The JSON-RPC calls a client reads ``field`` of ``records`` with; for a stored
        column, also a search and a grouping on it, which disclose its values as well."""
        calls = {
            "read": lambda: self._call_kw(model, "read", [records.ids, [field]]),
            "search_read": lambda: self._call_kw(
                model, "search_read", [[("id", "in", records.ids)]], fields=[field]
            ),
            "web_read": lambda: self._call_kw(model, "web_read", [records.ids], specification={field: {}}),
            "web_search_read": lambda: self._call_kw(
                model, "web_search_read", [[("id", "in", records.ids)]], specification={field: {}}
            ),
        }
        definition = self.env[model]._fields[field]
        if definition.store and definition.column_type:
            calls["search on it"] = lambda: self._call_kw(model, "search", [[(field, "!=", False)]])
            calls["read_group by it"] = lambda: self._call_kw(
                model, "read_group", [[], ["__count"], [field]], lazy=False
            )
        return calls

    def assertJsonRpcRefused(self, call, what):
        with self.assertRaises(JsonRpcException, msg=what) as caught:
            call()
        self.assertEqual(str(caught.exception), "odoo.exceptions.AccessError", what)

    def assertXmlRpcRefused(self, model, records, field):
        with self.assertRaises(xmlrpc.client.Fault) as caught:
            self._xmlrpc(model, "read", [records.ids], fields=[field])
        self.assertEqual(caught.exception.faultCode, 4, "an access error")
        self.assertIn(field, caught.exception.faultString)

    # JSON-RPC -----------------------------------------------------------------

    def test_json_rpc_refuses_the_negotiation_of_a_dispute(self):
        for field in INTERNAL_DISPUTE_FIELDS:
            for method, call in self._refused_calls("invoice.dispute", self.dispute, field).items():
                with self.subTest(field=field, method=method):
                    self.assertJsonRpcRefused(call, f"{method} {field}")

    def test_json_rpc_refuses_the_negotiation_of_a_disputed_line(self):
        for field in INTERNAL_LINE_FIELDS:
            for method, call in self._refused_calls(
                "invoice.dispute.line", self.dispute.line_ids, field
            ).items():
                with self.subTest(field=field, method=method):
                    self.assertJsonRpcRefused(call, f"{method} {field}")

    def test_json_rpc_reads_the_public_fields(self):
        [dispute] = self._call_kw("invoice.dispute", "read", [self.dispute.ids, PUBLIC_DISPUTE_FIELDS])
        self.assertEqual(dispute["statement"], STATEMENT)
        self.assertEqual(dispute["disputed_amount"], self.dispute.disputed_amount)
        self.assertEqual(dispute["conceded_amount"], self.dispute.conceded_amount)
        self.assertGreater(dispute["conceded_amount"], 0)
        lines = self._call_kw("invoice.dispute.line", "read", [self.dispute.line_ids.ids, PUBLIC_LINE_FIELDS])
        self.assertEqual(
            sorted(line["disputed_amount"] for line in lines),
            sorted(self.dispute.line_ids.mapped("disputed_amount")),
        )

    def test_json_rpc_read_of_all_fields_leaves_out_the_negotiation(self):
        for model, records, internal in (
            ("invoice.dispute", self.dispute, INTERNAL_DISPUTE_FIELDS),
            ("invoice.dispute.line", self.dispute.line_ids, INTERNAL_LINE_FIELDS),
        ):
            with self.subTest(model=model):
                values = self._call_kw(model, "read", [records.ids])
                self.assertEqual(len(values), len(records))
                self.assertIn("disputed_amount", values[0])
                self.assertFalse(set(internal) & set(values[0]))
                values = self._call_kw(model, "search_read", [[("id", "in", records.ids)]])
                self.assertFalse(set(internal) & set(values[0]))
                # what the web client builds its views from
                self.assertFalse(set(internal) & set(self._call_kw(model, "fields_get", [])))

    # XML-RPC ------------------------------------------------------------------

    def test_xml_rpc_refuses_the_negotiation(self):
        for model, records, internal in (
            ("invoice.dispute", self.dispute, INTERNAL_DISPUTE_FIELDS),
            ("invoice.dispute.line", self.dispute.line_ids, INTERNAL_LINE_FIELDS),
        ):
            for field in internal:
                with self.subTest(model=model, field=field):
                    self.assertXmlRpcRefused(model, records, field)

    def test_xml_rpc_reads_the_public_fields_and_all_fields_without_the_negotiation(self):
        [dispute] = self._xmlrpc("invoice.dispute", "read", [self.dispute.ids], fields=PUBLIC_DISPUTE_FIELDS)
        self.assertEqual(dispute["statement"], STATEMENT)
        self.assertEqual(dispute["disputed_amount"], self.dispute.disputed_amount)
        [everything] = self._xmlrpc("invoice.dispute", "read", [self.dispute.ids])
        self.assertEqual(everything["conceded_amount"], self.dispute.conceded_amount)
        self.assertFalse(set(INTERNAL_DISPUTE_FIELDS) & set(everything))
        lines = self._xmlrpc("invoice.dispute.line", "read", [self.dispute.line_ids.ids])
        self.assertEqual(len(lines), 2)
        self.assertFalse(set(INTERNAL_LINE_FIELDS) & set(lines[0]))

    # The portal ----------------------------------------------------------------

    def test_portal_pages_still_show_the_dispute_and_its_amounts(self):
        for url in ("/my/disputes", self.dispute.access_url):
            with self.subTest(url=url):
                response = self.url_open(url, allow_redirects=False)
                self.assertEqual(response.status_code, 200)
                page = unescape(response.text)
                self.assertIn(self.dispute.name, page)
                self.assertIn(f"{self.dispute.disputed_amount:,.2f}", page)
        page = unescape(self.url_open(self.dispute.access_url).text)
        self.assertIn(STATEMENT, page)
        self.assertIn(f"{self.dispute.line_ids[:1].disputed_amount:,.2f}", page, "a line's disputed amount")
        self.assertIn(f"{self.dispute.conceded_amount:,.2f}", page)
        for secret in (self.dispute.recommendation_reason, CALL_NOTES, RESOLUTION_NOTE):
            self.assertNotIn(secret, page)


@tagged("post_install", "-at_install")
class TestCustomerDisputePack(FieldServiceCase):
    """The pack the customer is e-mailed: the dispute, its evidence and its decision, without
    the negotiation; internal users keep the full pack."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dispute = create_negotiated_dispute(cls.env)
        cls.in_call = create_negotiated_dispute(cls.env, resolve=False)

    def _render(self, report, disputes):
        content, _format = self.env["ir.actions.report"]._render_qweb_html(report, disputes.ids)
        return html.fromstring(content)

    def _secrets(self, dispute):
        """The negotiation of ``dispute``, as the full pack prints it (spaces as text() reads them)."""
        secrets = {
            "recommendation": dispute.recommendation_reason,
            "call notes": CALL_NOTES,
            "root cause": dispute.root_cause_id.name,
            "resolution note": RESOLUTION_NOTE,
            "walkthrough script": dispute.line_ids[:1].walkthrough,
        }
        return {what: " ".join(secret.split()) for what, secret in secrets.items()}

    def test_customer_pack_holds_no_negotiation(self):
        dispute = self.dispute
        self.assertTrue(dispute.recommendation_reason and dispute.call_ids and dispute.root_cause_id)
        full = text(self._render(PACK, dispute))
        customer_doc = self._render(CUSTOMER_PACK, dispute)
        customer = text(customer_doc)
        for what, secret in self._secrets(dispute).items():
            with self.subTest(what):
                self.assertIn(secret, full, "the full pack prints it")
                self.assertNotIn(secret, customer)
        [summary] = by_class(customer_doc, "o_dispute_pack_summary")
        self.assertNotIn("Recommended", text(summary))
        self.assertFalse(by_class(customer_doc, "o_dispute_walkthrough"))
        self.assertFalse(by_class(customer_doc, "o_dispute_calls"))

        # What the customer does get: the statement, each disputed line, the decision, the evidence.
        self.assertIn(STATEMENT, customer)
        self.assertEqual(
            {int(row.get("data-move-line-id")) for row in by_class(summary, "o_dispute_line", "tr")},
            set(dispute.line_ids.move_line_id.ids),
        )
        [resolution] = by_class(summary, "o_dispute_resolution")
        self.assertIn("Partial concession", text(resolution))
        self.assertEqual(len(by_class(customer_doc, "o_service_evidence", "tr")), 2)
        self.assertEqual(len(by_class(customer_doc, "o_service_record")), 1)
        self.assertIn("Resolved", text(by_class(summary, "o_dispute_status")[0]))

    def test_customer_pack_of_an_open_dispute_says_open_not_the_internal_stage(self):
        dispute = self.in_call
        stage = self.env.ref("field_service_evidence.dispute_stage_call").name
        self.assertIn(stage, text(self._render(PACK, dispute)))
        customer_doc = self._render(CUSTOMER_PACK, dispute)
        customer = text(customer_doc)
        self.assertNotIn(stage, customer)
        self.assertEqual(text(by_class(customer_doc, "o_dispute_status")[0]), "Status Open")
        for what, secret in self._secrets(dispute).items():
            with self.subTest(what):
                self.assertNotIn(secret, customer)

    def test_pack_of_several_disputes_keeps_each_customer_version(self):
        disputes = self.dispute | self.in_call
        doc = self._render(CUSTOMER_PACK, disputes)
        self.assertEqual(len(by_class(doc, "o_dispute_pack_summary")), 2)
        self.assertEqual(len(by_class(doc, "o_dispute_status")), 2)
        self.assertNotIn(CALL_NOTES, text(doc))

    def test_mail_template_attaches_the_customer_version(self):
        template = self.env.ref("field_service_evidence.mail_template_dispute_pack")
        self.assertEqual(template.report_template_ids, self.env.ref(CUSTOMER_PACK))
        [(name, content)] = template._generate_template(self.dispute.ids, ["report_template_ids"])[
            self.dispute.id
        ]["attachments"]
        self.assertTrue(name.startswith(f"Dispute pack - {self.dispute.name.replace('/', '-')}."))
        # in test mode the report renders as HTML
        attached = text(html.fromstring(base64.b64decode(content)))
        self.assertIn(STATEMENT, attached)
        for what, secret in self._secrets(self.dispute).items():
            with self.subTest(what):
                self.assertNotIn(secret, attached)

    def test_update_swaps_the_full_pack_of_an_older_install_for_the_customer_version(self):
        """The template is noupdate: an older database keeps the full pack attached until the
        update swaps it; a template its users changed otherwise is left alone."""
        template = self.env.ref("field_service_evidence.mail_template_dispute_pack")
        full, customer = self.env.ref(PACK), self.env.ref(CUSTOMER_PACK)
        template.report_template_ids = full  # as the first version installed it
        self.env["ir.actions.report"]._mail_customer_dispute_pack()
        self.assertEqual(template.report_template_ids, customer)

        template.report_template_ids = False  # a user who e-mails no attachment
        self.env["ir.actions.report"]._mail_customer_dispute_pack()
        self.assertFalse(template.report_template_ids)
