"""Concessions as real accounting: the partial credit note and the write-off a dispute posts,
checked on the ledger (residuals, taxes, reconciliation, currencies, lock dates, cash basis)."""

from contextlib import contextmanager
from datetime import date

import psycopg2.errors

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.service.model import retrying
from odoo.tests import Form, TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

ACCOUNTANT_GROUPS = "base.group_user,account.group_account_invoice"
DISPUTE_ACCOUNTANT_GROUPS = f"{ACCOUNTANT_GROUPS},field_service_evidence.group_dispute_user"
DISPUTE_CLERK_GROUPS = "base.group_user,field_service_evidence.group_dispute_user"
MANAGER_GROUPS = f"{ACCOUNTANT_GROUPS},field_service_evidence.group_dispute_manager"


class ConcessionCase(AccountTestInvoicingCommon):
    """A company with a 10% and a 20% sales tax booked on a tax account, two products on two
    income accounts, and the people of a dispute: an accountant who is also a dispute user
    (company limit 250.00), a dispute manager who keeps the books, a bookkeeper with invoicing
    rights only, and a dispute clerk without accounting rights.

    The standard invoice: 400.00 + 155.00 with 10% tax = 440.00 + 170.50 = 610.50."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.tax_10 = cls.tax_sale_a.copy({"name": "Sales tax 10%", "amount": 10.0})
        cls.tax_20 = cls.tax_sale_a.copy({"name": "Sales tax 20%", "amount": 20.0})
        cls.tax_account = cls.tax_10.invoice_repartition_line_ids.filtered(
            lambda line: line.repartition_type == "tax"
        ).account_id
        cls.callout_product = cls._create_product(
            name="Emergency call-out", lst_price=400.0, taxes_id=[Command.set(cls.tax_10.ids)]
        )
        cls.valve_product = cls._create_product(
            name="Pressure-reducing valve",
            lst_price=155.0,
            taxes_id=[Command.set(cls.tax_10.ids)],
            property_account_income_id=cls.copy_account(cls.company_data["default_account_revenue"]).id,
        )
        cls.receivable_account = cls.company_data["default_account_receivable"]
        cls.misc_journal = cls.company_data["default_journal_misc"]
        cls.stage_proposal = cls.env.ref("field_service_evidence.dispute_stage_proposal")
        cls.stage_review = cls.env.ref("field_service_evidence.dispute_stage_review")
        cls.root_cause = cls.env.ref("field_service_evidence.root_cause_no_approval")

        users = {}
        for login, name, groups in (
            ("conc_accountant", "Ada Accountant", DISPUTE_ACCOUNTANT_GROUPS),
            ("conc_manager", "Mo Manager", MANAGER_GROUPS),
            ("conc_bookkeeper", "Bea Bookkeeper", ACCOUNTANT_GROUPS),
            ("conc_clerk", "Cy Clerk", DISPUTE_CLERK_GROUPS),
        ):
            users[login] = new_test_user(
                cls.env,
                login,
                groups=groups,
                name=name,
                company_id=cls.company.id,
                company_ids=[Command.set(cls.company.ids)],
            )
        cls.accountant = users["conc_accountant"]
        cls.manager = users["conc_manager"]
        cls.bookkeeper = users["conc_bookkeeper"]
        cls.clerk = users["conc_clerk"]

    # Fixtures -----------------------------------------------------------------

    def _invoice(self, lines=None, partner=None, invoice_date="2019-01-05", **vals):
        """A posted customer invoice; ``lines`` are (product, price) pairs, taxed as the product
        (through the partner's fiscal position)."""
        lines = lines or [(self.callout_product, 400.0), (self.valve_product, 155.0)]
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": (partner or self.partner_a).id,
                "invoice_date": invoice_date,
                "invoice_line_ids": [
                    Command.create({"product_id": product.id, "price_unit": price})
                    for product, price in lines
                ],
                **vals,
            }
        )
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")
        return invoice

    def _dispute(self, invoice, conceded, stage=None):
        """A dispute opened by the manager on ``invoice``: one disputed line per amount in
        ``conceded`` (the agreed concession, taxes included), in the order of the invoice's lines;
        moved to ``stage`` (Proposal)."""
        lines = invoice.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        dispute = (
            self.env["invoice.dispute"]
            .with_user(self.manager)
            .create(
                {
                    "invoice_id": invoice.id,
                    "line_ids": [
                        Command.create({"move_line_id": line.id, "conceded_amount": amount})
                        for line, amount in zip(lines, conceded, strict=False)
                    ],
                }
            )
        )
        dispute.stage_id = stage or self.stage_proposal
        return dispute.with_env(self.env)

    def _concession_form(self, dispute, user=None):
        Concession = self.env["invoice.dispute.concession"].with_user(user or self.accountant)
        return Form(Concession.with_context(default_dispute_id=dispute.id))

    def _post(self, dispute, user=None, method="credit_note", amounts=(), **values):
        """Post the concession through the wizard, as the Post concession button does."""
        wizard_form = self._concession_form(dispute, user)
        wizard_form.method = method
        for name, value in values.items():
            setattr(wizard_form, name, value)
        for index, amount in enumerate(amounts):
            with wizard_form.line_ids.edit(index) as line:
                line.amount = amount
        result = wizard_form.save().action_post()
        dispute.invalidate_recordset()
        return result

    def _pay(self, invoice, amount=None, payment_date=None):
        values = {"payment_date": payment_date or invoice.invoice_date}
        if amount is not None:
            values["amount"] = amount
        register = self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        )
        return register.create(values)._create_payments()

    def _receivable(self, moves):
        return moves.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")

    def _balance(self, account):
        lines = self.env["account.move.line"].search(
            [("account_id", "=", account.id), ("parent_state", "=", "posted")]
        )
        return self.company.currency_id.round(sum(lines.mapped("balance")))

    def _notes(self, record):
        return "\n".join(record.message_ids.mapped("body"))

    @contextmanager
    def assertRefused(self, exception, regex):
        """Fails with ``exception`` matching ``regex``; what it wrote is rolled back, as the
        request's transaction would be."""
        with self.assertRaisesRegex(exception, regex), self.env.cr.savepoint():
            yield

    def assertNothingPosted(self, dispute):
        dispute.invalidate_recordset()
        self.assertEqual(dispute.concession_state, "none")
        self.assertFalse(self.env["account.move"].search([("concession_dispute_id", "=", dispute.id)]))


@tagged("post_install", "-at_install")
class TestConcessionPosting(ConcessionCase):
    def test_credit_note_reduces_residual_by_the_concession_with_its_tax(self):
        invoice = self._invoice()
        self.assertEqual(invoice.amount_residual, 610.50)
        self.assertEqual(self._balance(self.tax_account), -55.50)
        dispute = self._dispute(invoice, [50.00])

        # the wizard is prefilled from the dispute and the company's settings
        wizard_form = self._concession_form(dispute)
        self.assertEqual(wizard_form.method, "credit_note")
        self.assertEqual(wizard_form.amount_total, 50.00)
        self.assertEqual(wizard_form.date, fields.Date.context_today(dispute))
        self._post(dispute)

        credit_note = dispute.concession_move_ids
        self.assertRecordValues(
            credit_note,
            [
                {
                    "move_type": "out_refund",
                    "state": "posted",
                    "reversed_entry_id": invoice.id,
                    "journal_id": invoice.journal_id.id,
                    "partner_id": self.partner_a.id,
                    "amount_untaxed": 45.45,
                    "amount_tax": 4.55,
                    "amount_total": 50.00,
                    "payment_state": "paid",
                    "concession_method": "credit_note",
                    "concession_invoice_id": invoice.id,
                }
            ],
        )
        # same product, account and taxes as the disputed line
        invoice_line = invoice.invoice_line_ids[0]
        self.assertRecordValues(
            credit_note.invoice_line_ids,
            [
                {
                    "product_id": invoice_line.product_id.id,
                    "account_id": invoice_line.account_id.id,
                    "tax_ids": invoice_line.tax_ids.ids,
                    "price_total": 50.00,
                }
            ],
        )
        self.assertEqual(invoice.amount_residual, 560.50)
        self.assertEqual(invoice.payment_state, "partial")
        # the tax is reversed on the refund repartition line: the tax report moves by 4.55
        tax_line = credit_note.line_ids.filtered("tax_line_id")
        self.assertRecordValues(
            tax_line, [{"tax_line_id": self.tax_10.id, "account_id": self.tax_account.id, "balance": 4.55}]
        )
        self.assertEqual(tax_line.tax_repartition_line_id.document_type, "refund")
        self.assertEqual(self._balance(self.tax_account), -50.95)
        # matched with the invoice, partially
        partial = self._receivable(credit_note).matched_debit_ids
        self.assertEqual(partial.debit_move_id, self._receivable(invoice))
        self.assertEqual(partial.amount, 50.00)
        self.assertFalse(self._receivable(invoice).full_reconcile_id)

        self.assertRecordValues(
            dispute,
            [
                {
                    "concession_state": "posted",
                    "concession_method": "credit_note",
                    "concession_date": fields.Date.context_today(dispute),
                    "concession_move_count": 1,
                }
            ],
        )
        self.assertIn(credit_note.name, self._notes(dispute))
        self.assertIn("Partial credit note", self._notes(invoice))

    def test_write_off_reduces_residual_by_the_concession_taxes_unchanged(self):
        invoice = self._invoice()
        dispute = self._dispute(invoice, [50.00])
        self.assertFalse(self.company.dispute_concession_account_id)

        self._post(dispute, method="write_off", journal_id=self.misc_journal)

        # no concessions account was set: posting created the documented default
        account = self.company.dispute_concession_account_id
        self.assertRecordValues(account, [{"name": "Customer concessions", "account_type": "expense"}])
        write_off = dispute.concession_move_ids
        self.assertRecordValues(
            write_off,
            [
                {
                    "move_type": "entry",
                    "state": "posted",
                    "journal_id": self.misc_journal.id,
                    "concession_method": "write_off",
                    "concession_invoice_id": invoice.id,
                }
            ],
        )
        self.assertRecordValues(
            write_off.line_ids.sorted("balance"),
            [
                {
                    "account_id": self.receivable_account.id,
                    "partner_id": self.partner_a.id,
                    "balance": -50.00,
                    "tax_ids": [],
                    "reconciled": True,
                },
                {
                    "account_id": account.id,
                    "partner_id": self.partner_a.id,
                    "balance": 50.00,
                    "tax_ids": [],
                    "reconciled": False,
                },
            ],
        )
        self.assertEqual(invoice.amount_residual, 560.50)
        self.assertEqual(invoice.payment_state, "partial")
        # the tax report does not move: the tax stays due on the whole invoice
        self.assertEqual(self._balance(self.tax_account), -55.50)
        self.assertEqual(self._balance(account), 50.00)
        self.assertEqual(dispute.concession_journal_id, self.misc_journal)
        self.assertEqual(dispute.concession_account_id, account)

    def test_concession_of_the_whole_invoice_settles_it_and_resolves_the_dispute(self):
        invoice = self._invoice()
        dispute = self._dispute(invoice, [440.00, 170.50])
        dispute.with_user(self.manager).write(
            {"root_cause_id": self.root_cause.id, "no_call_reason": "Agreed in writing."}
        )

        self._post(dispute, user=self.manager)

        credit_note = dispute.concession_move_ids
        self.assertEqual(credit_note.amount_total, 610.50)
        self.assertEqual(len(credit_note.invoice_line_ids), 2)
        self.assertEqual(invoice.amount_residual, 0.0)
        # fully matched with a credit note of its own: Odoo shows the invoice as reversed
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertTrue(self._receivable(invoice).full_reconcile_id)
        self.assertEqual(
            self._receivable(invoice).full_reconcile_id, self._receivable(credit_note).full_reconcile_id
        )
        # the tax of the whole invoice is reversed
        self.assertEqual(self._balance(self.tax_account), 0.0)
        # a root cause and a reason for no call: the dispute closes on the posted concession
        self.assertTrue(dispute.is_closed)
        self.assertEqual(dispute.resolution, "write_off")

    def test_credit_note_total_is_the_concession_when_no_price_reaches_it(self):
        """At 10%, no untaxed price in cents totals 49.99 (45.44 → 49.98, 45.45 → 50.00): the tax
        is adjusted by the cent, as Odoo lets an accountant do on a draft invoice."""
        invoice = self._invoice()
        dispute = self._dispute(invoice, [49.99])

        self._post(dispute)

        credit_note = dispute.concession_move_ids
        self.assertEqual(credit_note.amount_total, 49.99)
        self.assertEqual(invoice.amount_residual, 560.51)
        self.assertEqual(credit_note.amount_untaxed + credit_note.amount_tax, 49.99)

    def test_credit_note_after_a_partial_payment_reconciles_on_the_residual(self):
        invoice = self._invoice()
        payment = self._pay(invoice, amount=300.00)
        self.assertEqual(invoice.amount_residual, 310.50)
        dispute = self._dispute(invoice, [200.00])

        self._post(dispute)

        credit_note = dispute.concession_move_ids
        self.assertEqual(invoice.amount_residual, 110.50)
        self.assertEqual(invoice.payment_state, "partial")
        matched = self._receivable(invoice).matched_credit_ids.credit_move_id
        self.assertEqual(matched.move_id, payment.move_id + credit_note)

        # the concession can take what is left to pay, not more
        invoice_2 = self._invoice()
        self._pay(invoice_2, amount=300.00)
        dispute_2 = self._dispute(invoice_2, [310.50])
        self._post(dispute_2, user=self.manager)
        self.assertEqual(invoice_2.amount_residual, 0.0)
        self.assertIn(invoice_2.payment_state, ("paid", "in_payment"))

    def test_concession_above_the_residual_is_refused(self):
        invoice = self._invoice()
        self._pay(invoice, amount=300.00)
        dispute = self._dispute(invoice, [0.0])
        for method in ("credit_note", "write_off"):
            with (
                self.subTest(method=method),
                self.assertRefused(UserError, r"more than what is left to pay on .*310\.50.*: reduce it"),
            ):
                self._post(dispute, method=method, amounts=[400.00])
            self.assertNothingPosted(dispute)
            self.assertEqual(dispute.line_ids.conceded_amount, 0.0)
        self.assertEqual(invoice.amount_residual, 310.50)

    def test_paid_invoice_keeps_the_credit_note_as_customer_credit(self):
        invoice = self._invoice()
        self._pay(invoice)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        dispute = self._dispute(invoice, [50.00])

        self._post(dispute)

        credit_note = dispute.concession_move_ids
        self.assertRecordValues(
            credit_note, [{"state": "posted", "amount_total": 50.00, "amount_residual": 50.00}]
        )
        self.assertEqual(credit_note.payment_state, "not_paid")
        receivable = self._receivable(credit_note)
        self.assertFalse(receivable.reconciled)
        self.assertEqual(receivable.amount_residual, -50.00)
        self.assertEqual(invoice.amount_residual, 0.0)
        self.assertIn("already paid", self._notes(dispute))
        # the customer's credit is offered on their next invoice
        next_invoice = self._invoice(lines=[(self.callout_product, 100.0)])
        credits = next_invoice.invoice_outstanding_credits_debits_widget["content"]
        self.assertEqual([credit["move_id"] for credit in credits], credit_note.ids)

    def test_paid_invoice_refuses_a_write_off(self):
        invoice = self._invoice()
        self._pay(invoice)
        dispute = self._dispute(invoice, [50.00])
        with self.assertRefused(UserError, "is paid: there is nothing left to write off"):
            self._post(dispute, method="write_off", journal_id=self.misc_journal)
        self.assertNothingPosted(dispute)

    def test_foreign_currency_concession_at_the_new_rate(self):
        """Invoice in EUR at 2 EUR/USD, concession and payment at 4 EUR/USD: the concession is in
        the invoice's currency; Odoo books the exchange difference at each reconciliation."""
        eur = self.setup_other_currency("EUR", rates=[("2019-01-01", 2.0), ("2019-02-01", 4.0)])
        invoice = self._invoice(lines=[(self.callout_product, 1000.0)], currency_id=eur.id)
        self.assertRecordValues(invoice, [{"amount_residual": 1100.0, "amount_residual_signed": 550.0}])
        dispute = self._dispute(invoice, [110.00])
        self.assertEqual(dispute.conceded_amount_company, 55.0)

        self._post(dispute, date=date(2019, 2, 10))

        credit_note = dispute.concession_move_ids
        self.assertRecordValues(
            credit_note,
            [
                {
                    "currency_id": eur.id,
                    "amount_total": 110.0,
                    "amount_total_in_currency_signed": -110.0,
                    "amount_total_signed": -27.50,
                    "date": date(2019, 2, 10),
                }
            ],
        )
        receivable = self._receivable(invoice)
        self.assertRecordValues(receivable, [{"amount_residual_currency": 990.0, "amount_residual": 495.0}])
        self.assertEqual(invoice.amount_residual, 990.0)
        loss_account = self.company.expense_currency_exchange_account_id
        self.assertEqual(self._balance(loss_account), 27.50)

        self._pay(invoice, payment_date="2019-02-10")

        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertRecordValues(receivable, [{"amount_residual_currency": 0.0, "amount_residual": 0.0}])
        # 550.00 invoiced = 27.50 conceded + 247.50 paid + 275.00 lost on the rate
        exchange_moves = receivable.matched_credit_ids.exchange_move_id
        self.assertEqual(len(exchange_moves), 2)
        self.assertEqual(sum(self._receivable(exchange_moves).mapped("balance")), -275.0)
        self.assertEqual(self._balance(loss_account), 275.0)

    def test_foreign_currency_write_off(self):
        eur = self.setup_other_currency("EUR", rates=[("2019-01-01", 2.0), ("2019-02-01", 4.0)])
        invoice = self._invoice(lines=[(self.callout_product, 1000.0)], currency_id=eur.id)
        dispute = self._dispute(invoice, [110.00])

        self._post(dispute, method="write_off", journal_id=self.misc_journal, date=date(2019, 2, 10))

        write_off = dispute.concession_move_ids
        account = self.company.dispute_concession_account_id
        self.assertRecordValues(
            write_off.line_ids.sorted("balance"),
            [
                {
                    "account_id": self.receivable_account.id,
                    "currency_id": eur.id,
                    "amount_currency": -110.0,
                    "balance": -27.50,
                },
                {"account_id": account.id, "currency_id": eur.id, "amount_currency": 110.0, "balance": 27.50},
            ],
        )
        self.assertEqual(invoice.amount_residual, 990.0)
        self.assertEqual(self._balance(self.company.expense_currency_exchange_account_id), 27.50)

    def test_two_tax_rates_and_a_fiscal_position(self):
        tax_5 = self.tax_sale_a.copy({"name": "Reduced sales tax 5%", "amount": 5.0})
        fiscal_position = self.env["account.fiscal.position"].create(
            {
                "name": "Reduced rate on call-outs",
                "tax_ids": [Command.create({"tax_src_id": self.tax_10.id, "tax_dest_id": tax_5.id})],
            }
        )
        partner = self.partner_a.copy({"property_account_position_id": fiscal_position.id})
        self.valve_product.taxes_id = self.tax_20
        # 400.00 at 5% (mapped from 10%) = 420.00; 155.00 at 20% = 186.00
        invoice = self._invoice(partner=partner)
        self.assertEqual(invoice.fiscal_position_id, fiscal_position)
        self.assertEqual(invoice.invoice_line_ids.tax_ids, tax_5 + self.tax_20)
        self.assertEqual(invoice.amount_residual, 606.00)
        dispute = self._dispute(invoice, [21.00, 60.00])

        self._post(dispute)

        credit_note = dispute.concession_move_ids
        self.assertEqual(credit_note.fiscal_position_id, fiscal_position)
        self.assertRecordValues(
            credit_note.invoice_line_ids,
            [
                {"tax_ids": tax_5.ids, "price_subtotal": 20.00, "price_total": 21.00},
                {"tax_ids": self.tax_20.ids, "price_subtotal": 50.00, "price_total": 60.00},
            ],
        )
        self.assertEqual(credit_note.invoice_line_ids.account_id, invoice.invoice_line_ids.account_id)
        tax_lines = credit_note.line_ids.filtered("tax_line_id").sorted("balance")
        self.assertRecordValues(
            tax_lines,
            [{"tax_line_id": tax_5.id, "balance": 1.00}, {"tax_line_id": self.tax_20.id, "balance": 10.00}],
        )
        self.assertEqual(credit_note.amount_total, 81.00)
        self.assertEqual(invoice.amount_residual, 525.00)

    def test_cash_basis_tax_credit_note_creates_the_cash_basis_entries(self):
        self.company.tax_exigibility = True
        transition = self.env["account.account"].create(
            {"name": "Tax to collect", "code": "TTC01", "account_type": "asset_current", "reconcile": True}
        )
        tax_cash = self.tax_10.copy(
            {
                "name": "Sales tax 10% on payment",
                "tax_exigibility": "on_payment",
                "cash_basis_transition_account_id": transition.id,
            }
        )
        self.callout_product.taxes_id = tax_cash
        invoice = self._invoice(lines=[(self.callout_product, 500.0)])
        self.assertEqual(self._balance(transition), -50.0)
        self.assertEqual(self._balance(self.tax_account), 0.0)
        dispute = self._dispute(invoice, [110.00])

        self._post(dispute, date=date(2019, 2, 10))

        credit_note = dispute.concession_move_ids
        self.assertEqual(invoice.amount_residual, 440.0)
        caba = self.env["account.move"].search(
            [("tax_cash_basis_origin_move_id", "in", (invoice + credit_note).ids)]
        )
        self.assertEqual(caba.tax_cash_basis_origin_move_id, invoice + credit_note)
        self.assertEqual(set(caba.mapped("date")), {date(2019, 2, 10)})
        # the invoice's tax on the 110.00 matched becomes due, the credit note's reverses it
        tax_amounts = {
            move.tax_cash_basis_origin_move_id: sum(move.line_ids.filtered("tax_line_id").mapped("balance"))
            for move in caba
        }
        self.assertEqual(tax_amounts, {invoice: -10.0, credit_note: 10.0})
        self.assertEqual(self._balance(self.tax_account), 0.0)
        # what is left on the transition account is the tax of the 440.00 still due
        self.assertEqual(self._balance(transition), -40.0)

    def test_early_payment_discount_term(self):
        """An invoice with a 2% early-payment discount (tax on the discounted base): the credit
        note carries no payment term of its own, so its total is the concession."""
        term = self.env["account.payment.term"].create(
            {
                "name": "2% 10 days, net 30",
                "early_discount": True,
                "discount_percentage": 2.0,
                "discount_days": 10,
                "early_pay_discount_computation": "mixed",
                "line_ids": [Command.create({"value": "percent", "value_amount": 100.0, "nb_days": 30})],
            }
        )
        partner = self.partner_a.copy({"property_payment_term_id": term.id})
        invoice = self._invoice(partner=partner)
        self.assertEqual(invoice.invoice_payment_term_id, term)
        # the tax is on the discounted base: 10% of 555.00 × 0.98
        self.assertEqual(invoice.amount_residual, 609.39)
        dispute = self._dispute(invoice, [50.00])

        self._post(dispute)

        credit_note = dispute.concession_move_ids
        self.assertFalse(credit_note.invoice_payment_term_id)
        self.assertFalse(credit_note.line_ids.filtered(lambda line: line.display_type == "epd"))
        self.assertEqual(credit_note.amount_total, 50.00)
        self.assertEqual(invoice.amount_residual, 559.39)


@tagged("post_install", "-at_install")
class TestConcessionLockDates(ConcessionCase):
    def _assert_moved_to(self, dispute, first_open_day, requested="01/15/2019"):
        move = dispute.concession_move_ids
        self.assertEqual(move.date, first_open_day)
        self.assertEqual(dispute.concession_date, first_open_day)
        note = dispute.message_ids[0].body
        self.assertIn(f"{requested} is in a locked period", note)
        self.assertIn("the first open day", note)
        return move

    def test_write_off_in_a_closed_fiscal_year_moves_to_the_first_open_day(self):
        invoice = self._invoice()
        self.company.fiscalyear_lock_date = date(2019, 1, 31)
        dispute = self._dispute(invoice, [50.00])

        self._post(dispute, method="write_off", journal_id=self.misc_journal, date=date(2019, 1, 15))

        self._assert_moved_to(dispute, date(2019, 2, 1))
        self.assertEqual(invoice.amount_residual, 560.50)

    def test_credit_note_in_a_locked_sales_period_moves_to_the_first_open_day(self):
        invoice = self._invoice()
        self.company.sale_lock_date = date(2019, 1, 31)
        dispute = self._dispute(invoice, [50.00])

        self._post(dispute, date=date(2019, 1, 15))

        credit_note = self._assert_moved_to(dispute, date(2019, 2, 1))
        self.assertEqual(credit_note.invoice_date, date(2019, 2, 1))
        self.assertEqual(invoice.amount_residual, 560.50)

    def test_tax_lock_date_moves_the_credit_note_not_the_write_off(self):
        invoice = self._invoice()
        self.company.tax_lock_date = date(2019, 1, 31)
        dispute = self._dispute(invoice, [50.00])

        # the credit note reverses tax: the tax lock applies
        self._post(dispute, date=date(2019, 1, 15))
        self._assert_moved_to(dispute, date(2019, 2, 1))

        # a write-off does not touch tax: it keeps its date
        invoice_2 = self._invoice()
        dispute_2 = self._dispute(invoice_2, [50.00])
        self._post(dispute_2, method="write_off", journal_id=self.misc_journal, date=date(2019, 1, 15))
        self.assertEqual(dispute_2.concession_move_ids.date, date(2019, 1, 15))


@tagged("post_install", "-at_install")
class TestConcessionLimits(ConcessionCase):
    def test_above_the_users_limit_waits_for_a_manager(self):
        self.accountant.dispute_concession_limit = 100.0
        invoice = self._invoice()
        dispute = self._dispute(invoice, [150.00])

        result = self._post(dispute)

        self.assertEqual(result["tag"], "display_notification")
        self.assertEqual(dispute.concession_state, "to_approve")
        self.assertNothingPostedYet(dispute)
        self.assertEqual(invoice.amount_residual, 610.50)
        # the manager's to-do, next to the call the dispute's owner (the manager here) has to make
        activity = dispute.with_user(self.manager).activity_ids.filtered(
            lambda act: act.activity_type_id == self.env.ref("mail.mail_activity_data_todo")
        )
        self.assertEqual(activity.user_id, self.manager)
        self.assertEqual(activity.summary, f"Approve the concession of {dispute.name}")
        self.assertIn("above their limit", activity.note)
        self.assertIn("waiting for a dispute manager", self._notes(dispute))
        # posting again is refused while it waits; the accountant cannot approve it
        with self.assertRefused(UserError, "Only a dispute manager can approve"):
            dispute.with_user(self.accountant).action_approve_concession()

        credit_note = dispute.with_user(self.manager).action_approve_concession()

        dispute.invalidate_recordset()
        self.assertEqual(dispute.concession_state, "posted")
        self.assertEqual(dispute.concession_move_ids, credit_note)
        self.assertEqual(credit_note.amount_total, 150.00)
        self.assertEqual(invoice.amount_residual, 460.50)
        self.assertFalse(
            dispute.with_user(self.manager).activity_ids.filtered(
                lambda act: act.activity_type_id == self.env.ref("mail.mail_activity_data_todo")
            )
        )
        with self.assertRefused(UserError, "has no concession waiting for approval"):
            dispute.with_user(self.manager).action_approve_concession()

    def test_the_companys_limit_applies_without_a_limit_of_ones_own(self):
        self.assertEqual(self.company.dispute_concession_limit, 250.0)
        dispute = self._dispute(self._invoice(), [300.00])
        self._post(dispute)
        self.assertEqual(dispute.concession_state, "to_approve")
        self.assertNothingPostedYet(dispute)

    def test_a_user_with_a_higher_limit_posts_alone(self):
        self.accountant.dispute_concession_limit = 1000.0
        invoice = self._invoice()
        dispute = self._dispute(invoice, [400.00])
        self._post(dispute)
        self.assertEqual(dispute.concession_state, "posted")
        self.assertEqual(invoice.amount_residual, 210.50)

    def test_a_manager_has_no_limit(self):
        invoice = self._invoice()
        dispute = self._dispute(invoice, [440.00])
        self._post(dispute, user=self.manager)
        self.assertEqual(dispute.concession_state, "posted")
        self.assertEqual(invoice.amount_residual, 170.50)

    def test_the_limit_is_in_the_companys_currency(self):
        """110.00 EUR at 2 EUR/USD is 55.00 USD: under a 100.00 limit."""
        eur = self.setup_other_currency("EUR", rates=[("2019-01-01", 2.0)])
        self.accountant.dispute_concession_limit = 100.0
        dispute = self._dispute(
            self._invoice(lines=[(self.callout_product, 1000.0)], currency_id=eur.id), [110.0]
        )
        self._post(dispute)
        self.assertEqual(dispute.concession_state, "posted")

    def assertNothingPostedYet(self, dispute):
        self.assertFalse(self.env["account.move"].search([("concession_dispute_id", "=", dispute.id)]))


@tagged("post_install", "-at_install")
class TestConcessionRefusals(ConcessionCase):
    def test_zero_concession_is_refused(self):
        dispute = self._dispute(self._invoice(), [0.0])
        with self.assertRefused(UserError, "has no agreed concession: enter the amount conceded"):
            self._post(dispute)
        self.assertNothingPosted(dispute)

    def test_negative_concession_is_refused(self):
        dispute = self._dispute(self._invoice(), [50.0])
        with self.assertRefused(ValidationError, "must be between zero and the disputed amount"):
            self._post(dispute, amounts=[-10.0])
        self.assertNothingPosted(dispute)
        self.assertEqual(dispute.line_ids.conceded_amount, 50.0)

    def test_concession_outside_the_proposal_stage_is_refused(self):
        dispute = self._dispute(self._invoice(), [50.0], stage=self.stage_review)
        with self.assertRefused(UserError, "is in stage “Reviewing evidence”: .* \\(Proposal\\) first"):
            self._post(dispute)
        self.assertNothingPosted(dispute)

    def test_write_off_without_a_concessions_account(self):
        """Posting a write-off needs the concessions account: the wizard creates the company's
        default one (see the write-off test); a direct call without one is refused."""
        dispute = self._dispute(self._invoice(), [50.0])
        vals = {"concession_method": "write_off", "concession_journal_id": self.misc_journal.id}
        with self.assertRefused(UserError, "Choose the concessions account to write off to"):
            dispute.with_user(self.accountant)._request_concession(vals)
        self.assertNothingPosted(dispute)
        self.assertFalse(self.company.dispute_concession_account_id)

    def test_user_without_invoicing_rights_is_refused(self):
        dispute = self._dispute(self._invoice(), [50.0])
        with self.assertRefused(UserError, r"Only accountants \(Invoicing\) can post a concession"):
            dispute.with_user(self.clerk)._request_concession({"concession_method": "credit_note"})
        self.assertNothingPosted(dispute)

    def test_accountant_without_dispute_rights_posts(self):
        """The Post concession button is for accountants: invoicing rights are enough, the
        dispute's concession fields and chatter are written for them."""
        invoice = self._invoice()
        dispute = self._dispute(invoice, [50.0])
        self._post(dispute, user=self.bookkeeper)
        self.assertEqual(dispute.concession_state, "posted")
        self.assertEqual(invoice.amount_residual, 560.50)
        self.assertEqual(dispute.message_ids[0].author_id, self.bookkeeper.partner_id)

    def test_company_the_user_cannot_post_in(self):
        company_b = self.setup_other_company(name="Northside (company B)")["company"]
        invoice = self._invoice(
            lines=[(self.callout_product.with_company(company_b), 400.0)],
            company_id=company_b.id,
            journal_id=self.env["account.journal"]
            .search([("company_id", "=", company_b.id), ("type", "=", "sale")], limit=1)
            .id,
        )
        # sudo: the test's user has no dispute rights; the dispute is company B's
        dispute = (
            self.env["invoice.dispute"]
            .sudo()
            .create(
                {
                    "invoice_id": invoice.id,
                    "stage_id": self.stage_proposal.id,
                    "line_ids": [
                        Command.create({"move_line_id": invoice.invoice_line_ids.id, "conceded_amount": 50.0})
                    ],
                }
            )
        )
        self.assertEqual(dispute.company_id, company_b)
        # the manager of company A does not see company B's dispute
        with self.assertRefused(AccessError, "doesn't have 'read' access"):
            dispute.with_user(self.manager)._request_concession({"concession_method": "credit_note"})
        # allowed in B but working in A: the check names the company to select
        self.manager.company_ids += company_b
        manager_in_a = dispute.with_user(self.manager).with_context(allowed_company_ids=self.company.ids)
        with self.assertRefused(UserError, "belongs to Northside \\(company B\\): select that company"):
            manager_in_a.sudo()._check_can_post_concession()
        self.assertNothingPosted(dispute.sudo())

    def test_second_posting_is_refused(self):
        invoice = self._invoice()
        dispute = self._dispute(invoice, [50.0])
        self._post(dispute)
        with self.assertRefused(UserError, f"The concession of {dispute.name} is already posted"):
            dispute.with_user(self.accountant)._request_concession({"concession_method": "credit_note"})
        self.assertEqual(len(dispute.concession_move_ids), 1)
        self.assertEqual(invoice.amount_residual, 560.50)


@tagged("post_install", "-at_install")
class TestConcessionCancel(ConcessionCase):
    def test_manager_cancels_a_credit_note(self):
        invoice = self._invoice()
        dispute = self._dispute(invoice, [50.0])
        self._post(dispute)
        credit_note = dispute.concession_move_ids

        with self.assertRefused(UserError, "Only a dispute manager can cancel a posted concession"):
            dispute.with_user(self.accountant).action_cancel_concession()
        with self.assertRefused(UserError, "Say why the concession is cancelled"):
            dispute.with_user(self.manager).action_cancel_concession()

        dispute.with_user(self.manager).concession_cancel_reason = "The customer paid in full after all."
        reversal = dispute.with_user(self.manager).action_cancel_concession()

        self.assertRecordValues(
            reversal,
            [
                {
                    "move_type": "out_invoice",
                    "state": "posted",
                    "reversed_entry_id": credit_note.id,
                    "amount_total": 50.0,
                }
            ],
        )
        self.assertEqual(credit_note.reversal_move_ids, reversal)
        self.assertTrue(self._receivable(credit_note).full_reconcile_id)
        self.assertEqual(
            self._receivable(credit_note).full_reconcile_id, self._receivable(reversal).full_reconcile_id
        )
        self.assertEqual(invoice.amount_residual, 610.50)
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertEqual(self._balance(self.tax_account), -55.50)
        self.assertRecordValues(
            dispute, [{"concession_state": "none", "stage_id": self.stage_proposal.id, "resolution": False}]
        )
        self.assertIn("The customer paid in full after all.", self._notes(dispute))
        self.assertIn("Concession cancelled by Mo Manager", self._notes(dispute))

        # the dispute is back in Proposal: a new concession can be posted
        self._post(dispute, amounts=[20.0])
        self.assertEqual(len(dispute.concession_move_ids), 2)
        self.assertEqual(invoice.amount_residual, 590.50)

    def test_manager_cancels_a_write_off_of_a_resolved_dispute(self):
        invoice = self._invoice()
        dispute = self._dispute(invoice, [50.0])
        dispute.with_user(self.manager).write(
            {"root_cause_id": self.root_cause.id, "no_call_reason": "Agreed in writing."}
        )
        self._post(dispute, method="write_off", journal_id=self.misc_journal)
        self.assertTrue(dispute.is_closed)
        write_off = dispute.concession_move_ids

        dispute.with_user(self.manager).concession_cancel_reason = "Posted on the wrong invoice."
        reversal = dispute.with_user(self.manager).action_cancel_concession()

        self.assertEqual(reversal.reversed_entry_id, write_off)
        self.assertEqual(
            self._receivable(write_off).full_reconcile_id, self._receivable(reversal).full_reconcile_id
        )
        self.assertEqual(
            sum(
                reversal.line_ids.filtered(lambda line: line.account_id == self.receivable_account).mapped(
                    "balance"
                )
            ),
            50.0,
        )
        self.assertEqual(invoice.amount_residual, 610.50)
        self.assertFalse(dispute.is_closed)
        self.assertEqual(dispute.stage_id, self.stage_proposal)
        self.assertEqual(self._balance(self.company.dispute_concession_account_id), 0.0)


@tagged("post_install", "-at_install")
class TestConcessionConcurrency(TransactionCase):
    """Two requests post the same concession at once, each in its own transaction (REPEATABLE
    READ, as Odoo runs them). The set-up is committed through its own cursors on the database's
    main company, and deleted afterwards; the test's own transaction writes nothing, so the
    committing cursors never wait for it."""

    def _committed_env(self, cr):
        return api.Environment(cr, self.admin_id, {"tracking_disable": True, "mail_notrack": True})

    def setUp(self):
        super().setUp()
        self.admin_id = self.env.ref("base.user_admin").id
        with self.registry.cursor() as cr:
            env = self._committed_env(cr)
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
                "tax": tax.id,
                "partner": partner.id,
                "invoice": invoice.id,
                "dispute": dispute.id,
            }
        self.addCleanup(self._delete_committed)

    def _delete_committed(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            dispute = env["invoice.dispute"].browse(self.committed["dispute"])
            moves = env["account.move"].search([("concession_dispute_id", "=", dispute.id)]) | env[
                "account.move"
            ].browse(self.committed["invoice"])
            moves |= (
                moves.line_ids.matched_debit_ids.exchange_move_id
                | moves.line_ids.matched_credit_ids.exchange_move_id
            )
            env["mail.message"].search(
                [
                    "|",
                    "&",
                    ("model", "=", "invoice.dispute"),
                    ("res_id", "=", dispute.id),
                    "&",
                    ("model", "=", "account.move"),
                    ("res_id", "in", moves.ids),
                ]
            ).unlink()
            dispute.unlink()
            moves.line_ids.remove_move_reconcile()
            moves.button_draft()
            moves.with_context(force_delete=True).unlink()
            env["account.tax"].browse(self.committed["tax"]).unlink()
            env["res.partner"].browse(self.committed["partner"]).unlink()

    def _concession_moves(self):
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT id FROM account_move WHERE concession_dispute_id = %s", [self.committed["dispute"]]
            )
            return cr.fetchall()

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_two_transactions_post_one_concession(self):
        vals = {"concession_method": "credit_note", "concession_date": fields.Date.today()}
        cr_a, cr_b = self.registry.cursor(), self.registry.cursor()
        try:
            dispute_a = self._committed_env(cr_a)["invoice.dispute"].browse(self.committed["dispute"])
            env_b = self._committed_env(cr_b)
            dispute_b = env_b["invoice.dispute"].browse(self.committed["dispute"])
            # both requests read the dispute before either posts
            self.assertEqual(dispute_a.concession_state, "none")
            self.assertEqual(dispute_b.concession_state, "none")

            credit_note = dispute_a._request_concession(vals)
            self.assertEqual(credit_note.amount_total, 50.0)
            cr_a.commit()

            # B's snapshot predates A's commit: PostgreSQL refuses B's lock on the changed row
            with self.assertRaises(psycopg2.errors.SerializationFailure):
                dispute_b._request_concession(vals)
            cr_b.rollback()
            env_b.reset()

            # the RPC layer retries a serialization failure: the retry finds the concession posted
            with self.assertRaisesRegex(UserError, "already posted"):
                retrying(lambda: dispute_b._request_concession(vals), env_b)
        finally:
            cr_b.rollback()
            cr_b.close()
            cr_a.rollback()
            cr_a.close()
        self.assertEqual(len(self._concession_moves()), 1)
