from datetime import timedelta

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.misc import format_date, formatLang

from .account_move import UNAPPROVED

# The chance of losing a line in a contested dispute, by its evidence: a line approved
# before the work is rarely lost, one without approval usually is.
CHANCE_OF_LOSING = {
    "approved_before_work": 0.1,
    "approved_after_work": 0.5,
    "not_approved": 0.8,
    "not_applicable": 0.8,
}


class InvoiceDispute(models.Model):
    """A customer's dispute of an invoice: call first, walk through the evidence, decide."""

    _name = "invoice.dispute"
    _inherit = ["portal.mixin", "mail.thread", "mail.activity.mixin"]
    _description = "Invoice dispute"
    _order = "priority desc, opened_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(string="Reference", required=True, readonly=True, copy=False, default="/")
    priority = fields.Selection([("0", "Normal"), ("1", "Urgent")], default="0")
    invoice_id = fields.Many2one(
        "account.move",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted')]",
    )
    company_id = fields.Many2one(related="invoice_id.company_id", store=True, index=True, precompute=True)
    currency_id = fields.Many2one(related="invoice_id.currency_id", store=True, precompute=True)
    company_currency_id = fields.Many2one(related="company_id.currency_id", string="Company currency")
    partner_id = fields.Many2one(
        related="invoice_id.commercial_partner_id", string="Customer", store=True, index=True, precompute=True
    )
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        default=lambda self: self.env.user,
        tracking=True,
        domain="[('share', '=', False)]",
        help="Who calls the customer and decides.",
    )
    stage_id = fields.Many2one(
        "invoice.dispute.stage",
        default=lambda self: self._default_stage_id(),
        group_expand="_read_group_expand_stage_ids",
        tracking=True,
        index=True,
        copy=False,
        ondelete="restrict",
    )
    is_closed = fields.Boolean(related="stage_id.is_closing", store=True, string="Closed")
    reason_id = fields.Many2one("invoice.dispute.reason", tracking=True)
    statement = fields.Text(string="Customer's statement", help="What the customer says, in their words.")
    channel = fields.Selection(
        [("phone", "Phone"), ("email", "E-mail"), ("portal", "Customer portal"), ("in_person", "In person")],
        default="phone",
        required=True,
    )
    opened_date = fields.Datetime(string="Opened", default=fields.Datetime.now, required=True, readonly=True)
    resolved_date = fields.Datetime(string="Resolved", readonly=True, copy=False, tracking=True)
    days_to_resolve = fields.Integer(compute="_compute_days", store=True, aggregator="avg")
    days_open = fields.Integer(compute="_compute_days_open")
    line_ids = fields.One2many("invoice.dispute.line", "dispute_id", string="Disputed lines", copy=False)
    call_ids = fields.One2many(
        "invoice.dispute.call", "dispute_id", string="Calls", copy=False, groups="base.group_user"
    )
    call_count = fields.Integer(compute="_compute_call_count", groups="base.group_user")
    no_call_reason = fields.Text(
        string="Why no call",
        help="Closing needs a logged call, or the reason why there was none.",
        groups="base.group_user",
    )
    disputed_amount = fields.Monetary(compute="_compute_amounts", store=True, tracking=True)
    recommended_amount = fields.Monetary(
        compute="_compute_amounts", store=True, string="Recommended concession", groups="base.group_user"
    )
    conceded_amount = fields.Monetary(compute="_compute_amounts", store=True, tracking=True)
    disputed_amount_company = fields.Monetary(
        compute="_compute_amounts",
        store=True,
        currency_field="company_currency_id",
        string="Disputed (company)",
    )
    conceded_amount_company = fields.Monetary(
        compute="_compute_amounts",
        store=True,
        currency_field="company_currency_id",
        string="Conceded (company)",
    )
    chance_of_losing = fields.Float(
        compute="_compute_recommendation",
        store=True,
        help="From the evidence of the disputed lines, in percent.",
        groups="base.group_user",
    )
    let_go = fields.Boolean(
        compute="_compute_recommendation",
        store=True,
        string="Let it go",
        help="Fighting this dispute costs more than it can recover: concede it.",
        groups="base.group_user",
    )
    recommendation = fields.Selection(
        [("defend", "Defend"), ("partial", "Partial concession"), ("let_go", "Let it go")],
        compute="_compute_recommendation",
        store=True,
        groups="base.group_user",
    )
    recommendation_reason = fields.Text(
        compute="_compute_recommendation", store=True, groups="base.group_user"
    )
    unapproved_line_count = fields.Integer(
        compute="_compute_amounts",
        store=True,
        string="Lines without prior approval",
        groups="base.group_user",
    )
    resolution = fields.Selection(
        [
            ("upheld", "Upheld"),
            ("partial", "Partial concession"),
            ("write_off", "Full write-off"),
            ("withdrawn", "Withdrawn by customer"),
        ],
        tracking=True,
        copy=False,
    )
    root_cause_id = fields.Many2one(
        "invoice.dispute.root.cause", string="Root cause", tracking=True, groups="base.group_user"
    )
    resolution_note = fields.Text(groups="base.group_user")
    task_ids = fields.Many2many(
        "project.task", compute="_compute_task_ids", string="Jobs", groups="base.group_user"
    )
    task_count = fields.Integer(compute="_compute_task_ids", string="Job count", groups="base.group_user")
    is_ready_to_resolve = fields.Boolean(
        compute="_compute_is_ready_to_resolve",
        help="The dispute is in the last open stage (Proposal): resolving it is the next step.",
    )
    technician_id = fields.Many2one(
        "res.users",
        compute="_compute_technician_id",
        store=True,
        help="The technician of the first disputed job.",
        groups="base.group_user",
    )

    concession_state = fields.Selection(
        [("none", "Not posted"), ("to_approve", "Waiting for a manager"), ("posted", "Posted")],
        default="none",
        required=True,
        copy=False,
        tracking=True,
    )
    concession_method = fields.Selection(
        [("credit_note", "Partial credit note"), ("write_off", "Write-off")], copy=False, tracking=True
    )
    concession_date = fields.Date(copy=False)
    concession_journal_id = fields.Many2one("account.journal", copy=False, check_company=True)
    concession_account_id = fields.Many2one("account.account", copy=False, check_company=True)
    concession_move_ids = fields.One2many(
        "account.move", "concession_dispute_id", string="Concession entries", readonly=True
    )
    concession_move_count = fields.Integer(compute="_compute_concession_move_count")
    allow_concession = fields.Boolean(related="stage_id.allow_concession", string="Concession allowed")
    concession_cancel_reason = fields.Text(copy=False, groups="base.group_user")

    def _default_stage_id(self):
        return self.env["invoice.dispute.stage"].search([("is_closing", "=", False)], limit=1)

    @api.model
    def _read_group_expand_stage_ids(self, stages, domain):
        # Every stage is a kanban column, empty or not; there are a handful.
        return stages.search([], order=stages._order)  # pylint: disable=no-search-all

    @api.depends("opened_date", "resolved_date")
    def _compute_days(self):
        for dispute in self:
            if dispute.resolved_date:
                dispute.days_to_resolve = (dispute.resolved_date - dispute.opened_date).days
            else:
                dispute.days_to_resolve = 0

    def _compute_days_open(self):
        now = fields.Datetime.now()
        for dispute in self:
            dispute.days_open = ((dispute.resolved_date or now) - dispute.opened_date).days

    @api.depends("concession_move_ids")
    def _compute_concession_move_count(self):
        for dispute in self:
            dispute.concession_move_count = len(dispute.concession_move_ids)

    @api.depends("call_ids")
    def _compute_call_count(self):
        for dispute in self:
            dispute.call_count = len(dispute.call_ids)

    @api.depends(
        "line_ids.disputed_amount",
        "line_ids.recommended_concession",
        "line_ids.conceded_amount",
        "line_ids.evidence_status",
        "invoice_id.invoice_date",
    )
    def _compute_amounts(self):
        for dispute in self:
            lines = dispute.line_ids
            dispute.disputed_amount = sum(lines.mapped("disputed_amount"))
            dispute.recommended_amount = sum(lines.mapped("recommended_concession"))
            dispute.conceded_amount = sum(lines.mapped("conceded_amount"))
            dispute.unapproved_line_count = len(
                lines.filtered(lambda line: line.evidence_status != "approved_before_work")
            )
            dispute.disputed_amount_company = dispute._to_company_currency(dispute.disputed_amount)
            dispute.conceded_amount_company = dispute._to_company_currency(dispute.conceded_amount)

    def _to_company_currency(self, amount):
        if not self.currency_id or self.currency_id == self.company_currency_id:
            return amount
        return self.currency_id._convert(
            amount,
            self.company_currency_id,
            self.company_id,
            self.invoice_id.invoice_date or fields.Date.today(),
        )

    @api.depends(
        "line_ids.disputed_amount",
        "line_ids.evidence_status",
        "company_id.dispute_let_go_threshold",
        "company_id.dispute_contest_hours",
        "company_id.dispute_hourly_cost",
        "company_id.dispute_unapproved_share",
    )
    def _compute_recommendation(self):
        for dispute in self:
            dispute.update(dispute._recommend())

    def _recommend(self):
        """The policy's view of the dispute: chance of losing it, whether to let it go, and why."""
        self.ensure_one()
        company, currency = self.company_id, self.currency_id or self.company_id.currency_id
        lines = self.line_ids
        total = sum(lines.mapped("disputed_amount"))
        if not lines or currency.is_zero(total):
            return {
                "chance_of_losing": 0.0,
                "let_go": False,
                "recommendation": False,
                "recommendation_reason": False,
            }
        chance = (
            sum(CHANCE_OF_LOSING.get(line.evidence_status, 0.8) * line.disputed_amount for line in lines)
            / total
        )
        total_company = self._to_company_currency(total)
        time_cost = company.dispute_contest_hours * company.dispute_hourly_cost
        expected_recovery = (1.0 - chance) * total_company
        fmt = lambda amount: formatLang(self.env, amount, currency_obj=company.currency_id)  # noqa: E731
        values = {"chance_of_losing": round(chance * 100.0, 1)}
        if company.currency_id.compare_amounts(total_company, company.dispute_let_go_threshold) < 0:
            values.update(
                let_go=True,
                recommendation="let_go",
                recommendation_reason=self.env._(
                    "Let it go: %(amount)s is under the %(threshold)s threshold, less than the time and "
                    "goodwill a fight would cost.",
                    amount=fmt(total_company),
                    threshold=fmt(company.dispute_let_go_threshold),
                ),
            )
        elif company.currency_id.compare_amounts(time_cost, expected_recovery) > 0:
            values.update(
                let_go=True,
                recommendation="let_go",
                recommendation_reason=self.env._(
                    "Let it go: contesting costs about %(cost)s of time to recover %(recovery)s on average "
                    "(a %(chance)s%% chance of losing, from the evidence).",
                    cost=fmt(time_cost),
                    recovery=fmt(expected_recovery),
                    chance=round(chance * 100),
                ),
            )
        elif lines.filtered(
            lambda line: line.evidence_status in UNAPPROVED + ("not_applicable",) or line.approval_stale
        ):
            values.update(
                let_go=False,
                recommendation="partial",
                recommendation_reason=self.env._(
                    "Concede in part: %(count)s of %(total)s lines lack an approval given before the work "
                    "(or went beyond it); defend the rest with the evidence.",
                    count=len(
                        lines.filtered(
                            lambda line: line.evidence_status != "approved_before_work" or line.approval_stale
                        )
                    ),
                    total=len(lines),
                ),
            )
        else:
            values.update(
                let_go=False,
                recommendation="defend",
                recommendation_reason=self.env._(
                    "Defend: every disputed line was approved by the customer before the work started. "
                    "Walk them through the evidence."
                ),
            )
        return values

    @api.depends("line_ids.task_id")
    def _compute_task_ids(self):
        for dispute in self:
            dispute.task_ids = dispute.line_ids.task_id
            dispute.task_count = len(dispute.task_ids)

    @api.depends("stage_id")
    def _compute_is_ready_to_resolve(self):
        last_open = self.env["invoice.dispute.stage"].search(
            [("is_closing", "=", False)], order="sequence desc, id desc", limit=1
        )
        for dispute in self:
            dispute.is_ready_to_resolve = bool(last_open) and dispute.stage_id == last_open

    @api.depends("line_ids.task_id.user_ids")
    def _compute_technician_id(self):
        for dispute in self:
            dispute.technician_id = dispute.line_ids.task_id[:1].user_ids[:1]

    def _compute_access_url(self):
        result = super()._compute_access_url()
        for dispute in self:
            dispute.access_url = f"/my/disputes/{dispute.id}"
        return result

    def _invoice_line_numbers(self):
        """{invoice line: its number on the printed invoice} for the disputed invoices."""
        numbers = {}
        for invoice in self.invoice_id:
            product_lines = invoice.invoice_line_ids.filtered(lambda line: line.display_type == "product")
            for number, line in enumerate(product_lines.sorted(lambda line: (line.sequence, line.id)), 1):
                numbers[line] = number
        return numbers

    @api.constrains("invoice_id")
    def _check_invoice(self):
        for dispute in self:
            invoice = dispute.invoice_id
            if invoice.move_type != "out_invoice":
                raise ValidationError(
                    self.env._("Only customer invoices can be disputed; %s is not one.", invoice.display_name)
                )
            if invoice.state != "posted" and not dispute.is_closed:
                raise ValidationError(
                    self.env._(
                        "%s is not posted: only a posted invoice can be disputed.",
                        invoice.display_name or invoice.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("invoice.dispute") or "/"
        disputes = super().create(vals_list)
        disputes._schedule_call()
        return disputes

    def write(self, vals):
        stage = self.env["invoice.dispute.stage"].browse(vals.get("stage_id"))
        if "stage_id" in vals:
            self._check_can_reopen(stage)
            if not stage.is_closing:
                vals["resolved_date"] = False
            elif not all(self.mapped("resolved_date")):
                vals["resolved_date"] = fields.Datetime.now()
        result = super().write(vals)
        if stage.is_closing and not stage.is_cancel:
            # checked on the written values; raising rolls the whole write back
            self._check_can_resolve()
        return result

    def _check_can_reopen(self, stage):
        reopening = self.filtered(lambda d: d.is_closed and not d.stage_id.is_cancel and not stage.is_closing)
        if reopening and not self.env.user.has_group("field_service_evidence.group_dispute_manager"):
            raise UserError(
                self.env._(
                    "%s is resolved: only a dispute manager can move it back.", reopening[0].display_name
                )
            )

    def _schedule_call(self):
        """Call first: a phone-call activity for the owner, due today."""
        for dispute in self:
            dispute.activity_schedule(
                "mail.mail_activity_data_call",
                date_deadline=fields.Date.context_today(dispute),
                summary=self.env._("Call the customer: walk through the invoice"),
                note=self.env._("Open the walkthrough tab and read the customer the evidence, line by line."),
                user_id=(dispute.user_id or self.env.user).id,
            )

    def _close_call_activities(self, calls):
        for dispute in self:
            activities = dispute.activity_ids.filtered(
                lambda activity: activity.activity_type_id == self.env.ref("mail.mail_activity_data_call")
            )
            notes = "\n".join(
                calls.filtered(lambda call, d=dispute: call.dispute_id == d).mapped("notes") or []
            )
            activities.action_feedback(feedback=notes or self.env._("Call logged."))

    def action_open_invoice(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice_type")
        action.update(res_id=self.invoice_id.id, view_mode="form", views=[(False, "form")])
        return action

    def action_open_tasks(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("field_service_evidence.project_task_action")
        action["domain"] = [("id", "in", self.task_ids.ids)]
        action["context"] = {"field_service_jobs": True}
        if len(self.task_ids) == 1:
            action.update(res_id=self.task_ids.id, view_mode="form", views=[(False, "form")])
        return action

    def action_open_calls(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "field_service_evidence.invoice_dispute_call_action"
        )
        action["domain"] = [("dispute_id", "=", self.id)]
        action["context"] = {"default_dispute_id": self.id}
        return action

    def action_accept_recommendation(self):
        for dispute in self:
            for line in dispute.line_ids:
                line.conceded_amount = line.recommended_concession
            dispute.message_post(
                body=self.env._(
                    "Recommendation accepted: concede %(amount)s. %(reason)s",
                    amount=formatLang(self.env, dispute.recommended_amount, currency_obj=dispute.currency_id),
                    reason=dispute.recommendation_reason or "",
                ),
                subtype_xmlid="mail.mt_note",
            )

    def action_resolve(self):
        """Close the dispute on the agreed concessions; the checks run on the stage change."""
        stage = self.env["invoice.dispute.stage"].search(
            [("is_closing", "=", True), ("is_cancel", "=", False)], limit=1
        )
        for dispute in self:
            dispute.write(dispute._prepare_resolve_vals(stage))

    def _prepare_resolve_vals(self, stage):
        self.ensure_one()
        vals = {"stage_id": stage.id}
        if not self.resolution:
            currency = self.currency_id
            if currency.is_zero(self.conceded_amount):
                vals["resolution"] = "upheld"
            elif currency.compare_amounts(self.conceded_amount, self.disputed_amount) >= 0:
                vals["resolution"] = "write_off"
            else:
                vals["resolution"] = "partial"
        return vals

    def _check_can_resolve(self):
        for dispute in self:
            if not dispute.root_cause_id:
                raise UserError(
                    self.env._(
                        "%s: record the root cause before closing, so the process can improve.", dispute.name
                    )
                )
            if not dispute.call_ids and not dispute.no_call_reason:
                raise UserError(
                    self.env._(
                        "%s: log the call with the customer, or say why there was none, before closing.",
                        dispute.name,
                    )
                )
            if not dispute.resolution:
                raise UserError(self.env._("%s: choose how the dispute was resolved.", dispute.name))

    def _dispute_pack_evidence(self):
        """The evidence of the disputed lines, for the dispute pack's copy of the invoice."""
        self.ensure_one()
        evidence = self.invoice_id._service_evidence_report_data()
        disputed = set(self.line_ids.move_line_id.ids)
        return {line_id: data for line_id, data in evidence.items() if line_id in disputed}

    def action_send_pack(self):
        """E-mail the dispute pack (PDF attached) from the ticket."""
        self.ensure_one()
        template = self.env.ref("field_service_evidence.mail_template_dispute_pack")
        return {
            "type": "ir.actions.act_window",
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": self._name,
                "default_res_ids": self.ids,
                "default_template_id": template.id,
                "default_composition_mode": "comment",
            },
        }

    # Concessions -------------------------------------------------------------

    def _request_concession(self, vals):
        """Record the accountant's concession (method, journal, account, date) and post it,
        or ask a dispute manager when it is above the user's limit."""
        self.ensure_one()
        self._lock_for_concession()
        self._concession_writer().write(vals)
        self._check_can_post_concession()
        limit = self.env.user._get_concession_limit(self.company_id)
        amount = self._to_company_currency(self.conceded_amount)
        if limit is not None and self.company_currency_id.compare_amounts(amount, limit) > 0:
            self._ask_concession_approval(limit)
            return False
        return self._post_concession()

    def action_approve_concession(self):
        self.ensure_one()
        if not self.env.user.has_group("field_service_evidence.group_dispute_manager"):
            raise UserError(self.env._("Only a dispute manager can approve a concession above the limit."))
        if self.concession_state != "to_approve":
            raise UserError(self.env._("%s has no concession waiting for approval.", self.name))
        self._lock_for_concession()
        moves = self._post_concession()
        self.activity_feedback(
            ["mail.mail_activity_data_todo"], feedback=self.env._("Concession approved and posted.")
        )
        return moves

    def _concession_writer(self):
        """The dispute as the posting user writes it. Accountants only read disputes, yet the
        concession's fields, state and chatter are theirs to write: as superuser for them, and
        _check_can_post_concession checks who they are; the entries are created as the user."""
        if self.env.user.has_group("account.group_account_invoice"):
            return self.sudo()
        return self

    def _lock_for_concession(self):
        """Serialise concession postings on this dispute: a second click, or a second user,
        waits for the first and then finds the concession already posted."""
        self.env.cr.execute(SQL("SELECT id FROM invoice_dispute WHERE id IN %s FOR UPDATE", tuple(self.ids)))
        self.invalidate_recordset(["concession_state"])
        posted = self.filtered(lambda dispute: dispute.concession_state == "posted")
        if posted:
            raise UserError(self.env._("The concession of %s is already posted.", posted[0].name))

    def _check_can_post_concession(self):
        self.ensure_one()
        invoice = self.invoice_id
        currency = self.currency_id
        if not self.stage_id.allow_concession:
            raise UserError(
                self.env._(
                    "%(dispute)s is in stage “%(stage)s”: agree the concession with the customer and move it "
                    "to a stage where concessions are posted (Proposal) first.",
                    dispute=self.name,
                    stage=self.stage_id.name,
                )
            )
        if self.company_id not in self.env.companies:
            raise UserError(
                self.env._(
                    "%(dispute)s belongs to %(company)s: select that company to post its concession.",
                    dispute=self.name,
                    company=self.company_id.name,
                )
            )
        if not self.env.user.has_group("account.group_account_invoice"):
            raise UserError(self.env._("Only accountants (Invoicing) can post a concession."))
        if currency.compare_amounts(self.conceded_amount, 0.0) <= 0:
            raise UserError(
                self.env._("%s has no agreed concession: enter the amount conceded on each line.", self.name)
            )
        if self.concession_method == "write_off":
            if invoice.payment_state in ("paid", "in_payment", "reversed"):
                raise UserError(self.env._("%s is paid: there is nothing left to write off.", invoice.name))
            if not self.concession_account_id:
                raise UserError(
                    self.env._(
                        "Choose the concessions account to write off to (Invoicing settings, Disputes)."
                    )
                )
        if (
            invoice.payment_state not in ("paid", "in_payment")
            and currency.compare_amounts(self.conceded_amount, invoice.amount_residual) > 0
        ):
            raise UserError(
                self.env._(
                    "The concession (%(amount)s) is more than what is left to pay on %(invoice)s (%(residual)s): "
                    "reduce it.",
                    amount=formatLang(self.env, self.conceded_amount, currency_obj=currency),
                    invoice=invoice.name,
                    residual=formatLang(self.env, invoice.amount_residual, currency_obj=currency),
                )
            )

    def _ask_concession_approval(self, limit):
        managers = self.env.ref("field_service_evidence.group_dispute_manager").users.filtered(
            lambda user: self.company_id in user.company_ids and not user.share
        )
        dispute = self._concession_writer()
        dispute.concession_state = "to_approve"
        for manager in managers:
            dispute.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Approve the concession of %s", self.name),
                note=self.env._(
                    "%(user)s asks to post a concession of %(amount)s, above their limit of %(limit)s.",
                    user=self.env.user.name,
                    amount=formatLang(self.env, self.conceded_amount, currency_obj=self.currency_id),
                    limit=formatLang(self.env, limit, currency_obj=self.company_currency_id),
                ),
                user_id=manager.id,
            )
        dispute.message_post(
            body=self.env._(
                "Concession of %(amount)s (%(method)s) is above %(user)s's limit: waiting for a dispute manager.",
                amount=formatLang(self.env, self.conceded_amount, currency_obj=self.currency_id),
                method=dict(self._fields["concession_method"]._description_selection(self.env))[
                    self.concession_method
                ],
                user=self.env.user.name,
            ),
            subtype_xmlid="mail.mt_note",
        )

    def _post_concession(self):
        """Post the concession entry, reconcile it with the invoice, say so in the chatter."""
        self.ensure_one()
        self._check_can_post_concession()
        invoice = self.invoice_id
        requested_date = self.concession_date or fields.Date.context_today(self)
        date = self._concession_accounting_date(requested_date)
        if self.concession_method == "write_off":
            move = self.env["account.move"].create(self._prepare_write_off_vals(date))
        else:
            move = self.env["account.move"].create(self._prepare_credit_note_vals(date))
            self._adjust_credit_note_total(move)
        move._post(soft=False)
        paid = invoice.payment_state in ("paid", "in_payment")
        if not paid:
            (move.line_ids | invoice.line_ids).filtered(
                lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled
            ).reconcile()
        dispute = self._concession_writer()
        dispute.write({"concession_state": "posted", "concession_date": move.date})
        if self.root_cause_id and (self.call_ids or self.no_call_reason):
            dispute.action_resolve()
        notes = [
            self.env._(
                "%(method)s %(move)s posted by %(user)s: %(amount)s.",
                method=dict(self._fields["concession_method"]._description_selection(self.env))[
                    self.concession_method
                ],
                move=move._get_html_link(),
                user=self.env.user.name,
                amount=formatLang(
                    self.env,
                    abs(move.amount_total_signed if move.is_invoice() else self.conceded_amount),
                    currency_obj=self.company_currency_id,
                ),
            )
        ]
        if date != requested_date:
            notes.append(
                self.env._(
                    "%(requested)s is in a locked period: the entry is dated %(date)s, the first open day.",
                    requested=format_date(self.env, requested_date),
                    date=format_date(self.env, date),
                )
            )
        if paid:
            notes.append(
                self.env._(
                    "The invoice was already paid: the credit note stays as the customer's credit (refund it from the credit note)."
                )
            )
        dispute.message_post(body=Markup("<br/>").join(notes), subtype_xmlid="mail.mt_note")
        invoice.message_post(body=notes[0], subtype_xmlid="mail.mt_note")
        return move

    def _concession_accounting_date(self, date):
        """The concession's date, or the first day after the lock dates that forbid it."""
        journal = (
            self.concession_journal_id
            if self.concession_method == "write_off"
            else self.invoice_id.journal_id
        )
        has_tax = self.concession_method == "credit_note" and bool(self.line_ids.move_line_id.tax_ids)
        locks = self.company_id._get_violated_lock_dates(date, has_tax, journal)
        return locks[-1][0] + timedelta(days=1) if locks else date

    def _concession_label(self):
        return self.env._(
            "Concession %(dispute)s on %(invoice)s", dispute=self.name, invoice=self.invoice_id.name
        )

    def _prepare_credit_note_vals(self, date):
        invoice = self.invoice_id
        return {
            "move_type": "out_refund",
            "partner_id": invoice.partner_id.id,
            "reversed_entry_id": invoice.id,
            "journal_id": invoice.journal_id.id,
            "currency_id": invoice.currency_id.id,
            "fiscal_position_id": invoice.fiscal_position_id.id,
            "invoice_date": date,
            "date": date,
            # as Odoo's reversals: no payment term, whose early discount would change the total
            "invoice_payment_term_id": False,
            "ref": self._concession_label(),
            "invoice_origin": invoice.name,
            "concession_dispute_id": self.id,
            "invoice_line_ids": [
                Command.create(line._prepare_credit_note_line_vals())
                for line in self.line_ids
                if not self.currency_id.is_zero(line.conceded_amount)
            ],
        }

    def _adjust_credit_note_total(self, credit_note):
        """Make the draft credit note total the concession. Untaxed prices are in cents, so some
        totals are out of reach (at 10%, 45.44 gives 49.98 and 45.45 gives 50.00: never 49.99);
        the cents go on the largest tax, as Odoo lets an accountant edit a draft's tax totals."""
        currency = credit_note.currency_id
        delta = currency.round(self.conceded_amount - credit_note.amount_total)
        lines = credit_note.invoice_line_ids
        if currency.is_zero(delta) or abs(delta) > len(lines) * currency.rounding * 1.5:
            return
        tax_totals = credit_note.tax_totals
        tax_groups = [group for subtotal in tax_totals["subtotals"] for group in subtotal["tax_groups"]]
        if not tax_groups:
            return
        max(tax_groups, key=lambda group: abs(group["tax_amount_currency"]))["tax_amount_currency"] += delta
        credit_note.tax_totals = tax_totals

    def _prepare_write_off_vals(self, date):
        invoice = self.invoice_id
        receivable = invoice.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )[:1]
        common = {
            "name": self._concession_label(),
            "partner_id": invoice.commercial_partner_id.id,
            "currency_id": invoice.currency_id.id,
        }
        return {
            "move_type": "entry",
            "journal_id": self.concession_journal_id.id,
            "date": date,
            "ref": self._concession_label(),
            "concession_dispute_id": self.id,
            "line_ids": [
                Command.create(
                    {
                        **common,
                        "account_id": receivable.account_id.id,
                        "amount_currency": -self.conceded_amount,
                    }
                ),
                Command.create(
                    {
                        **common,
                        "account_id": self.concession_account_id.id,
                        "amount_currency": self.conceded_amount,
                    }
                ),
            ],
        }

    def action_cancel_concession(self):
        """Reverse the posted concession with Odoo's reversal and reopen the dispute."""
        self.ensure_one()
        if not self.env.user.has_group("field_service_evidence.group_dispute_manager"):
            raise UserError(self.env._("Only a dispute manager can cancel a posted concession."))
        if self.concession_state != "posted":
            raise UserError(self.env._("%s has no posted concession to cancel.", self.name))
        if not self.concession_cancel_reason:
            raise UserError(self.env._("Say why the concession is cancelled, in “Reason to cancel”."))
        moves = self.concession_move_ids.filtered(
            lambda move: move.state == "posted" and not move.reversal_move_ids
        )
        moves.line_ids.remove_move_reconcile()
        reversals = moves._reverse_moves(
            [
                {
                    "ref": self.env._(
                        "Reversal of %(entry)s: %(reason)s",
                        entry=move.ref,
                        reason=self.concession_cancel_reason,
                    )
                }
                for move in moves
            ],
            cancel=True,
        )
        stage = self.env["invoice.dispute.stage"].search([("allow_concession", "=", True)], limit=1)
        self.with_context(dispute_reopen_concession=True).write(
            {"concession_state": "none", "stage_id": stage.id, "resolution": False}
        )
        self.message_post(
            body=self.env._(
                "Concession cancelled by %(user)s: %(reason)s",
                user=self.env.user.name,
                reason=self.concession_cancel_reason,
            ),
            subtype_xmlid="mail.mt_note",
        )
        return reversals

    def action_open_concession_moves(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_journal_line")
        action.update(domain=[("id", "in", self.concession_move_ids.ids)], context={"create": False})
        return action
