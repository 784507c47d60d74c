"""The money path as each user reaches it: over XML-RPC as the dispute clerk, the accountant and
the manager, and from committed cursors for what two requests do at once. Each test names the
defect of issue 9 it guards against."""

import json
import xmlrpc.client
from datetime import timedelta

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.exceptions import UserError, ValidationError
from odoo.service.model import retrying
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from .test_concession import ConcessionCase


class ConcessionRpcCase(ConcessionCase, HttpCase):
    """The concession fixtures, driven over XML-RPC as the users would drive them."""

    def rpc(self, user, model, method, *args, **kwargs):
        proxy = xmlrpc.client.ServerProxy(f"{self.base_url()}/xmlrpc/2/object")
        # Command values are enums: sent as the plain numbers a client sends
        args, kwargs = json.loads(json.dumps([args, kwargs]))
        # the server shares the test's transaction: it sees what the test wrote, and the test
        # then reads what the server wrote
        self.env.flush_all()
        try:
            return proxy.execute_kw(self.env.cr.dbname, user.id, user.login, model, method, args, kwargs)
        finally:
            self.env.invalidate_all()

    def assertFault(self, regex, user, model, method, *args, **kwargs):
        with self.assertRaisesRegex(xmlrpc.client.Fault, regex):
            self.rpc(user, model, method, *args, **kwargs)

    def _rpc_concession(self, user, dispute, lines=None, **vals):
        """A concession created over XML-RPC, prefilled as the form prefills it unless ``lines``
        (dispute line, amount) are given."""
        lines = lines or [(line, line.conceded_amount) for line in dispute.line_ids]
        concession_id = self.rpc(
            user,
            "invoice.dispute.concession",
            "create",
            {
                "dispute_id": dispute.id,
                "line_ids": [
                    Command.create({"dispute_line_id": line.id, "amount": amount}) for line, amount in lines
                ],
                **vals,
            },
        )
        return self.env["invoice.dispute.concession"].browse(concession_id)

    def _credit_notes(self, invoice):
        return self.env["account.move"].search(
            [("reversed_entry_id", "=", invoice.id), ("move_type", "=", "out_refund")]
        )


@tagged("post_install", "-at_install")
class TestConcessionDocumentOverRpc(ConcessionRpcCase):
    def test_1_a_dispute_with_a_posted_concession_cannot_be_cancelled_nor_conceded_twice(self):
        invoice = self._invoice()
        dispute = self._dispute(invoice, [200.00])
        concession = self._rpc_concession(self.accountant, dispute)
        self.assertIs(
            self.rpc(self.accountant, "invoice.dispute.concession", "action_post", [concession.id]), True
        )
        self.assertEqual(invoice.amount_residual, 410.50)

        # the clerk cannot cancel the dispute, by the button or the kanban
        cancelled = self.env.ref("field_service_evidence.dispute_stage_cancelled")
        self.assertFault(
            "has a posted concession", self.clerk, "invoice.dispute", "action_cancel", [dispute.id]
        )
        self.assertFault(
            "has a posted concession",
            self.clerk,
            "invoice.dispute",
            "write",
            [dispute.id],
            {"stage_id": cancelled.id},
        )
        # the state of the concession is not the clerk's to write, nor the accountant's
        self.assertFault(
            ".", self.clerk, "invoice.dispute.concession", "write", [concession.id], {"state": "draft"}
        )
        self.assertFault(
            "change only through its buttons",
            self.accountant,
            "invoice.dispute.concession",
            "write",
            [concession.id],
            {"state": "draft"},
        )
        # a second concession on the dispute is refused
        second = self._rpc_concession(self.accountant, dispute)
        self.assertFault(
            "already has a concession",
            self.accountant,
            "invoice.dispute.concession",
            "action_post",
            [second.id],
        )

        self.assertEqual(dispute.stage_id, self.stage_proposal)
        self.assertEqual(concession.state, "posted")
        self.assertEqual(len(self._credit_notes(invoice)), 1)
        self.assertEqual(invoice.amount_residual, 410.50)

    def test_2_a_concession_concedes_on_its_own_dispute_only(self):
        invoice_x, invoice_y = self._invoice(), self._invoice()
        dispute_x = self._dispute(invoice_x, [50.00])
        dispute_y = self._dispute(invoice_y, [20.00])
        line_y = dispute_y.line_ids

        self.assertFault(
            "is a line of .* not of",
            self.accountant,
            "invoice.dispute.concession",
            "create",
            {
                "dispute_id": dispute_x.id,
                "line_ids": [Command.create({"dispute_line_id": line_y.id, "amount": 440.0})],
            },
        )
        concession = self._rpc_concession(self.accountant, dispute_x)
        self.assertFault(
            "is a line of .* not of",
            self.accountant,
            "invoice.dispute.concession",
            "write",
            [concession.id],
            {"line_ids": [Command.update(concession.line_ids.id, {"dispute_line_id": line_y.id})]},
        )
        self.rpc(self.accountant, "invoice.dispute.concession", "action_post", [concession.id])

        self.assertEqual(line_y.conceded_amount, 20.00)
        self.assertEqual(invoice_y.amount_residual, 610.50)
        self.assertEqual(invoice_x.amount_residual, 560.50)

    def test_3_the_manager_approves_exactly_what_is_posted(self):
        self.accountant.dispute_concession_limit = 100.0
        invoice = self._invoice()
        dispute = self._dispute(invoice, [150.00])
        concession = self._rpc_concession(self.accountant, dispute)
        result = self.rpc(self.accountant, "invoice.dispute.concession", "action_post", [concession.id])
        self.assertEqual(result["tag"], "display_notification")
        self.assertEqual(concession.state, "to_approve")

        # the clerk raises the agreed amount on the dispute: the request does not follow
        self.rpc(
            self.clerk, "invoice.dispute.line", "write", dispute.line_ids.ids, {"conceded_amount": 440.0}
        )
        self.assertIs(
            self.rpc(self.manager, "invoice.dispute.concession", "action_approve", [concession.id]), True
        )

        self.assertEqual(concession.state, "posted")
        self.assertEqual(self._credit_notes(invoice).amount_total, 150.00)
        self.assertEqual(invoice.amount_residual, 460.50)

    def test_3_changing_a_request_sends_it_back_to_draft(self):
        self.accountant.dispute_concession_limit = 100.0
        dispute = self._dispute(self._invoice(), [150.00])
        concession = self._rpc_concession(self.accountant, dispute)
        self.rpc(self.accountant, "invoice.dispute.concession", "action_post", [concession.id])
        self.assertEqual(len(concession.activity_ids), 1)

        self.rpc(
            self.accountant,
            "invoice.dispute.concession",
            "write",
            [concession.id],
            {"line_ids": [Command.update(concession.line_ids.id, {"amount": 440.0})]},
        )

        self.assertEqual(concession.state, "draft")
        self.assertFalse(concession.activity_ids)
        self.assertFault(
            "is not waiting for approval",
            self.manager,
            "invoice.dispute.concession",
            "action_approve",
            [concession.id],
        )
        self.assertFalse(self.env["account.move"].search([("concession_id", "=", concession.id)]))

    def test_3_a_manager_without_invoicing_rights_approves_and_the_accountant_posts(self):
        owner = new_test_user(
            self.env,
            "conc_owner",
            groups="base.group_user,field_service_evidence.group_dispute_manager",
            name="Olive Owner",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.accountant.dispute_concession_limit = 100.0
        invoice = self._invoice()
        dispute = self._dispute(invoice, [150.00])
        dispute.with_user(self.manager).user_id = owner
        concession = self._rpc_concession(self.accountant, dispute)
        self.rpc(self.accountant, "invoice.dispute.concession", "action_post", [concession.id])
        self.assertEqual(concession.activity_ids.user_id, owner)

        self.assertIs(self.rpc(owner, "invoice.dispute.concession", "action_approve", [concession.id]), True)

        self.assertRecordValues(concession, [{"state": "approved", "approved_by_id": owner.id}])
        self.assertEqual(concession.activity_ids.user_id, self.accountant)
        self.assertEqual(concession.activity_ids.summary, f"Post the approved concession {concession.name}")
        self.assertIs(
            self.rpc(self.accountant, "invoice.dispute.concession", "action_post", [concession.id]), True
        )
        self.assertEqual(concession.state, "posted")
        self.assertEqual(invoice.amount_residual, 460.50)

    def test_4_a_dispute_cannot_move_to_another_customers_invoice(self):
        invoice = self._invoice()
        other = self._invoice(partner=self.partner_b)
        dispute = self._dispute(invoice, [50.00])

        self.assertFault(
            "cannot move to another invoice",
            self.clerk,
            "invoice.dispute",
            "write",
            [dispute.id],
            {"invoice_id": other.id},
        )

        self.assertEqual(dispute.invoice_id, invoice)
        self.assertEqual(dispute.partner_id, self.partner_a)

    def test_6_a_cancelled_dispute_does_not_reopen_onto_a_line_disputed_elsewhere(self):
        invoice = self._invoice()
        first = self._dispute(invoice, [0.0], stage=self.stage_review)
        self.assertIs(self.rpc(self.clerk, "invoice.dispute", "action_cancel", [first.id]), True)
        second = self._dispute(invoice, [0.0], stage=self.stage_review)

        self.assertFault("already disputed", self.clerk, "invoice.dispute", "action_reopen", [first.id])
        self.assertFault(
            "already disputed",
            self.clerk,
            "invoice.dispute",
            "write",
            [first.id],
            {"stage_id": self.stage_review.id},
        )
        self.assertTrue(first.stage_id.is_cancel)
        self.assertFalse(second.stage_id.is_cancel)

    def test_6_a_dispute_with_a_posted_concession_cannot_be_deleted(self):
        dispute = self._dispute(self._invoice(), [50.00])
        concession = self._post(dispute)
        self.assertFault("cannot be deleted", self.manager, "invoice.dispute", "unlink", [dispute.id])
        self.assertTrue(dispute.exists())
        self.assertEqual(concession.move_id.concession_dispute_id, dispute)

    def test_6_closing_several_disputes_keeps_when_each_was_resolved(self):
        resolved = self._dispute(self._invoice(), [0.0])
        resolved.with_user(self.manager).write(
            {"root_cause_id": self.root_cause.id, "no_call_reason": "By letter."}
        )
        resolved.with_user(self.manager).action_resolve()
        last_week = fields.Datetime.now() - timedelta(days=7)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE invoice_dispute SET resolved_date = %s WHERE id = %s", [last_week, resolved.id]
        )
        resolved.invalidate_recordset(["resolved_date"])
        other = self._dispute(self._invoice(), [0.0])
        other.with_user(self.manager).write(
            {"root_cause_id": self.root_cause.id, "no_call_reason": "By letter."}
        )
        done = self.env.ref("field_service_evidence.dispute_stage_resolved")

        self.rpc(
            self.manager,
            "invoice.dispute",
            "write",
            [resolved.id, other.id],
            {"stage_id": done.id, "resolution": "upheld"},
        )

        resolved.invalidate_recordset(["resolved_date"])
        self.assertEqual(resolved.resolved_date, last_week.replace(microsecond=0))
        self.assertTrue(other.resolved_date)
        self.assertNotEqual(other.resolved_date, resolved.resolved_date)

    def test_6_a_resolved_dispute_keeps_its_recommendation(self):
        """A share of 50% on a line without prior approval concedes 305.25 of 610.50; the
        company moves to 80%: the resolved dispute still says 305.25, an open one 488.40."""
        self.company.dispute_let_go_threshold = 0.0
        self.company.dispute_hourly_cost = 0.0
        resolved = self._dispute(self._invoice(), [440.00, 170.50])
        self.assertEqual(resolved.recommended_amount, 305.25)
        resolved.with_user(self.manager).write(
            {"root_cause_id": self.root_cause.id, "no_call_reason": "By letter."}
        )
        self._post(resolved, user=self.manager)
        resolved.with_user(self.manager).action_resolve()
        still_open = self._dispute(self._invoice(), [0.0, 0.0])

        settings = self.env["res.config.settings"].create({"dispute_unapproved_share": 80.0})
        settings.execute()

        self.assertEqual(resolved.recommended_amount, 305.25)
        self.assertEqual(resolved.line_ids.mapped("recommended_concession"), [220.0, 85.25])
        self.assertEqual(resolved.policy["dispute_unapproved_share"], 50.0)
        self.assertEqual(still_open.recommended_amount, 488.40)
        # reopened, it follows the policy of today
        resolved.with_user(self.manager).action_reopen()
        self.assertEqual(resolved.recommended_amount, 488.40)

    def test_6_resolve_refuses_an_agreed_concession_never_posted(self):
        dispute = self._dispute(self._invoice(), [50.00])
        dispute.with_user(self.manager).write(
            {"root_cause_id": self.root_cause.id, "no_call_reason": "By letter."}
        )

        self.assertFault(
            "agreed but never posted", self.clerk, "invoice.dispute", "action_resolve", [dispute.id]
        )
        self.assertFalse(dispute.is_closed)

        # without a concession, agreed at zero: it resolves (the API gets True)
        self.rpc(self.clerk, "invoice.dispute.line", "write", dispute.line_ids.ids, {"conceded_amount": 0.0})
        self.assertIs(self.rpc(self.clerk, "invoice.dispute", "action_resolve", [dispute.id]), True)
        self.assertRecordValues(dispute, [{"is_closed": True, "resolution": "upheld"}])

    def test_9_the_dispute_and_concession_actions_answer_the_api(self):
        self.accountant.dispute_concession_limit = 1000.0
        dispute = self._dispute(self._invoice(), [50.00])
        self.assertIs(
            self.rpc(self.clerk, "invoice.dispute", "action_accept_recommendation", [dispute.id]), True
        )
        concession = self._rpc_concession(self.accountant, dispute)
        self.assertIs(
            self.rpc(self.accountant, "invoice.dispute.concession", "action_post", [concession.id]), True
        )
        self.rpc(
            self.manager,
            "invoice.dispute.concession",
            "write",
            [concession.id],
            {"cancel_reason": "Wrong line."},
        )
        self.assertIs(
            self.rpc(self.manager, "invoice.dispute.concession", "action_cancel", [concession.id]), True
        )
        self.assertEqual(concession.state, "cancelled")
        self.assertTrue(concession.reversal_move_id)


@tagged("post_install", "-at_install")
class TestConcessionConcurrency(TransactionCase):
    """Requests at once, each in its own transaction (REPEATABLE READ, as Odoo runs them). The
    set-up is committed through its own cursors on the database's main company and deleted
    afterwards; the test's own transaction writes nothing, so the committing cursors never wait
    for it. The accountant has a limit of 100.00: above it a concession waits for a manager."""

    def _committed_env(self, cr, uid=None):
        return api.Environment(cr, uid or self.admin_id, {"tracking_disable": True, "mail_notrack": True})

    def setUp(self):
        super().setUp()
        self.admin_id = self.env.ref("base.user_admin").id
        with self.registry.cursor() as cr:
            env = self._committed_env(cr)
            accountant = new_test_user(
                env,
                f"concurrency_{self._testMethodName}",
                groups="base.group_user,account.group_account_invoice",
                name="Concurrency accountant",
            )
            accountant.dispute_concession_limit = 100.0
            tax = env["account.tax"].create(
                {"name": "Concurrency tax 10%", "amount": 10.0, "type_tax_use": "sale"}
            )
            partner = env["res.partner"].create({"name": "Concurrency customer"})
            invoice = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": fields.Date.today(),
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Call-out", "price_unit": 400.0, "tax_ids": [Command.set(tax.ids)]}
                        )
                    ],
                }
            )
            invoice.action_post()
            dispute = env["invoice.dispute"].create(
                {
                    "invoice_id": invoice.id,
                    "line_ids": [
                        Command.create({"move_line_id": invoice.invoice_line_ids.id, "conceded_amount": 50.0})
                    ],
                }
            )
            dispute.stage_id = env.ref("field_service_evidence.dispute_stage_proposal")
            self.committed = {
                "accountant": accountant.id,
                "tax": tax.id,
                "partner": partner.id,
                "invoice": invoice.id,
                "dispute": dispute.id,
                "invoice_line": invoice.invoice_line_ids.id,
            }
        self.addCleanup(self._delete_committed)

    def _delete_committed(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            disputes = env["invoice.dispute"].search([("invoice_id", "=", self.committed["invoice"])])
            concessions = disputes.concession_ids
            moves = concessions.move_id | env["account.move"].browse(self.committed["invoice"])
            moves |= (
                moves.line_ids.matched_debit_ids.exchange_move_id
                | moves.line_ids.matched_credit_ids.exchange_move_id
            )
            env["mail.activity"].search(
                [("res_model", "=", concessions._name), ("res_id", "in", concessions.ids)]
            ).unlink()
            env["mail.message"].search(
                [
                    "|",
                    "|",
                    "&",
                    ("model", "=", "invoice.dispute"),
                    ("res_id", "in", disputes.ids),
                    "&",
                    ("model", "=", concessions._name),
                    ("res_id", "in", concessions.ids),
                    "&",
                    ("model", "=", "account.move"),
                    ("res_id", "in", moves.ids),
                ]
            ).unlink()
            moves.line_ids.remove_move_reconcile()
            moves.button_draft()
            # the concessions are accounting history the ORM keeps: removed under the ORM
            cr.execute("UPDATE account_move SET concession_id = NULL WHERE id IN %s", [tuple(moves.ids)])
            cr.execute(
                "DELETE FROM invoice_dispute_concession WHERE id IN %s", [tuple(concessions.ids or [0])]
            )
            env.invalidate_all()
            disputes.unlink()
            moves.with_context(force_delete=True).unlink()
            env["account.tax"].browse(self.committed["tax"]).unlink()
            env["res.partner"].browse(self.committed["partner"]).unlink()
            env["res.users"].browse(self.committed["accountant"]).unlink()

    def _create_concessions(self, count, amount):
        with self.registry.cursor() as cr:
            env = self._committed_env(cr)
            dispute = env["invoice.dispute"].browse(self.committed["dispute"])
            return (
                env["invoice.dispute.concession"]
                .create(
                    [
                        {
                            "dispute_id": dispute.id,
                            "method": "credit_note",
                            "line_ids": [
                                Command.create({"dispute_line_id": dispute.line_ids.id, "amount": amount})
                            ],
                        }
                    ]
                    * count
                )
                .ids
            )

    @staticmethod
    def _posts(concession_ids):
        """One request per concession, pressing its Post button."""
        return [
            lambda env, concession_id=concession_id: env["invoice.dispute.concession"]
            .browse(concession_id)
            .action_post()
            for concession_id in concession_ids
        ]

    def _count(self, query):
        with self.registry.cursor() as cr:
            cr.execute(query, [self.committed["dispute"]])
            return cr.fetchone()[0]

    def _run_at_once(self, calls):
        """Each call(env) in its own transaction, all of them started (their snapshots taken)
        before the first commits; each then retried as the RPC layer retries. Returns the
        errors they ended with."""
        cursors = [self.registry.cursor() for _call in calls]
        errors = []
        try:
            envs = [self._committed_env(cr, self.committed["accountant"]) for cr in cursors]
            for env in envs:
                env["invoice.dispute"].browse(self.committed["dispute"]).concession_ids.mapped("state")
            for env, call in zip(envs, calls, strict=True):
                try:
                    retrying(lambda env=env, call=call: call(env), env)
                    env.cr.commit()
                except (UserError, ValidationError) as error:
                    env.cr.rollback()
                    errors.append(str(error))
        finally:
            for cr in cursors:
                cr.rollback()
                cr.close()
        return errors

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_two_postings_of_the_same_concession_post_one_entry(self):
        (concession_id,) = self._create_concessions(1, 50.0)
        post = lambda env: env["invoice.dispute.concession"].browse(concession_id).action_post()  # noqa: E731

        errors = self._run_at_once([post, post])

        self.assertEqual(len(errors), 1)
        self.assertIn("is already posted", errors[0])
        self.assertEqual(
            self._count(
                "SELECT count(*) FROM account_move m JOIN invoice_dispute_concession c ON m.concession_id = c.id "
                "WHERE c.dispute_id = %s"
            ),
            1,
        )

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_two_concessions_on_the_same_line_post_one_entry(self):
        ids = self._create_concessions(2, 50.0)
        errors = self._run_at_once(self._posts(ids))

        self.assertEqual(len(errors), 1)
        self.assertIn("already has a concession", errors[0])
        self.assertEqual(
            self._count(
                "SELECT count(*) FROM invoice_dispute_concession WHERE dispute_id = %s AND state = 'posted'"
            ),
            1,
        )

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_ten_approval_requests_at_once_make_one_request(self):
        ids = self._create_concessions(10, 150.0)
        errors = self._run_at_once(self._posts(ids))

        self.assertEqual(len(errors), 9)
        self.assertTrue(all("already has a concession" in error for error in errors), errors)
        self.assertEqual(
            self._count(
                "SELECT count(*) FROM invoice_dispute_concession WHERE dispute_id = %s AND state = 'to_approve'"
            ),
            1,
        )
        self.assertEqual(
            self._count(
                "SELECT count(*) FROM mail_activity a JOIN invoice_dispute_concession c "
                "ON a.res_model = 'invoice.dispute.concession' AND a.res_id = c.id WHERE c.dispute_id = %s"
            ),
            1,
        )
        self.assertEqual(self._count("SELECT count(*) FROM account_move WHERE concession_dispute_id = %s"), 0)

    @mute_logger("odoo.sql_db", "odoo.service.model")
    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_disputes_opened_at_once_are_numbered_without_a_gap(self):
        """Two customers' disputes of lines of one invoice, at once: the one whose transaction is
        retried (both mark the invoice disputed) does not leave a hole in the numbers."""
        with self.registry.cursor() as cr:
            env = self._committed_env(cr)
            dispute = env["invoice.dispute"].browse(self.committed["dispute"])
            dispute.stage_id = env.ref("field_service_evidence.dispute_stage_cancelled")
            invoice = env["account.move"].browse(self.committed["invoice"])
            invoice.button_draft()
            invoice.write(
                {"invoice_line_ids": [Command.create({"name": "Coil cleaning", "price_unit": 90.0})]}
            )
            invoice.action_post()
            line_ids = invoice.invoice_line_ids.ids
            last = int(dispute.name[-4:])

        def open_dispute(line_id):
            def call(env):
                env(user=self.admin_id)["invoice.dispute"].create(
                    {
                        "invoice_id": self.committed["invoice"],
                        "line_ids": [Command.create({"move_line_id": line_id})],
                    }
                )

            return call

        self.assertEqual(self._run_at_once([open_dispute(line_id) for line_id in line_ids]), [])
        with self.registry.cursor() as cr:
            names = (
                api.Environment(cr, SUPERUSER_ID, {})["invoice.dispute"]
                .search(
                    [("invoice_id", "=", self.committed["invoice"]), ("id", "!=", self.committed["dispute"])]
                )
                .mapped("name")
            )
        self.assertEqual(sorted(int(name[-4:]) for name in names), [last + 1, last + 2])

    def test_two_disputes_of_the_same_line_at_once_make_one(self):
        with self.registry.cursor() as cr:
            env = self._committed_env(cr)
            env["invoice.dispute"].browse(self.committed["dispute"]).stage_id = env.ref(
                "field_service_evidence.dispute_stage_cancelled"
            )

        def open_dispute(env):
            env = env(user=self.admin_id)
            env["invoice.dispute"].create(
                {
                    "invoice_id": self.committed["invoice"],
                    "line_ids": [Command.create({"move_line_id": self.committed["invoice_line"]})],
                }
            )

        errors = self._run_at_once([open_dispute, open_dispute])

        self.assertEqual(len(errors), 1)
        self.assertIn("disputed once at a time", errors[0])
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT count(*) FROM invoice_dispute_line WHERE move_line_id = %s AND NOT dispute_cancelled",
                [self.committed["invoice_line"]],
            )
            self.assertEqual(cr.fetchone()[0], 1)
