from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.misc import formatLang

from .account_move import UNAPPROVED
from .invoice_dispute_concession import LIVE_STATES

# The company's policy figures a recommendation is computed from, frozen when it is resolved.
POLICY_FIELDS = (
    "dispute_let_go_threshold",
    "dispute_contest_hours",
    "dispute_hourly_cost",
    "dispute_unapproved_share",
    "dispute_chance_before_work",
    "dispute_chance_after_work",
    "dispute_chance_not_approved",
)


class InvoiceDispute(models.Model):
    """A customer's dispute of an invoice: call first, walk through the evidence, decide."""

    _name = "invoice.dispute"
    _inherit = ["portal.mixin", "mail.thread", "mail.activity.mixin", "service.protected.fields.mixin"]
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
    customer_status = fields.Selection(
        [
            ("received", "Received"),
            ("in_review", "Being reviewed"),
            ("resolved", "Resolved"),
            ("withdrawn", "Withdrawn"),
        ],
        compute="_compute_customer_status",
        help="Where the dispute stands in the customer's words: the portal shows it, never the "
        "team's own stages.",
    )
    technician_id = fields.Many2one(
        "res.users",
        compute="_compute_technician_id",
        store=True,
        help="The technician of the first disputed job.",
        groups="base.group_user",
    )

    concession_ids = fields.One2many("invoice.dispute.concession", "dispute_id", groups="base.group_user")
    concession_id = fields.Many2one(
        "invoice.dispute.concession",
        compute="_compute_concession",
        string="Current concession",
        help="The concession waiting for approval, approved or posted; else the latest draft.",
        groups="base.group_user",
    )
    concession_state = fields.Selection(
        [
            ("none", "None"),
            ("draft", "Draft"),
            ("to_approve", "Waiting for approval"),
            ("approved", "Approved"),
            ("posted", "Posted"),
        ],
        compute="_compute_concession",
        string="Concession status",
        groups="base.group_user",
    )
    posted_concession_amount = fields.Monetary(
        compute="_compute_concession", string="Posted concession", groups="base.group_user"
    )
    concession_move_ids = fields.Many2many(
        "account.move", compute="_compute_concession", string="Concession entries", groups="base.group_user"
    )
    concession_move_count = fields.Integer(compute="_compute_concession", groups="base.group_user")
    allow_concession = fields.Boolean(related="stage_id.allow_concession", string="Concession allowed")
    # The accountants' queue (Invoicing > Customers > Concessions to post).
    concession_to_post = fields.Boolean(
        compute="_compute_concession_to_post",
        store=True,
        index=True,
        help="An accountant has a concession to post: an agreed one with no concession posted or "
        "waiting for approval, or an approved one, in a stage where concessions are posted.",
    )
    concession_to_post_amount = fields.Monetary(
        compute="_compute_concession_to_post",
        store=True,
        string="To post",
        help="The approved concession's amount, else the agreed concession.",
    )
    invoice_residual = fields.Monetary(related="invoice_id.amount_residual", string="Amount due")
    policy = fields.Json(
        readonly=True,
        copy=False,
        help="The dispute policy's figures when the dispute was resolved: its recommendation keeps them.",
        groups="base.group_user",
    )

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

    @api.depends("concession_ids.state", "concession_ids.amount_total")
    def _compute_concession(self):
        for dispute in self:
            concessions = dispute.concession_ids
            live = concessions.filtered(lambda concession: concession.state in LIVE_STATES)
            current = live[:1] or concessions.filtered(lambda concession: concession.state == "draft")[:1]
            dispute.concession_id = current
            dispute.concession_state = current.state or "none"
            dispute.posted_concession_amount = current.amount_total if current.state == "posted" else 0.0
            dispute.concession_move_ids = concessions.move_id | concessions.reversal_move_id
            dispute.concession_move_count = len(dispute.concession_move_ids)

    @api.depends(
        "stage_id.allow_concession", "conceded_amount", "concession_ids.state", "concession_ids.amount_total"
    )
    def _compute_concession_to_post(self):
        for dispute in self:
            amount = 0.0
            if dispute.allow_concession and dispute.concession_state == "approved":
                amount = dispute.concession_id.amount_total
            elif dispute.allow_concession and dispute.concession_state in ("none", "draft"):
                amount = dispute.conceded_amount
            dispute.concession_to_post = not dispute.currency_id.is_zero(amount)
            dispute.concession_to_post_amount = amount

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
        "policy",
        *(f"company_id.{name}" for name in POLICY_FIELDS),
    )
    def _compute_recommendation(self):
        for dispute in self:
            dispute.update(dispute._recommend())

    def _recommend(self):
        """The policy's view of the dispute: chance of losing it, whether to let it go, and why."""
        self.ensure_one()
        company, currency = self.company_id, self.currency_id or self.company_id.currency_id
        policy = self._policy()
        lines = self.line_ids
        total = sum(lines.mapped("disputed_amount"))
        # a new dispute's form may compute this before its invoice (so its company) is known
        if not lines or not company or currency.is_zero(total):
            return {
                "chance_of_losing": 0.0,
                "let_go": False,
                "recommendation": False,
                "recommendation_reason": False,
            }
        chances = {
            "approved_before_work": policy["dispute_chance_before_work"] / 100.0,
            "approved_after_work": policy["dispute_chance_after_work"] / 100.0,
        }
        not_approved = policy["dispute_chance_not_approved"] / 100.0
        chance = (
            sum(chances.get(line.evidence_status, not_approved) * line.disputed_amount for line in lines)
            / total
        )
        total_company = self._to_company_currency(total)
        threshold = policy["dispute_let_go_threshold"]
        time_cost = policy["dispute_contest_hours"] * policy["dispute_hourly_cost"]
        expected_recovery = (1.0 - chance) * total_company
        fmt = lambda amount: formatLang(self.env, amount, currency_obj=company.currency_id)  # noqa: E731
        values = {"chance_of_losing": round(chance * 100.0, 1)}
        if company.currency_id.compare_amounts(total_company, threshold) < 0:
            values.update(
                let_go=True,
                recommendation="let_go",
                recommendation_reason=self.env._(
                    "Let it go: %(amount)s is under the %(threshold)s threshold, less than the time and "
                    "goodwill a fight would cost.",
                    amount=fmt(total_company),
                    threshold=fmt(threshold),
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

    def _policy(self):
        """The policy figures of the recommendation: frozen when resolved, else the company's."""
        self.ensure_one()
        return self.policy or {name: self.company_id[name] for name in POLICY_FIELDS}

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

    @api.depends("stage_id.is_closing", "stage_id.is_cancel", "resolution")
    def _compute_customer_status(self):
        first_stage = self._default_stage_id()
        for dispute in self:
            stage = dispute.stage_id
            if stage.is_cancel or (stage.is_closing and dispute.resolution == "withdrawn"):
                dispute.customer_status = "withdrawn"
            elif stage.is_closing:
                dispute.customer_status = "resolved"
            elif not stage or stage == first_stage:
                dispute.customer_status = "received"
            else:
                dispute.customer_status = "in_review"

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
        disputes = super().create(vals_list)
        # Numbered once valid, the database's constraints and the invoice's update included (the
        # flush runs them), from a gapless sequence drawn in this transaction: a dispute refused,
        # or retried after a concurrent update, uses up no number.
        self.env.flush_all()
        for dispute in disputes.filtered(lambda dispute: dispute.name == "/"):
            dispute.name = self.env["ir.sequence"].next_by_code("invoice.dispute") or "/"
        disputes._schedule_call()
        disputes._update_concession_todo()
        return disputes

    def write(self, vals):
        """Stage changes (the statusbar, the kanban) go through the lifecycle's checks; the
        accountant's to-do follows the stage and the agreed concessions."""
        if "invoice_id" in vals:
            self._check_can_change_invoice(vals["invoice_id"])
        if "stage_id" not in vals:
            result = super().write(vals)
        else:
            stage = self.env["invoice.dispute.stage"].browse(vals["stage_id"])
            moving = self.filtered(lambda dispute: dispute.stage_id != stage)
            moving._check_can_move_to(stage)
            result = super().write(vals)
            moving._after_move_to(stage)
        if vals.keys() & {"stage_id", "line_ids"}:
            self._update_concession_todo()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_without_concessions(self):
        """A dispute with a concession beyond draft is accounting history: cancel it instead."""
        kept = self.concession_ids.filtered(lambda concession: concession.state != "draft")
        if kept:
            raise UserError(
                self.env._(
                    "%(dispute)s has the concession %(concession)s: it cannot be deleted. Cancel the dispute "
                    "instead (a posted concession is reversed first).",
                    dispute=kept[0].dispute_id.name,
                    concession=kept[0].name,
                )
            )
        self.concession_ids.unlink()

    @api.model
    def _protected_fields(self):
        return {"policy", "resolved_date"}

    def _check_can_change_invoice(self, invoice_id):
        moved = self.filtered(lambda dispute: dispute.line_ids and dispute.invoice_id.id != invoice_id)
        if moved:
            raise UserError(
                self.env._(
                    "%s disputes lines of its invoice: it cannot move to another invoice. Cancel it and "
                    "open a dispute on the other invoice.",
                    moved[0].display_name,
                )
            )

    def _check_can_move_to(self, stage):
        if stage.is_cancel:
            self._check_can_cancel()
        elif not stage.is_closing:
            self.filtered("is_closed")._check_can_reopen()

    def _after_move_to(self, stage):
        """Dates and the frozen recommendation follow the stage; resolving is checked on the
        written values (raising rolls the whole write back)."""
        if stage.is_closing and not stage.is_cancel:
            self._check_can_resolve()
            for dispute in self:
                dispute._set({"policy": dispute._policy()})
        elif not stage.is_closing:
            self._set({"policy": False})
        if stage.is_closing:
            self.filtered(lambda dispute: not dispute.resolved_date)._set(
                {"resolved_date": fields.Datetime.now()}
            )
        else:
            self._set({"resolved_date": False})

    def _check_can_cancel(self):
        for dispute in self:
            live = dispute.concession_ids.filtered(lambda concession: concession.state in LIVE_STATES)
            if live.filtered(lambda concession: concession.state == "posted"):
                raise UserError(
                    self.env._(
                        "%(dispute)s has a posted concession (%(concession)s): a dispute manager cancels it "
                        "(its entry is reversed) before the dispute can be cancelled.",
                        dispute=dispute.name,
                        concession=live.name,
                    )
                )
            if live:
                raise UserError(
                    self.env._(
                        "%(dispute)s has a concession in progress (%(concession)s): cancel it first.",
                        dispute=dispute.name,
                        concession=live.name,
                    )
                )

    def _check_can_reopen(self):
        resolved = self.filtered(lambda dispute: not dispute.stage_id.is_cancel)
        if resolved and not self.env.user.has_group("field_service_evidence.group_dispute_manager"):
            raise UserError(
                self.env._(
                    "%s is resolved: only a dispute manager can move it back.", resolved[0].display_name
                )
            )
        cancelled = self - resolved
        if cancelled:
            cancelled.line_ids._check_no_overlap()

    def action_cancel(self):
        stage = self.env["invoice.dispute.stage"].search([("is_cancel", "=", True)], limit=1)
        self.stage_id = stage
        return True

    def action_reopen(self):
        """Back to the last open stage (Proposal), to agree again."""
        stage = self.env["invoice.dispute.stage"].search(
            [("is_closing", "=", False)], order="sequence desc, id desc", limit=1
        )
        self.write({"stage_id": stage.id, "resolution": False})
        return True

    def _reopen_for_concession(self, concession):
        """A posted concession was cancelled: the dispute goes back to agreeing one."""
        stage = self.env["invoice.dispute.stage"].search([("allow_concession", "=", True)], limit=1)
        self.write({"stage_id": stage.id, "resolution": False})
        self.message_post(
            body=self.env._(
                "Concession %(concession)s cancelled by %(user)s: %(reason)s",
                concession=concession.name,
                user=self.env.user.name,
                reason=concession.cancel_reason,
            ),
            subtype_xmlid="mail.mt_note",
        )

    def _notify_concession_posted(self, concession):
        """The accountant posted the concession: its owner closes the dispute."""
        if self.user_id and not self.is_closed:
            concession.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Concession posted: resolve %s", self.name),
                note=self.env._("Record the root cause and resolve the dispute."),
                user_id=self.user_id.id,
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
        self._update_concession_todo()
        return True

    def action_resolve(self):
        """Close the dispute on its posted concession (or none); the checks run on the stage change."""
        stage = self.env["invoice.dispute.stage"].search(
            [("is_closing", "=", True), ("is_cancel", "=", False)], limit=1
        )
        for dispute in self:
            dispute.write(dispute._prepare_resolve_vals(stage))
        return True

    def _prepare_resolve_vals(self, stage):
        self.ensure_one()
        vals = {"stage_id": stage.id}
        if not self.resolution:
            currency, conceded = self.currency_id, self.posted_concession_amount
            if currency.is_zero(conceded):
                vals["resolution"] = "upheld"
            elif currency.compare_amounts(conceded, self.disputed_amount) >= 0:
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
            if dispute.concession_state in ("to_approve", "approved"):
                raise UserError(
                    self.env._(
                        "%(dispute)s: its concession %(concession)s is not posted yet: post it, or cancel it, "
                        "before closing.",
                        dispute=dispute.name,
                        concession=dispute.concession_id.name,
                    )
                )
            currency = dispute.currency_id
            if dispute.concession_state != "posted" and not currency.is_zero(dispute.conceded_amount):
                raise UserError(
                    self.env._(
                        "%(dispute)s: %(amount)s of concession was agreed but never posted. Ask an accountant "
                        "to post it, or set the agreed concessions to zero to close without one.",
                        dispute=dispute.name,
                        amount=formatLang(self.env, dispute.conceded_amount, currency_obj=currency),
                    )
                )

    def _prepare_concession_lines_vals(self):
        """The lines of a new concession: what was agreed on each disputed line."""
        self.ensure_one()
        return [{"dispute_line_id": line.id, "amount": line.conceded_amount} for line in self.line_ids]

    def action_new_concession(self):
        """The accountant's concession document, prefilled with the agreed amounts, to post."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "field_service_evidence.invoice_dispute_concession_action_new"
        )
        action["context"] = {"default_dispute_id": self.id}
        return action

    # The accountants' queue ---------------------------------------------------------------

    def action_post_concession(self):
        """Post concession, from the dispute or the accountants' queue: the approved concession,
        else a new one prefilled with the agreed amounts."""
        self.ensure_one()
        action = self.action_new_concession()
        if self.concession_state == "approved":
            action.update(res_id=self.concession_id.id, context={})
        return action

    def _update_concession_todo(self):
        """Keep one "Concession to post" to-do per dispute while an accountant has its agreed
        concession to post (an approved one has its own to-do, for who asked for approval):
        scheduled for one accountant, marked done once posted, removed when the agreement is
        withdrawn or waits for a manager."""
        todo_xmlid = "field_service_evidence.mail_activity_type_concession_to_post"
        todo_type = self.env.ref(todo_xmlid)
        # sudo: the to-do follows the dispute's state, which the user's own checked action just
        # changed; an accountant only reads disputes, yet their posting closes a colleague's to-do.
        for dispute in self.sudo():
            todo = dispute.activity_ids.filtered(lambda activity: activity.activity_type_id == todo_type)
            ready = dispute.concession_to_post and dispute.concession_state in ("none", "draft")
            if ready and not todo:
                accountant = dispute._concession_accountant()
                if accountant:
                    dispute.activity_schedule(
                        todo_xmlid,
                        summary=self.env._("Post the concession agreed on %s", dispute.name),
                        note=self.env._(
                            "%(amount)s agreed with %(customer)s on %(invoice)s: post it as a partial "
                            "credit note or a write-off.",
                            amount=formatLang(
                                self.env, dispute.concession_to_post_amount, currency_obj=dispute.currency_id
                            ),
                            customer=dispute.partner_id.display_name,
                            invoice=dispute.invoice_id.name,
                        ),
                        user_id=accountant.id,
                    )
            elif todo and not ready:
                if dispute.concession_state == "posted":
                    todo.action_feedback(
                        feedback=self.env._("Concession %s posted.", dispute.concession_id.name)
                    )
                else:
                    todo.unlink()

    def _concession_accountant(self):
        """Who posts the concession: the invoice's salesperson when they keep the books, else the
        company's first accountant."""
        self.ensure_one()
        return self.env["res.users"]._first_member(
            "account.group_account_invoice", self.company_id, preferred=self.invoice_id.invoice_user_id
        )

    def action_open_concessions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "field_service_evidence.invoice_dispute_concession_action"
        )
        action["domain"] = [("dispute_id", "=", self.id)]
        action["context"] = {"create": False}
        if len(self.concession_ids) == 1:
            action.update(res_id=self.concession_ids.id, view_mode="form", views=[(False, "form")])
        return action

    def action_open_concession_moves(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_journal_line")
        action.update(domain=[("id", "in", self.concession_move_ids.ids)], context={"create": False})
        return action

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
            "name": self.env._("Send dispute pack"),
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
