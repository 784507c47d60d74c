from odoo import api, fields, models
from odoo.exceptions import ValidationError

# In the context: the call of the call activities being done is logged already. A call logged on
# the form marks its activity done; marking the activity done logs its call: each once.
CALL_LOGGED = "fse_dispute_call_logged"


class InvoiceDisputeCall(models.Model):
    """A phone call with the customer about a dispute; logging it closes the call activity."""

    _name = "invoice.dispute.call"
    _inherit = ["service.number.mixin"]
    _description = "Dispute call"
    _order = "call_date desc, id desc"
    _check_company_auto = True

    dispute_id = fields.Many2one("invoice.dispute", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="dispute_id.company_id", store=True, index=True)
    call_date = fields.Datetime(string="Date", required=True, default=fields.Datetime.now)
    duration = fields.Float(string="Duration (minutes)", digits=(6, 1))
    user_id = fields.Many2one(
        "res.users", string="Called by", default=lambda self: self.env.user, required=True
    )
    outcome = fields.Selection(
        [
            ("agreed", "Customer agreed"),
            ("proposal", "Proposal to send"),
            ("callback", "Call back"),
            ("no_answer", "No answer / voicemail"),
            ("refused", "Customer refused"),
            ("called", "Called"),
        ],
        required=True,
        default="agreed",
        help="A call logged by marking the call activity done is “Called”: what was said is in its notes.",
    )
    notes = fields.Text()

    @api.constrains("duration", "call_date")
    def _check_call(self):
        for call in self:
            if call.duration < 0:
                raise ValidationError(self.env._("A call cannot last a negative time."))
            if call.call_date > fields.Datetime.now():
                raise ValidationError(self.env._("A call cannot be logged in the future."))

    @api.model_create_multi
    def create(self, vals_list):
        calls = super().create(vals_list)
        if not self.env.context.get(CALL_LOGGED):
            # logged on the form: the call activity is done, without logging the call again
            calls.dispute_id.with_context(**{CALL_LOGGED: True})._close_call_activities(calls)
        return calls

    @api.depends("call_date", "outcome")
    def _compute_display_name(self):
        outcomes = dict(self._fields["outcome"]._description_selection(self.env))
        for call in self:
            call.display_name = (
                f"{fields.Datetime.to_string(call.call_date)} - {outcomes.get(call.outcome, '')}"
            )
