"""Concessions as real accounting: the partial credit note and the write-off a dispute posts,
checked on the ledger (residuals, taxes, reconciliation, currencies, lock dates, cash basis)."""

from datetime import date

from odoo import Command, fields
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import FieldServiceCase

ACCOUNTANT_GROUPS = "base.group_user,account.group_account_invoice"
DISPUTE_ACCOUNTANT_GROUPS = f"{ACCOUNTANT_GROUPS},field_service_evidence.group_dispute_user"
DISPUTE_CLERK_GROUPS = "base.group_user,field_service_evidence.group_dispute_user"
MANAGER_GROUPS = f"{ACCOUNTANT_GROUPS},field_service_evidence.group_dispute_manager"


class ConcessionCase(FieldServiceCase, AccountTestInvoicingCommon):
    """The fixture base on a company with a chart of accounts of its own (AccountTestInvoicingCommon's
    company, so the ledger holds only what a test posts), a 10% and a 20% sales tax booked on a
    tax account, two products on two income accounts, and the people of a dispute: an
    accountant who is also a dispute user (company limit 250.00), a dispute manager who keeps
    the books, a bookkeeper with invoicing rights only, and a dispute clerk without accounting
    rights.

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

        cls.accountant = cls._create_user("conc_accountant", DISPUTE_ACCOUNTANT_GROUPS, "Ada Accountant")
        cls.manager = cls._create_user("conc_manager", MANAGER_GROUPS, "Mo Manager")
        cls.bookkeeper = cls._create_user("conc_bookkeeper", ACCOUNTANT_GROUPS, "Bea Bookkeeper")
        cls.clerk = cls._create_user("conc_clerk", DISPUTE_CLERK_GROUPS, "Cy Clerk")

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
        """Post a concession as the Post concession button does: its form, prefilled from the
        dispute, then Post. Returns the concession; what Post returned is in ``self.result``."""
        concession_form = self._concession_form(dispute, user)
        concession_form.method = method
        for name, value in values.items():
            setattr(concession_form, name, value)
        for index, amount in enumerate(amounts):
            with concession_form.line_ids.edit(index) as line:
                line.amount = amount
        concession = concession_form.save()
        self.result = concession.action_post()
        dispute.invalidate_recordset()
        concession.invalidate_recordset()
        return concession

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

    def assertNothingPosted(self, dispute):
        dispute.invalidate_recordset()
        self.assertIn(dispute.concession_state, ("none", "draft"))
        self.assertFalse(self.env["account.move"].search([("concession_dispute_id", "=", dispute.id)]))


@tagged("post_install", "-at_install")
class TestConcessionPosting(ConcessionCase):
    def test_credit_note_reduces_residual_by_the_concession_with_its_tax(self):
        invoice = self._invoice()
        self.assertEqual(invoice.amount_residual, 610.50)
        self.assertEqual(self._balance(self.tax_account), -55.50)
        dispute = self._dispute(invoice, [50.00])

        # the concession is prefilled from the dispute and the company's settings
        concession_form = self._concession_form(dispute)
        self.assertEqual(concession_form.method, "credit_note")
        self.assertEqual(concession_form.amount_total, 50.00)
        self.assertEqual(concession_form.date, fields.Date.context_today(dispute))
        concession = self._post(dispute)
        self.assertIs(self.result, True)

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

        self.assertRecordValues(dispute, [{"concession_state": "posted", "concession_move_count": 1}])
        self.assertRecordValues(
            concession,
            [
                {
                    "state": "posted",
                    "method": "credit_note",
                    "date": fields.Date.context_today(dispute),
                    "move_id": credit_note.id,
                    "posted_by_id": self.accountant.id,
                    "amount_total": 50.00,
                }
            ],
        )
        self.assertRegex(concession.name, r"^CON/\d{4}/\d{4}$")
        self.assertIn(credit_note.name, self._notes(concession))
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
        self.assertEqual(dispute.concession_id.journal_id, self.misc_journal)
        self.assertEqual(dispute.concession_id.account_id, account)

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
        # the owner is told to close it; a root cause and a reason for no call: it closes on the
        # posted concession
        todo = dispute.concession_id.activity_ids
        self.assertEqual(todo.user_id, dispute.user_id)
        self.assertEqual(todo.summary, f"Concession posted: resolve {dispute.name}")
        self.assertFalse(dispute.is_closed)
        dispute.with_user(self.manager).action_resolve()
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
        self.assertIn("already paid", self._notes(dispute.concession_id))
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
    """Odoo dates an entry in a locked period as its own documents (_get_accounting_date): a
    customer credit note at the end of the first open month, a journal entry of a monthly
    sequence at the end of the first open month; the tests run long after 2019."""

    def _assert_moved_to(self, concession, accounting_date, requested="01/15/2019"):
        move = concession.move_id
        self.assertEqual(move.date, accounting_date)
        self.assertEqual(concession.date, date(2019, 1, 15))
        note = concession.message_ids[0].body
        self.assertIn(f"{requested} is in a locked period: the entry is dated", note)
        return move

    def test_write_off_in_a_closed_fiscal_year_moves_to_the_first_open_period(self):
        invoice = self._invoice()
        self.company.fiscalyear_lock_date = date(2019, 1, 31)
        dispute = self._dispute(invoice, [50.00])

        concession = self._post(
            dispute, method="write_off", journal_id=self.misc_journal, date=date(2019, 1, 15)
        )

        self._assert_moved_to(concession, date(2019, 2, 28))
        self.assertEqual(invoice.amount_residual, 560.50)

    def test_credit_note_in_a_locked_sales_period_moves_to_the_first_open_period(self):
        invoice = self._invoice()
        self.company.sale_lock_date = date(2019, 1, 31)
        dispute = self._dispute(invoice, [50.00])

        concession = self._post(dispute, date=date(2019, 1, 15))

        credit_note = self._assert_moved_to(concession, date(2019, 2, 28))
        self.assertEqual(credit_note.invoice_date, date(2019, 1, 15))
        self.assertEqual(invoice.amount_residual, 560.50)

    def test_tax_lock_date_moves_the_credit_note_not_the_write_off(self):
        invoice = self._invoice()
        self.company.tax_lock_date = date(2019, 1, 31)
        dispute = self._dispute(invoice, [50.00])

        # the credit note reverses tax: the tax lock applies
        concession = self._post(dispute, date=date(2019, 1, 15))
        self._assert_moved_to(concession, date(2019, 2, 28))

        # a write-off does not touch tax: it keeps its date
        invoice_2 = self._invoice()
        dispute_2 = self._dispute(invoice_2, [50.00])
        concession_2 = self._post(
            dispute_2, method="write_off", journal_id=self.misc_journal, date=date(2019, 1, 15)
        )
        self.assertEqual(concession_2.move_id.date, date(2019, 1, 15))


@tagged("post_install", "-at_install")
class TestConcessionLimits(ConcessionCase):
    def _todos(self, concession, user):
        return concession.with_user(user).activity_ids.filtered(
            lambda act: act.activity_type_id == self.env.ref("mail.mail_activity_data_todo")
        )

    def test_above_the_users_limit_waits_for_a_manager(self):
        self.accountant.dispute_concession_limit = 100.0
        invoice = self._invoice()
        dispute = self._dispute(invoice, [150.00])

        concession = self._post(dispute)

        self.assertEqual(self.result["tag"], "display_notification")
        self.assertRecordValues(
            concession, [{"state": "to_approve", "requested_by_id": self.accountant.id, "move_id": False}]
        )
        self.assertEqual(dispute.concession_state, "to_approve")
        self.assertNothingPostedYet(dispute)
        self.assertEqual(invoice.amount_residual, 610.50)
        # one to-do for one manager who may approve (the dispute's owner here)
        activity = self._todos(concession, self.manager)
        self.assertEqual(activity.user_id, self.manager)
        self.assertEqual(activity.summary, f"Approve the concession {concession.name}")
        self.assertIn("above their limit", activity.note)
        self.assertIn("waiting for a dispute manager", self._notes(concession))
        # the accountant cannot approve it, nor post it while it waits
        with self.assertRefused(UserError, "Only a dispute manager can approve"):
            concession.with_user(self.accountant).action_approve()
        with self.assertRefused(UserError, "is waiting for a dispute manager's approval"):
            concession.with_user(self.accountant).action_post()

        self.assertIs(concession.with_user(self.manager).action_approve(), True)

        self.assertRecordValues(concession, [{"state": "posted", "approved_by_id": self.manager.id}])
        self.assertEqual(dispute.concession_move_ids, concession.move_id)
        self.assertEqual(concession.move_id.amount_total, 150.00)
        self.assertEqual(invoice.amount_residual, 460.50)
        self.assertEqual(
            self._todos(concession, self.manager).summary, f"Concession posted: resolve {dispute.name}"
        )
        with self.assertRefused(UserError, "is not waiting for approval"):
            concession.with_user(self.manager).action_approve()

    def test_the_companys_limit_applies_without_a_limit_of_ones_own(self):
        self.assertEqual(self.company.dispute_concession_limit, 250.0)
        dispute = self._dispute(self._invoice(), [300.00])
        concession = self._post(dispute)
        self.assertEqual(concession.state, "to_approve")
        self.assertNothingPostedYet(dispute)

    def test_a_user_with_a_higher_limit_posts_alone(self):
        self.accountant.dispute_concession_limit = 1000.0
        invoice = self._invoice()
        dispute = self._dispute(invoice, [400.00])
        self.assertEqual(self._post(dispute).state, "posted")
        self.assertEqual(invoice.amount_residual, 210.50)

    def test_a_manager_has_no_limit(self):
        invoice = self._invoice()
        dispute = self._dispute(invoice, [440.00])
        self.assertEqual(self._post(dispute, user=self.manager).state, "posted")
        self.assertEqual(invoice.amount_residual, 170.50)

    def test_the_limit_is_in_the_companys_currency(self):
        """110.00 EUR at 2 EUR/USD is 55.00 USD: under a 100.00 limit."""
        eur = self.setup_other_currency("EUR", rates=[("2019-01-01", 2.0)])
        self.accountant.dispute_concession_limit = 100.0
        dispute = self._dispute(
            self._invoice(lines=[(self.callout_product, 1000.0)], currency_id=eur.id), [110.0]
        )
        self.assertEqual(self._post(dispute).state, "posted")

    def assertNothingPostedYet(self, dispute):
        self.assertFalse(self.env["account.move"].search([("concession_dispute_id", "=", dispute.id)]))


@tagged("post_install", "-at_install")
class TestConcessionRefusals(ConcessionCase):
    def test_zero_concession_is_refused(self):
        dispute = self._dispute(self._invoice(), [0.0])
        with self.assertRefused(UserError, "concedes nothing: enter the amount conceded on each line"):
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

    def test_user_without_invoicing_rights_is_refused(self):
        dispute = self._dispute(self._invoice(), [50.0])
        with self.assertRefused(AccessError, "not allowed to create"):
            self._post(dispute, user=self.clerk)
        concession = self.env["invoice.dispute.concession"].create({"dispute_id": dispute.id})
        with self.assertRefused(UserError, r"Only accountants \(Invoicing\) can post a concession"):
            concession.with_user(self.clerk).action_post()
        self.assertEqual(concession.state, "draft")
        self.assertNothingPosted(dispute)

    def test_accountant_without_dispute_rights_posts(self):
        """Invoicing rights are enough: the concession is the accountant's document."""
        invoice = self._invoice()
        dispute = self._dispute(invoice, [50.0])
        concession = self._post(dispute, user=self.bookkeeper)
        self.assertEqual(dispute.concession_state, "posted")
        self.assertEqual(invoice.amount_residual, 560.50)
        self.assertEqual(concession.message_ids[0].author_id, self.bookkeeper.partner_id)
        self.assertEqual(concession.posted_by_id, self.bookkeeper)

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
        concession = self.env["invoice.dispute.concession"].sudo().create({"dispute_id": dispute.id})
        self.assertEqual(concession.company_id, company_b)
        # the manager of company A does not see company B's concession
        with self.assertRefused(AccessError, "doesn't have 'read' access"):
            concession.with_user(self.manager).action_post()
        # allowed in B but working in A: the check names the company to select
        self.manager.company_ids += company_b
        manager_in_a = concession.with_user(self.manager).with_context(allowed_company_ids=self.company.ids)
        with self.assertRefused(UserError, "belongs to Northside \\(company B\\): select that company"):
            manager_in_a.sudo()._check_can_post()
        self.assertNothingPosted(dispute.sudo())

    def test_second_posting_is_refused(self):
        invoice = self._invoice()
        dispute = self._dispute(invoice, [50.0])
        concession = self._post(dispute)
        with self.assertRefused(UserError, f"{concession.name} is already posted"):
            concession.with_user(self.accountant).action_post()
        # nor a second concession on the same dispute
        with self.assertRefused(UserError, f"{dispute.name} already has a concession"):
            self._post(dispute)
        self.assertEqual(len(dispute.concession_move_ids), 1)
        self.assertEqual(invoice.amount_residual, 560.50)


@tagged("post_install", "-at_install")
class TestConcessionCancel(ConcessionCase):
    def test_manager_cancels_a_credit_note(self):
        invoice = self._invoice()
        dispute = self._dispute(invoice, [50.0])
        concession = self._post(dispute)
        credit_note = concession.move_id

        with self.assertRefused(UserError, "Only a dispute manager can cancel a posted concession"):
            concession.with_user(self.accountant).action_cancel()
        with self.assertRefused(UserError, "Say why the concession is cancelled"):
            concession.with_user(self.manager).action_cancel()

        concession.with_user(self.manager).cancel_reason = "The customer paid in full after all."
        self.assertIs(concession.with_user(self.manager).action_cancel(), True)

        reversal = concession.reversal_move_id
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
        self.assertEqual(concession.state, "cancelled")
        self.assertRecordValues(
            dispute, [{"concession_state": "none", "stage_id": self.stage_proposal.id, "resolution": False}]
        )
        self.assertIn("The customer paid in full after all.", self._notes(dispute))
        self.assertIn(f"Concession {concession.name} cancelled by Mo Manager", self._notes(dispute))
        # the credit note still points to its (cancelled) concession
        self.assertEqual(credit_note.concession_id, concession)

        # the dispute is back in Proposal: a new concession can be posted
        self._post(dispute, amounts=[20.0])
        self.assertEqual(len(dispute.concession_move_ids), 3)
        self.assertEqual(invoice.amount_residual, 590.50)

    def test_manager_cancels_a_write_off_of_a_resolved_dispute(self):
        invoice = self._invoice()
        dispute = self._dispute(invoice, [50.0])
        dispute.with_user(self.manager).write(
            {"root_cause_id": self.root_cause.id, "no_call_reason": "Agreed in writing."}
        )
        concession = self._post(dispute, method="write_off", journal_id=self.misc_journal)
        dispute.with_user(self.manager).action_resolve()
        self.assertTrue(dispute.is_closed)
        write_off = concession.move_id

        concession.with_user(self.manager).cancel_reason = "Posted on the wrong invoice."
        concession.with_user(self.manager).action_cancel()
        reversal = concession.reversal_move_id

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
