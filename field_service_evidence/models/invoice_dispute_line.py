import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare
from odoo.tools.misc import format_date, format_time, formatLang

from .account_move import UNAPPROVED

# The technician's sentences and clauses, and the numbers they quote (“2.1”, “96”), to tell which restate a reading.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
CLAUSE_SEPARATOR = re.compile(r"\s*[:;]\s+")
NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?!\.?\d)")
OUTCOMES = [("upheld", "Upheld"), ("reduced", "Reduced"), ("waived", "Waived")]


class InvoiceDisputeLine(models.Model):
    """One invoice line the customer disputes, with its evidence and the concession on it."""

    _name = "invoice.dispute.line"
    _inherit = ["service.number.mixin"]
    _description = "Disputed invoice line"
    _order = "dispute_id, sequence, id"
    _check_company_auto = True
    _sql_constraints = [
        (
            "one_open_dispute_per_line",
            "EXCLUDE (move_line_id WITH =) WHERE (NOT dispute_cancelled)",
            "An invoice line is disputed once at a time: it is already in another dispute that is not cancelled.",
        ),
    ]

    dispute_id = fields.Many2one("invoice.dispute", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="dispute_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="dispute_id.currency_id", store=True)
    dispute_cancelled = fields.Boolean(related="dispute_id.stage_id.is_cancel", store=True)
    sequence = fields.Integer(default=10)
    move_line_id = fields.Many2one(
        "account.move.line",
        string="Invoice line",
        required=True,
        index=True,
        ondelete="restrict",
        domain="[('move_id', '=', parent.invoice_id), ('display_type', '=', 'product')]",
    )
    name = fields.Char(related="move_line_id.name", string="Description")
    line_total = fields.Monetary(related="move_line_id.price_total", string="Line total")
    disputed_amount = fields.Monetary(
        compute="_compute_disputed_amount",
        store=True,
        readonly=False,
        precompute=True,
        help="What the customer refuses to pay on this line, taxes included. By default the whole line.",
    )
    customer_reason = fields.Text(string="Customer's reason")
    evidence_status = fields.Selection(
        related="move_line_id.service_approval_status", string="Evidence", store=True
    )
    approval_stale = fields.Boolean(related="move_line_id.service_approval_stale", string="Beyond approval")
    task_id = fields.Many2one(related="move_line_id.service_task_id", string="Job", store=True)
    recommended_concession = fields.Monetary(
        compute="_compute_recommendation",
        store=True,
        help="What the dispute policy proposes to concede on this line.",
        groups="base.group_user",
    )
    recommendation_reason = fields.Char(
        compute="_compute_recommendation", store=True, groups="base.group_user"
    )
    conceded_amount = fields.Monetary(
        string="Agreed concession",
        help="The concession agreed with the customer on this line, taxes included.",
    )
    outcome = fields.Selection(
        OUTCOMES, compute="_compute_outcome", store=True, help="What was decided on this line, once resolved."
    )
    walkthrough = fields.Text(compute="_compute_walkthrough", string="Script", groups="base.group_user")

    @api.depends("move_line_id")
    def _compute_disputed_amount(self):
        for line in self:
            line.disputed_amount = line.disputed_amount or line.move_line_id.price_total

    @api.depends(
        "disputed_amount",
        "evidence_status",
        "move_line_id.service_work_item_id.approval_id.line_ids",
        "move_line_id.service_work_item_id.approval_id.not_to_exceed",
        "move_line_id.service_work_item_id.price_subtotal",
        "dispute_id.let_go",
        "dispute_id.policy",
        "company_id.dispute_unapproved_share",
    )
    def _compute_recommendation(self):
        for line in self:
            line.recommended_concession, line.recommendation_reason = line._recommend()

    def _recommend(self):
        """(amount to concede, why) on this line under the company's dispute policy."""
        self.ensure_one()
        currency = self.currency_id or self.company_id.currency_id
        if self.dispute_id.let_go:
            return self.disputed_amount, self.env._("Let it go: see the dispute's recommendation.")
        if self.evidence_status in UNAPPROVED or self.evidence_status == "not_applicable":
            share = self.dispute_id._policy()["dispute_unapproved_share"]
            amount = currency.round(self.disputed_amount * share / 100.0)
            if self.evidence_status == "approved_after_work":
                reason = self.env._("Approved only after the work: concede %s%% of it.", share)
            elif self.evidence_status == "not_approved":
                reason = self.env._("No approval on record: concede %s%% of it.", share)
            else:
                reason = self.env._("Not from a documented job: concede %s%% of it.", share)
            return amount, reason
        excess = self._stale_excess()
        if excess:
            return min(excess, self.disputed_amount), self.env._(
                "The price rose beyond what the customer approved: concede the excess."
            )
        return 0.0, self.env._("Approved before the work started: defend it.")

    def _stale_excess(self):
        """What the line bills beyond the approval's not-to-exceed amount, taxes included.

        The amount over the limit is shared among the approval's stale items in proportion
        to how much each rose since the customer approved it."""
        item = self.move_line_id.service_work_item_id
        approval = item.approval_id
        if not approval or item not in approval.stale_work_item_ids:
            return 0.0
        approved = {snap.work_item_id: snap.price_subtotal for snap in approval.line_ids}
        rises = {
            stale: max(stale.price_subtotal - approved.get(stale, 0.0), 0.0)
            for stale in approval.stale_work_item_ids
        }
        limit = approval.not_to_exceed or approval.amount_authorised
        over_limit = max(sum(approval.work_item_ids.mapped("price_subtotal")) - limit, 0.0)
        untaxed_excess = over_limit * rises[item] / sum(rises.values())
        line = self.move_line_id
        ratio = line.price_total / line.price_subtotal if line.price_subtotal else 1.0
        return (self.currency_id or line.currency_id).round(untaxed_excess * ratio)

    @api.depends("conceded_amount", "disputed_amount", "dispute_id.is_closed", "dispute_cancelled")
    def _compute_outcome(self):
        """Decided once the dispute is resolved: while it is open, or once cancelled, the
        agreed amounts are no outcome."""
        for line in self:
            if not line.dispute_id.is_closed or line.dispute_cancelled:
                line.outcome = False
                continue
            currency = line.currency_id
            if currency.is_zero(line.conceded_amount):
                line.outcome = "upheld"
            elif currency.compare_amounts(line.conceded_amount, line.disputed_amount) >= 0:
                line.outcome = "waived"
            else:
                line.outcome = "reduced"

    @api.constrains("move_line_id", "disputed_amount", "conceded_amount")
    def _check_amounts(self):
        for line in self:
            invoice_line = line.move_line_id
            if invoice_line.move_id != line.dispute_id.invoice_id:
                raise ValidationError(
                    self.env._(
                        "“%(line)s” is a line of %(other)s, not of the disputed invoice %(invoice)s.",
                        line=invoice_line.name,
                        other=invoice_line.move_id.display_name,
                        invoice=line.dispute_id.invoice_id.display_name,
                    )
                )
            currency = line.currency_id
            if currency.compare_amounts(line.disputed_amount, 0.0) <= 0:
                raise ValidationError(
                    self.env._("The disputed amount on “%s” must be more than zero.", invoice_line.name)
                )
            if currency.compare_amounts(line.disputed_amount, invoice_line.price_total) > 0:
                raise ValidationError(
                    self.env._(
                        "The disputed amount on “%(line)s” (%(amount)s) is more than the line's total (%(total)s).",
                        line=invoice_line.name,
                        amount=line.disputed_amount,
                        total=invoice_line.price_total,
                    )
                )
            if currency.compare_amounts(line.conceded_amount, 0.0) < 0 or (
                currency.compare_amounts(line.conceded_amount, line.disputed_amount) > 0
            ):
                raise self._amount_range_error(invoice_line.name, line.disputed_amount)

    def _amount_range_error(self, name, disputed_amount):
        return ValidationError(
            self.env._(
                "The concession on “%(line)s” must be between zero and the disputed amount (%(amount)s).",
                line=name,
                amount=disputed_amount,
            )
        )

    @api.constrains("move_line_id")
    def _check_no_overlap(self):
        others = self.search(
            [
                ("move_line_id", "in", self.move_line_id.ids),
                ("id", "not in", self.ids),
                ("dispute_id.stage_id.is_cancel", "=", False),
            ]
        )
        for line in self:
            clash = others.filtered(lambda other, line=line: other.move_line_id == line.move_line_id)
            duplicates = self.filtered(lambda other, line=line: other.move_line_id == line.move_line_id)
            if clash or len(duplicates) > 1:
                raise ValidationError(
                    self.env._(
                        "“%(line)s” is already disputed in %(dispute)s: a line is disputed once.",
                        line=line.move_line_id.name,
                        dispute=(clash.dispute_id or line.dispute_id)[:1].display_name,
                    )
                )

    @api.depends(
        "move_line_id.name",
        "move_line_id.price_total",
        "evidence_status",
        "move_line_id.service_work_item_id.reading_ids.finding",
        "move_line_id.service_work_item_id.justification",
    )
    def _compute_walkthrough(self):
        numbers = self.dispute_id._invoice_line_numbers()
        for line in self:
            line.walkthrough = line._walkthrough_text(numbers.get(line.move_line_id, 0))

    def _walkthrough_text(self, number):
        """What the owner says on the phone about this line, from its evidence: a heading, then
        one short bullet a line, each reading once::

            Line 2: Run capacitor 5 uF 370V, $ 212.75
            • Measured on March 3: Condenser fan run capacitor tested at 2.1 uF against a rated ...
            • Why it was needed: Without it the fan cannot start, ...
            • You approved this by signature at 9:42 AM on March 3, before we started.

        Plain text, so that it reads the same in the form, the pack and over the API; the money
        as Odoo formats it, with a plain space (Odoo's is non-breaking)."""
        self.ensure_one()
        invoice_line = self.move_line_id
        item = invoice_line.service_work_item_id
        approval = item.approval_id
        tz = self._walkthrough_tz()
        amount = formatLang(self.env, invoice_line.price_total, currency_obj=invoice_line.currency_id)
        heading = self.env._(
            "Line %(number)s: %(name)s, %(amount)s",
            number=number,
            name=self._plain_name(),
            amount=amount.replace("\N{NO-BREAK SPACE}", " "),
        )
        bullets = []
        readings = item.reading_ids.sorted(lambda r: r.taken_at)
        before = readings.filtered(lambda r: r.phase == "before")
        for reading in before:
            local = fields.Datetime.context_timestamp(self.with_context(tz=tz), reading.taken_at)
            bullets.append(
                self.env._(
                    "Measured on %(date)s: %(finding)s",
                    date=format_date(self.env, local, date_format="MMMM d"),
                    finding=reading.finding,
                )
            )
        for reading in readings - before:
            bullets.append(self.env._("After the work: %s", reading.finding))
        justification = self._justification_beyond(before)
        if justification:
            bullets.append(self.env._("Why it was needed: %s", justification))
        if item:
            bullets.append(self._approval_sentence(approval))
        else:
            bullets.append(self.env._("This line does not come from a documented job."))
        return "\n".join([heading, *(f"• {bullet}" for bullet in bullets)])

    def _walkthrough_tz(self):
        """Dates as the customer on the phone lives them."""
        return self.dispute_id.partner_id.tz or self.env.user.tz or "UTC"

    def _plain_name(self):
        """The line's label as the customer knows the part: without the product's internal
        code (“[CAP-R-5-370] Run capacitor” reads “Run capacitor”), on one line."""
        invoice_line = self.move_line_id
        name = invoice_line.name or invoice_line.product_id.name or ""
        code = invoice_line.product_id.default_code
        if code and name.startswith(f"[{code}]"):
            name = name[len(code) + 2 :]
        return " ".join(name.split())

    def _justification_beyond(self, readings):
        """The technician's justification without what quotes a measured value of ``readings``
        (their bullets cite it already, with its rating): a sentence, or the clause of it between
        colons and semicolons that does (“The thermocouple makes 6 mV, below the 20 mV the valve
        needs: the pilot cannot stay lit.” keeps “The pilot cannot stay lit.”)."""

        def quotes_a_reading(text):
            return any(
                float_compare(float(number), reading.measured_value, precision_digits=reading.decimals) == 0
                for number in NUMBER.findall(text)
                for reading in readings
            )

        justification = " ".join((self.move_line_id.service_work_item_id.justification or "").split())
        kept = []
        for sentence in SENTENCE_END.split(justification):
            clauses = CLAUSE_SEPARATOR.split(sentence)
            left = [clause for clause in clauses if not quotes_a_reading(clause)]
            if len(left) == len(clauses):
                kept.append(sentence)
            else:
                kept.extend(f"{clause[:1].upper()}{clause[1:].rstrip('.!?')}." for clause in left)
        return " ".join(kept)

    def _approval_method_phrase(self, method):
        """How the customer approved, as the script says it: "You approved this <phrase>"."""
        return {
            "signature": self.env._("by signature"),
            "in_person": self.env._("in person"),
            "phone": self.env._("by phone"),
            "sms": self.env._("by text message"),
            "email": self.env._("by e-mail"),
            "portal": self.env._("on our customer portal"),
            "remote_signature": self.env._("with your signature on the estimate we sent you"),
        }.get(method, method)

    def _approval_sentence(self, approval):
        """When and how the customer approved the line's work, or that they did not."""
        if not approval:
            return self.env._("We have no record of your approval before this work.")
        tz = self._walkthrough_tz()
        decided = fields.Datetime.context_timestamp(self.with_context(tz=tz), approval.decided_at)
        params = {
            "method": self._approval_method_phrase(approval.method),
            "time": format_time(self.env, decided.time(), tz=tz, time_format="short"),
            "date": format_date(self.env, decided, date_format="MMMM d"),
        }
        if self.evidence_status == "approved_before_work":
            return self.env._(
                "You approved this %(method)s at %(time)s on %(date)s, before we started.", **params
            )
        return self.env._(
            "You approved this %(method)s at %(time)s on %(date)s, after the work was done.", **params
        )
