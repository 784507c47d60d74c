import psycopg2.errors
from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.misc import format_date, formatLang

LIVE_STATES = ("to_approve", "approved", "posted")
METHODS = [("credit_note", "Partial credit note"), ("write_off", "Write-off")]


class InvoiceDisputeConcession(models.Model):
    """The concession agreed on a dispute, as an accounting document of its own.

    Its lines are a snapshot of what is conceded on each disputed line. Above the requester's
    limit a dispute manager approves that snapshot; an accountant posts it as a partial credit
    note or a write-off, reconciled with the invoice. Changing the snapshot sends it back to
    draft. PostgreSQL keeps one live concession per dispute; posting locks the invoice so that
    concessions on a line never add up to more than it charges."""

    _name = "invoice.dispute.concession"
    _inherit = ["mail.thread", "mail.activity.mixin", "service.protected.fields.mixin"]
    _description = "Dispute concession"
    _order = "id desc"
    _check_company_auto = True

    _sql_constraints = [
        (
            "one_live_per_dispute",
            "EXCLUDE (dispute_id WITH =) WHERE (state IN ('to_approve', 'approved', 'posted'))",
            "A dispute has one concession waiting for approval, approved or posted at a time: "
            "cancel it before asking for another.",
        ),
    ]

    name = fields.Char(string="Number", required=True, readonly=True, copy=False, default="/")
    dispute_id = fields.Many2one(
        "invoice.dispute",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
        tracking=True,
    )
    company_id = fields.Many2one(related="dispute_id.company_id", store=True, index=True, precompute=True)
    currency_id = fields.Many2one(related="dispute_id.currency_id", store=True, precompute=True)
    company_currency_id = fields.Many2one(related="company_id.currency_id", string="Company currency")
    invoice_id = fields.Many2one(
        related="dispute_id.invoice_id", string="Invoice", store=True, index=True, precompute=True
    )
    partner_id = fields.Many2one(
        related="dispute_id.partner_id", string="Customer", store=True, precompute=True
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("to_approve", "Waiting for approval"),
            ("approved", "Approved"),
            ("posted", "Posted"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    method = fields.Selection(
        METHODS,
        required=True,
        compute="_compute_defaults",
        store=True,
        precompute=True,
        readonly=False,
        tracking=True,
        help="Credit note: the taxes of the conceded lines are reversed in proportion. "
        "Write-off: the receivable is written off to the concessions account, without tax.",
    )
    journal_id = fields.Many2one(
        "account.journal",
        compute="_compute_defaults",
        store=True,
        precompute=True,
        readonly=False,
        check_company=True,
        domain="[('type', '=', 'general')]",
        help="The miscellaneous journal of a write-off; a credit note goes to the invoice's journal.",
    )
    account_id = fields.Many2one(
        "account.account",
        string="Concessions account",
        compute="_compute_defaults",
        store=True,
        precompute=True,
        readonly=False,
        check_company=True,
    )
    date = fields.Date(
        required=True,
        default=fields.Date.context_today,
        tracking=True,
        help="The date asked for. In a locked period Odoo dates the entry in the first open one.",
    )
    line_ids = fields.One2many("invoice.dispute.concession.line", "concession_id", string="Lines", copy=True)
    amount_total = fields.Monetary(compute="_compute_amount_total", store=True, string="Concession")
    amount_total_company = fields.Monetary(
        compute="_compute_amount_total",
        store=True,
        currency_field="company_currency_id",
        string="Concession (company)",
    )
    requested_by_id = fields.Many2one("res.users", readonly=True, copy=False, string="Requested by")
    requested_at = fields.Datetime(readonly=True, copy=False, string="Requested on")
    approved_by_id = fields.Many2one("res.users", readonly=True, copy=False, string="Approved by")
    approved_at = fields.Datetime(readonly=True, copy=False, string="Approved on")
    posted_by_id = fields.Many2one("res.users", readonly=True, copy=False, string="Posted by")
    move_id = fields.Many2one(
        "account.move", string="Entry", readonly=True, copy=False, index="btree_not_null", check_company=True
    )
    reversal_move_id = fields.Many2one(
        "account.move", string="Reversal", readonly=True, copy=False, check_company=True
    )
    cancel_reason = fields.Text(copy=False, tracking=True, help="Why the concession is cancelled.")

    @api.depends("dispute_id")
    def _compute_defaults(self):
        for concession in self:
            company = concession.dispute_id.company_id
            concession.method = concession.method or company.dispute_concession_method
            concession.journal_id = company.dispute_concession_journal_id or self.env[
                "account.journal"
            ].search(
                [*self.env["account.journal"]._check_company_domain(company), ("type", "=", "general")],
                limit=1,
            )
            concession.account_id = company.dispute_concession_account_id

    @api.depends("line_ids.amount", "dispute_id.invoice_id.invoice_date")
    def _compute_amount_total(self):
        for concession in self:
            concession.amount_total = sum(concession.line_ids.mapped("amount"))
            concession.amount_total_company = concession.dispute_id._to_company_currency(
                concession.amount_total
            )

    @api.model
    def default_get(self, fields_list):
        """A new concession is prefilled with the concessions agreed on the dispute's lines."""
        values = super().default_get(fields_list)
        dispute = self.env["invoice.dispute"].browse(values.get("dispute_id"))
        if dispute and "line_ids" in fields_list and not values.get("line_ids"):
            values["line_ids"] = [Command.create(vals) for vals in dispute._prepare_concession_lines_vals()]
        return values

    @api.model_create_multi
    def create(self, vals_list):
        concessions = super().create(vals_list)
        # numbered once valid: a refused concession uses up no number
        for concession in concessions:
            concession._set(
                {"name": self.env["ir.sequence"].next_by_code("invoice.dispute.concession") or "/"}
            )
        return concessions

    def write(self, vals):
        if set(vals) & self._snapshot_fields():
            self._snapshot_changed()
        return super().write(vals)

    @api.model
    def _protected_fields(self):
        return {
            "name",
            "state",
            "requested_by_id",
            "requested_at",
            "approved_by_id",
            "approved_at",
            "posted_by_id",
            "move_id",
            "reversal_move_id",
        }

    @api.model
    def _snapshot_fields(self):
        """What a manager approves: changing any of it needs a new approval."""
        return {"dispute_id", "method", "journal_id", "account_id", "date"}

    def _snapshot_changed(self):
        """The concession changes: refused once posted or cancelled, back to draft when waiting
        for approval or approved, so that what is posted is exactly what was approved."""
        done = self.filtered(lambda concession: concession.state in ("posted", "cancelled"))
        if done:
            raise UserError(
                self.env._(
                    "%(concession)s is %(state)s: it cannot change. Cancel it and agree a new one.",
                    concession=done[0].name,
                    state=done[0]._state_label(),
                )
            )
        pending = self.filtered(lambda concession: concession.state in ("to_approve", "approved"))
        if pending:
            pending._reset_approval()
            for concession in pending:
                concession.message_post(
                    body=self.env._("Changed after it was sent for approval: back to draft."),
                    subtype_xmlid="mail.mt_note",
                )

    def _reset_approval(self):
        self.activity_unlink(["mail.mail_activity_data_todo"])
        self._set({"state": "draft", "approved_by_id": False, "approved_at": False})
        self.dispute_id._update_concession_todo()

    def _state_label(self):
        return dict(self._fields["state"]._description_selection(self.env))[self.state]

    @api.constrains("line_ids", "dispute_id")
    def _check_lines(self):
        for concession in self:
            foreign = concession.line_ids.filtered(lambda line, c=concession: line.dispute_id != c.dispute_id)
            if foreign:
                raise ValidationError(
                    self.env._(
                        "“%(line)s” is a line of %(other)s, not of %(dispute)s: a concession concedes on "
                        "its own dispute only.",
                        line=foreign[0].dispute_line_id.display_name,
                        other=foreign[0].dispute_line_id.dispute_id.display_name,
                        dispute=concession.dispute_id.display_name,
                    )
                )
            lines = concession.line_ids.dispute_line_id
            if len(lines) != len(concession.line_ids):
                raise ValidationError(self.env._("A disputed line is conceded once per concession."))

    @api.ondelete(at_uninstall=False)
    def _unlink_only_drafts(self):
        for concession in self:
            if concession.state != "draft":
                raise UserError(
                    self.env._(
                        "%(concession)s is %(state)s: only a draft concession can be deleted; cancel it instead.",
                        concession=concession.name,
                        state=concession._state_label(),
                    )
                )

    # Actions -----------------------------------------------------------------

    def action_post(self):
        """Post the concession: at once within the user's limit (or once approved), otherwise
        ask a dispute manager to approve it first."""
        self.ensure_one()
        self._lock()
        if self.state == "draft" and self.method == "write_off" and not self.account_id:
            self.account_id = self.company_id._get_concession_account()
        if self.state == "draft" and self._is_above_limit():
            self._check_can_request()
            self._do_request()
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "title": self.env._("Approval requested"),
                    "message": self.env._(
                        "%s is above your limit: a dispute manager will approve it.", self.name
                    ),
                    "type": "warning",
                    "next": {"type": "ir.actions.act_window_close"},
                },
            }
        self._check_can_post()
        self._do_post()
        return True

    def action_approve(self):
        """A dispute manager approves the snapshot; it is posted at once when they keep the
        books, otherwise the accountant who asked is told to post it."""
        self.ensure_one()
        self._lock()
        self._check_can_approve()
        self._set({"state": "approved", "approved_by_id": self.env.uid, "approved_at": fields.Datetime.now()})
        self.activity_feedback(["mail.mail_activity_data_todo"], feedback=self.env._("Approved."))
        if self._user_can_post():
            self._check_can_post()
            self._do_post()
        else:
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Post the approved concession %s", self.name),
                note=self.env._(
                    "%(manager)s approved %(amount)s on %(dispute)s: post it.",
                    manager=self.env.user.name,
                    amount=self._format(self.amount_total),
                    dispute=self.dispute_id.name,
                ),
                user_id=self.requested_by_id.id,
            )
        return True

    def action_reset_to_draft(self):
        """Take back a request, or a refused approval, to change the concession."""
        not_pending = self.filtered(lambda concession: concession.state not in ("to_approve", "approved"))
        if not_pending:
            raise UserError(self.env._("%s is not waiting for approval nor approved.", not_pending[0].name))
        self._reset_approval()
        return True

    def action_cancel(self):
        """Cancel the concession: a posted one is reversed with Odoo's reversal and its dispute
        goes back to the stage where concessions are agreed."""
        self.ensure_one()
        self._lock()
        self._check_can_cancel()
        if self.state == "posted":
            self._do_reverse()
        else:
            self.activity_unlink(["mail.mail_activity_data_todo"])
            self._set({"state": "cancelled"})
            self.dispute_id._update_concession_todo()
        return True

    def action_open_move(self):
        self.ensure_one()
        return self.move_id._get_records_action()

    # Checks --------------------------------------------------------------------

    def _lock(self):
        """Serialise the actions on this concession: a second click, or a second user, waits
        for the first and then finds the concession in its new state."""
        self.env.cr.execute(
            SQL("SELECT id FROM invoice_dispute_concession WHERE id IN %s FOR UPDATE", tuple(self.ids))
        )
        self.invalidate_recordset()

    def _is_above_limit(self):
        limit = self.env.user._get_concession_limit(self.company_id)
        return (
            limit is not None
            and self.company_currency_id.compare_amounts(self.amount_total_company, limit) > 0
        )

    def _user_can_post(self):
        return self.env.user.has_group("account.group_account_invoice")

    def _check_can_request(self):
        self._check_can_post(approved=False)

    def _check_can_approve(self):
        if not self.env.user.has_group("field_service_evidence.group_dispute_manager"):
            raise UserError(self.env._("Only a dispute manager can approve a concession above the limit."))
        if self.state != "to_approve":
            raise UserError(self.env._("%s is not waiting for approval.", self.name))

    def _check_can_post(self, approved=True):
        """Everything posting needs, said in the words of what to do about it."""
        self.ensure_one()
        dispute, invoice, currency = self.dispute_id, self.invoice_id, self.currency_id
        if self.state == "posted":
            raise UserError(self.env._("%s is already posted.", self.name))
        if self.state == "cancelled":
            raise UserError(self.env._("%s is cancelled: agree a new concession.", self.name))
        if approved and self.state == "to_approve":
            raise UserError(self.env._("%s is waiting for a dispute manager's approval.", self.name))
        if not self._user_can_post():
            raise UserError(self.env._("Only accountants (Invoicing) can post a concession."))
        if (dispute.concession_ids - self).filtered(lambda concession: concession.state in LIVE_STATES):
            raise UserError(
                self.env._(
                    "%s already has a concession waiting for approval, approved or posted.", dispute.name
                )
            )
        if self.company_id not in self.env.companies:
            raise UserError(
                self.env._(
                    "%(concession)s belongs to %(company)s: select that company to post it.",
                    concession=self.name,
                    company=self.company_id.name,
                )
            )
        if not dispute.stage_id.allow_concession:
            raise UserError(
                self.env._(
                    "%(dispute)s is in stage “%(stage)s”: agree the concession with the customer and move it "
                    "to a stage where concessions are posted (Proposal) first.",
                    dispute=dispute.name,
                    stage=dispute.stage_id.name,
                )
            )
        if invoice.state != "posted":
            raise UserError(
                self.env._(
                    "%(invoice)s is %(state)s: a concession is posted on a posted invoice only.",
                    invoice=invoice.display_name,
                    state=dict(invoice._fields["state"]._description_selection(self.env))[invoice.state],
                )
            )
        if currency.compare_amounts(self.amount_total, 0.0) <= 0:
            raise UserError(
                self.env._("%s concedes nothing: enter the amount conceded on each line.", self.name)
            )
        if self.method == "write_off":
            if invoice.payment_state in ("paid", "in_payment", "reversed"):
                raise UserError(self.env._("%s is paid: there is nothing left to write off.", invoice.name))
            if not self.journal_id:
                raise UserError(self.env._("Choose the journal of the write-off."))
        if (
            invoice.payment_state not in ("paid", "in_payment")
            and currency.compare_amounts(self.amount_total, invoice.amount_residual) > 0
        ):
            raise UserError(
                self.env._(
                    "The concession (%(amount)s) is more than what is left to pay on %(invoice)s (%(residual)s): "
                    "reduce it.",
                    amount=self._format(self.amount_total),
                    invoice=invoice.name,
                    residual=self._format(invoice.amount_residual),
                )
            )

    def _check_line_totals(self):
        """Under the invoice's row lock: what all posted concessions concede on an invoice line,
        this one included, never exceeds what the line charges."""
        self.env.cr.execute(SQL("SELECT id FROM account_move WHERE id = %s FOR UPDATE", self.invoice_id.id))
        Line = self.env["invoice.dispute.concession.line"]
        posted = dict(
            Line._read_group(
                [
                    ("move_line_id", "in", self.line_ids.move_line_id.ids),
                    ("concession_id.state", "=", "posted"),
                    ("concession_id", "!=", self.id),
                ],
                ["move_line_id"],
                ["amount:sum"],
            )
        )
        for line in self.line_ids:
            invoice_line = line.move_line_id
            already = posted.get(invoice_line, 0.0)
            if self.currency_id.compare_amounts(already + line.amount, invoice_line.price_total) > 0:
                raise UserError(
                    self.env._(
                        "“%(line)s” charges %(total)s and %(already)s of it was already conceded: %(amount)s "
                        "more is too much.",
                        line=invoice_line.name,
                        total=self._format(invoice_line.price_total),
                        already=self._format(already),
                        amount=self._format(line.amount),
                    )
                )

    def _check_can_cancel(self):
        if self.state == "cancelled":
            raise UserError(self.env._("%s is already cancelled.", self.name))
        if self.state == "posted":
            if not self.env.user.has_group("field_service_evidence.group_dispute_manager"):
                raise UserError(self.env._("Only a dispute manager can cancel a posted concession."))
            if not self.cancel_reason:
                raise UserError(self.env._("Say why the concession is cancelled, in “Reason to cancel”."))

    # Doing ---------------------------------------------------------------------

    def _do_request(self):
        """Waiting for a dispute manager: one request, one to-do for one manager who may approve."""
        self._set(
            {"state": "to_approve", "requested_by_id": self.env.uid, "requested_at": fields.Datetime.now()}
        )
        self._flush_live_constraint()
        self.dispute_id._update_concession_todo()
        limit = self.env.user._get_concession_limit(self.company_id)
        approver = self._approver()
        if approver:
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Approve the concession %s", self.name),
                note=self.env._(
                    "%(user)s asks to concede %(amount)s on %(dispute)s, above their limit of %(limit)s.",
                    user=self.env.user.name,
                    amount=self._format(self.amount_total),
                    dispute=self.dispute_id.name,
                    limit=formatLang(self.env, limit, currency_obj=self.company_currency_id),
                ),
                user_id=approver.id,
            )
        self.message_post(
            body=self.env._(
                "%(amount)s (%(method)s) is above %(user)s's limit: waiting for a dispute manager.",
                amount=self._format(self.amount_total),
                method=self._method_label(),
                user=self.env.user.name,
            ),
            subtype_xmlid="mail.mt_note",
        )

    def _approver(self):
        """The dispute manager asked to approve: the dispute's owner when they are one, else
        the first dispute manager of the company."""
        return self.env["res.users"]._first_member(
            "field_service_evidence.group_dispute_manager", self.company_id, preferred=self.dispute_id.user_id
        )

    def _flush_live_constraint(self):
        """One live concession per dispute, guaranteed by PostgreSQL: a concurrent request that
        slipped past the checks stops here with the reason."""
        try:
            with self.env.cr.savepoint(flush=False):
                self.flush_recordset(["state"])
        except psycopg2.errors.ExclusionViolation:
            raise UserError(
                self.env._(
                    "%s already has a concession waiting for approval, approved or posted.",
                    self.dispute_id.name,
                )
            ) from None

    def _do_post(self):
        """Post the entry, reconcile it with the invoice, say so in both chatters."""
        self._check_line_totals()
        invoice = self.invoice_id
        if self.method == "write_off":
            move = self.env["account.move"].create(self._prepare_write_off_vals())
        else:
            move = self.env["account.move"].create(self._prepare_credit_note_vals())
            self._adjust_credit_note_total(move)
        move._post(soft=False)
        paid = invoice.payment_state in ("paid", "in_payment")
        if not paid:
            (move.line_ids | invoice.line_ids).filtered(
                lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled
            ).reconcile()
        self._set({"state": "posted", "move_id": move.id, "posted_by_id": self.env.uid})
        self._flush_live_constraint()
        self.dispute_id._update_concession_todo()
        self.activity_feedback(["mail.mail_activity_data_todo"], feedback=self.env._("Posted."))
        notes = [
            self.env._(
                "%(method)s %(move)s posted by %(user)s: %(amount)s.",
                method=self._method_label(),
                move=move._get_html_link(),
                user=self.env.user.name,
                amount=self._format(self.amount_total),
            )
        ]
        if move.date != self.date:
            notes.append(
                self.env._(
                    "%(requested)s is in a locked period: the entry is dated %(date)s.",
                    requested=format_date(self.env, self.date),
                    date=format_date(self.env, move.date),
                )
            )
        if paid:
            notes.append(
                self.env._(
                    "The invoice was already paid: the credit note stays as the customer's credit "
                    "(refund it from the credit note)."
                )
            )
        self.message_post(body=Markup("<br/>").join(notes), subtype_xmlid="mail.mt_note")
        invoice.message_post(body=notes[0], subtype_xmlid="mail.mt_note")
        self.dispute_id._notify_concession_posted(self)
        return move

    def _do_reverse(self):
        move = self.move_id
        move.line_ids.remove_move_reconcile()
        reversal = move._reverse_moves(
            [
                {
                    "ref": self.env._(
                        "Reversal of %(entry)s: %(reason)s", entry=move.ref, reason=self.cancel_reason
                    )
                }
            ],
            cancel=True,
        )
        self._set({"state": "cancelled", "reversal_move_id": reversal.id})
        self.message_post(
            body=self.env._(
                "Cancelled by %(user)s: %(reason)s", user=self.env.user.name, reason=self.cancel_reason
            ),
            subtype_xmlid="mail.mt_note",
        )
        self.dispute_id._reopen_for_concession(self)

    def _method_label(self):
        return dict(self._fields["method"]._description_selection(self.env))[self.method]

    def _format(self, amount):
        return formatLang(self.env, amount, currency_obj=self.currency_id)

    def _label(self):
        return self.env._(
            "Concession %(concession)s on %(invoice)s (%(dispute)s)",
            concession=self.name,
            invoice=self.invoice_id.name,
            dispute=self.dispute_id.name,
        )

    def _prepare_credit_note_vals(self):
        invoice = self.invoice_id
        return {
            "move_type": "out_refund",
            "partner_id": invoice.partner_id.id,
            "reversed_entry_id": invoice.id,
            "journal_id": invoice.journal_id.id,
            "currency_id": invoice.currency_id.id,
            "fiscal_position_id": invoice.fiscal_position_id.id,
            "invoice_date": self.date,
            # as Odoo's reversals: no payment term, whose early discount would change the total
            "invoice_payment_term_id": False,
            "ref": self._label(),
            "invoice_origin": invoice.name,
            "concession_id": self.id,
            "invoice_line_ids": [
                Command.create(line._prepare_credit_note_line_vals())
                for line in self.line_ids
                if not self.currency_id.is_zero(line.amount)
            ],
        }

    def _adjust_credit_note_total(self, credit_note):
        """Make the draft credit note total the concession. Untaxed prices are in cents, so some
        totals are out of reach (at 10%, 45.44 gives 49.98 and 45.45 gives 50.00: never 49.99);
        the cents go on the largest tax, as Odoo lets an accountant edit a draft's tax totals."""
        currency = credit_note.currency_id
        delta = currency.round(self.amount_total - credit_note.amount_total)
        lines = credit_note.invoice_line_ids
        if currency.is_zero(delta) or abs(delta) > len(lines) * currency.rounding * 1.5:
            return
        tax_totals = credit_note.tax_totals
        tax_groups = [group for subtotal in tax_totals["subtotals"] for group in subtotal["tax_groups"]]
        if not tax_groups:
            return
        max(tax_groups, key=lambda group: abs(group["tax_amount_currency"]))["tax_amount_currency"] += delta
        credit_note.tax_totals = tax_totals

    def _prepare_write_off_vals(self):
        invoice = self.invoice_id
        receivable = invoice.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )[:1]
        common = {
            "name": self._label(),
            "partner_id": invoice.commercial_partner_id.id,
            "currency_id": invoice.currency_id.id,
        }
        return {
            "move_type": "entry",
            "journal_id": self.journal_id.id,
            "date": self.date,
            "ref": self._label(),
            "partner_id": invoice.commercial_partner_id.id,
            "concession_id": self.id,
            "line_ids": [
                Command.create(
                    {**common, "account_id": receivable.account_id.id, "amount_currency": -self.amount_total}
                ),
                Command.create(
                    {**common, "account_id": self.account_id.id, "amount_currency": self.amount_total}
                ),
            ],
        }
