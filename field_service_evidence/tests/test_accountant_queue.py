"""Issue 10, the accountant's day: a user with Invoicing rights only (``bookkeeper``) finds the
disputes and the concessions to post from the Invoicing menu, sees only the buttons they can use,
and is given one to-do per concession ready to post. And the invoice's Evidence tab tells
before-work from after-work approvals, with what each reading measured."""

import json

from freezegun import freeze_time
from lxml import etree

from odoo import Command
from odoo.tests import HttpCase, tagged
from odoo.tools.safe_eval import safe_eval

from .common import FieldServiceCase
from .test_concession_integrity import ConcessionRpcCase

TODO_TYPE = "field_service_evidence.mail_activity_type_concession_to_post"
QUEUE_MENU = "field_service_evidence.menu_concessions_to_post"


class AccountantCase(ConcessionRpcCase):
    """The bookkeeper in the web client: their menus, actions and views, as the server sends them;
    an owner who approves concessions without keeping the books."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.owner = cls._create_user(
            "queue_owner", "base.group_user,field_service_evidence.group_dispute_manager", "Olive Owner"
        )

    def _approved_concession(self, dispute):
        """Above the bookkeeper's limit of 100.00, approved by the owner, who cannot post it."""
        self.bookkeeper.dispute_concession_limit = 100.0
        concession = self._rpc_concession(self.bookkeeper, dispute)
        self.rpc(self.bookkeeper, "invoice.dispute.concession", "action_post", [concession.id])
        self.rpc(self.owner, "invoice.dispute.concession", "action_approve", [concession.id])
        self.assertEqual(concession.state, "approved")
        return concession

    def web_client(self, user):
        self.authenticate(user.login, user.login)

    def call_kw(self, model, method, *args, **kwargs):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def menus(self):
        """The menus the web client loads for the logged-in user, by XML id."""
        response = self.url_open("/web/webclient/load_menus/x")
        response.raise_for_status()
        return {menu["xmlid"]: menu for menu in json.loads(response.content).values() if menu.get("xmlid")}

    def menu_action(self, menu):
        """The window action of a menu, as the web client loads it when the menu is clicked."""
        return self.make_jsonrpc_request("/web/action/load", {"action_id": menu["actionID"]})

    def arch(self, model, view_type, view_id=False):
        views = self.call_kw(model, "get_views", [[view_id, view_type]])
        return etree.fromstring(views["views"][view_type]["arch"])

    def todos(self, dispute):
        """The dispute's to-dos to post its concession, whoever they are for."""
        return (
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("res_model", "=", dispute._name),
                    ("res_id", "=", dispute.id),
                    ("activity_type_id", "=", self.env.ref(TODO_TYPE).id),
                ]
            )
        )


@tagged("post_install", "-at_install")
class TestAccountantQueue(AccountantCase):
    def test_the_invoicing_user_reaches_disputes_and_the_queue_from_the_menu(self):
        ready = self._dispute(self._invoice(), [150.00])
        self._dispute(self._invoice(), [150.00], stage=self.stage_review)  # not agreed yet
        self._dispute(self._invoice(), [0.0])  # nothing conceded
        approved = self._dispute(self._invoice(), [300.00])
        self._approved_concession(approved)

        self.web_client(self.bookkeeper)
        menus = self.menus()

        self.assertIn("field_service_evidence.menu_dispute_disputes", menus, "the Disputes menu")
        queue_menu = menus[QUEUE_MENU]
        self.assertEqual(queue_menu["name"], "Concessions to post")
        self.assertIn(
            queue_menu["id"],
            menus["account.menu_finance_receivables"]["children"],
            "under Invoicing > Customers",
        )
        action = self.menu_action(queue_menu)
        found = self.call_kw(
            action["res_model"],
            "search_read",
            safe_eval(action["domain"] or "[]"),
            ["name", "partner_id", "concession_to_post_amount"],
        )
        self.assertEqual(
            sorted((row["name"], row["partner_id"][0], row["concession_to_post_amount"]) for row in found),
            sorted(
                [
                    (ready.name, self.partner_a.id, 150.00),
                    (approved.name, self.partner_a.id, 300.00),
                ]
            ),
        )

        all_disputes = self.menu_action(menus["field_service_evidence.menu_dispute_disputes"])
        disputes = self.call_kw(
            "invoice.dispute", "search_read", safe_eval(all_disputes["domain"] or "[]"), ["name"]
        )
        self.assertEqual(len(disputes), 4, "the Disputes menu lists every dispute, read-only")

    def test_the_invoicing_user_sees_post_concession_not_the_dispute_users_buttons(self):
        self.web_client(self.bookkeeper)

        dispute_form = self.arch("invoice.dispute", "form")
        buttons = set(dispute_form.xpath("//header/button/@name"))
        self.assertIn("action_post_concession", buttons)
        for hidden in ("action_accept_recommendation", "action_resolve", "action_cancel", "action_reopen"):
            self.assertNotIn(hidden, buttons, f"{hidden} is not the accountant's to use")
        self.assertIn(dispute_form.get("edit"), ("false", "False"), "the dispute is read-only for them")

        invoice_form = self.arch("account.move", "form")
        self.assertTrue(
            invoice_form.xpath("//div[@name='button_box']/button[@name='action_open_disputes']"),
            "the invoice's Disputes smart button",
        )
        self.assertFalse(invoice_form.xpath("//header/button[@name='action_open_dispute']"))

        queue = self.arch(
            "invoice.dispute",
            "list",
            self.env.ref("field_service_evidence.invoice_dispute_view_list_concessions_to_post").id,
        )
        self.assertTrue(queue.xpath("//button[@name='action_post_concession']"), "Post, from the queue")

        # a dispute user still has them
        self.web_client(self.clerk)
        buttons = set(self.arch("invoice.dispute", "form").xpath("//header/button/@name"))
        self.assertLessEqual({"action_accept_recommendation", "action_resolve"}, buttons)
        self.assertNotIn("action_post_concession", buttons)

    def test_posting_from_the_queue_posts_the_approved_concession(self):
        invoice = self._invoice()
        dispute = self._dispute(invoice, [300.00])
        concession = self._approved_concession(dispute)

        action = self.rpc(self.bookkeeper, "invoice.dispute", "action_post_concession", [dispute.id])

        self.assertEqual(action["res_model"], "invoice.dispute.concession")
        self.assertEqual(action["res_id"], concession.id, "the approved concession, not a new one")
        self.assertIs(
            self.rpc(self.bookkeeper, "invoice.dispute.concession", "action_post", [concession.id]), True
        )
        self.assertEqual(invoice.amount_residual, 310.50)


@tagged("post_install", "-at_install")
class TestConcessionTodo(AccountantCase):
    """One to-do per dispute whose agreed concession an accountant can post, for one accountant;
    done when the concession is posted."""

    def test_one_todo_for_the_salesperson_done_on_posting(self):
        invoice = self._invoice(invoice_user_id=self.bookkeeper.id)
        dispute = self._dispute(invoice, [150.00], stage=self.stage_review)
        self.assertFalse(self.todos(dispute), "nothing is agreed yet")

        # the dispute user moves it to Proposal, then accepts the recommendation there
        self.rpc(self.clerk, "invoice.dispute", "write", [dispute.id], {"stage_id": self.stage_proposal.id})
        self.rpc(self.clerk, "invoice.dispute", "action_accept_recommendation", [dispute.id])
        self.rpc(
            self.clerk,
            "invoice.dispute",
            "write",
            [dispute.id],
            {
                "line_ids": [
                    Command.update(line.id, {"conceded_amount": 150.0}) for line in dispute.line_ids[:1]
                ]
            },
        )

        todo = self.todos(dispute)
        self.assertEqual(len(todo), 1, "one to-do, not one per accountant nor per change")
        self.assertEqual(todo.user_id, self.bookkeeper, "the invoice's salesperson keeps the books")
        self.assertIn(dispute.name, todo.summary)

        concession = self._rpc_concession(self.bookkeeper, dispute)
        self.rpc(self.bookkeeper, "invoice.dispute.concession", "action_post", [concession.id])

        self.assertEqual(concession.state, "posted")
        self.assertFalse(self.todos(dispute))
        done = dispute.sudo().message_ids.filtered(
            lambda message: message.mail_activity_type_id == self.env.ref(TODO_TYPE)
        )
        self.assertEqual(len(done), 1, "marked done, not deleted")
        self.assertIn(concession.name, done.body)

    def test_the_todo_follows_the_agreement_and_whoever_posts_closes_it(self):
        invoice = self._invoice(invoice_user_id=self.clerk.id)
        dispute = self._dispute(invoice, [150.00])

        todo = self.todos(dispute)
        self.assertEqual(len(todo), 1)
        self.assertNotEqual(todo.user_id, self.clerk, "the salesperson does not keep the books")
        self.assertTrue(todo.user_id.has_group("account.group_account_invoice"))
        self.assertFalse(todo.user_id.share)

        # the agreement is withdrawn, then agreed again
        self.rpc(
            self.clerk,
            "invoice.dispute",
            "write",
            [dispute.id],
            {"line_ids": [Command.update(dispute.line_ids.id, {"conceded_amount": 0.0})]},
        )
        self.assertFalse(self.todos(dispute))
        self.rpc(
            self.clerk,
            "invoice.dispute",
            "write",
            [dispute.id],
            {"line_ids": [Command.update(dispute.line_ids.id, {"conceded_amount": 120.0})]},
        )
        todo = self.todos(dispute)
        self.assertEqual(len(todo), 1)

        # above their limit: it waits for a manager, not for the accountant
        self.bookkeeper.dispute_concession_limit = 100.0
        concession = self._rpc_concession(self.bookkeeper, dispute)
        self.rpc(self.bookkeeper, "invoice.dispute.concession", "action_post", [concession.id])
        self.assertEqual(concession.state, "to_approve")
        self.assertFalse(self.todos(dispute))

        # back to draft: the accountant's again; a colleague posts it
        self.rpc(self.bookkeeper, "invoice.dispute.concession", "action_reset_to_draft", [concession.id])
        self.assertEqual(len(self.todos(dispute)), 1)
        self.rpc(self.accountant, "invoice.dispute.concession", "action_post", [concession.id])
        self.assertEqual(concession.state, "posted")
        self.assertFalse(self.todos(dispute))


@tagged("post_install", "-at_install")
class TestAccountantTour(AccountantCase):
    def test_accountant_queue_tour(self):
        """From the Invoicing menu to a posted concession, by clicks only."""
        invoice = self._invoice(invoice_user_id=self.bookkeeper.id)
        dispute = self._dispute(invoice, [150.00])
        self.assertEqual(invoice.amount_residual, 610.50)

        self.start_tour("/odoo", "fse_accountant_queue_tour", login=self.bookkeeper.login, timeout=120)

        self.assertEqual(dispute.concession_state, "posted")
        self.assertEqual(dispute.concession_id.posted_by_id, self.bookkeeper)
        self.assertEqual(invoice.amount_residual, 460.50)
        self.assertFalse(self.todos(dispute))


class EvidenceTabCase(FieldServiceCase):
    def _evidence_invoice(self):
        """A posted invoice of two jobs, one approved before the work and one after it, each
        line justified by its job's readings, and a line billing no job."""
        before = self._documented_job(complete=False)
        before.work_item_ids.reading_ids = before.reading_ids
        before.action_complete_work()
        after = self._create_task(start_without_approval_reason="emergency")
        reading = self._create_reading(after, self.type_capacitor, 2.0, component="Blower run capacitor")
        item = self._create_item(after, reading_ids=[Command.set(reading.ids)])
        with freeze_time(self.ago(hours=2)):
            after.action_start_work()
            item.action_mark_done()
        self._create_approval(after, item).action_approve()
        after.action_complete_work()
        invoice = self._press_create_invoice(before | after)
        invoice.invoice_line_ids = [Command.create({"name": "Parking permit", "price_unit": 12.0})]
        invoice.with_context(service_unapproved_confirmed=True).action_post()
        return invoice


@tagged("post_install", "-at_install")
class TestEvidenceTabLabels(EvidenceTabCase):
    """The Evidence tab's approval badge and readings column, as the list reads them."""

    def test_badges_tell_before_after_none_and_not_from_a_job(self):
        lines = self._evidence_invoice().service_evidence_line_ids
        labels = dict(
            self.env["account.move.line"].fields_get(["service_approval_badge"])["service_approval_badge"][
                "selection"
            ]
        )
        self.assertEqual(
            [labels[line.service_approval_badge] for line in lines], ["Before", "After", "Not from a job"]
        )
        self.assertEqual(labels["not_approved"], "None")

    def test_readings_show_measured_against_rated(self):
        task = self._documented_job(complete=False)
        self._create_reading(task, self.type_voltage, 238.0)
        self._create_reading(task, self.type_insulation, 0.8)
        task.work_item_ids.reading_ids = task.reading_ids
        task.action_complete_work()
        invoice = self._press_create_invoice(task)

        self.assertEqual(
            invoice.service_evidence_line_ids.service_findings.splitlines(),
            [
                "Before · 2.1 uF vs 5.0 uF rated: out of spec",
                "Before · 238 V vs 216–253 V: in spec",
                "Before · 0.8 MOhm vs min 1.0 MOhm: out of spec",
                "After · 5.0 uF vs 5.0 uF rated: in spec",
            ],
        )


@tagged("post_install", "-at_install")
class TestEvidenceTabOnALaptop(EvidenceTabCase, HttpCase):
    browser_size = "1440x900"

    def test_evidence_tab_reads_in_full(self):
        invoice = self._evidence_invoice()
        self.start_tour(
            f"/odoo/action-account.action_move_out_invoice_type/{invoice.id}",
            "fse_invoice_evidence_readable_tour",
            login="admin",
        )


@tagged("post_install", "-at_install")
class TestEvidenceTabOnATablet(TestEvidenceTabOnALaptop):
    browser_size = "1024x768"
