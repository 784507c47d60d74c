from odoo import fields, models

from .invoice_dispute_call import CALL_LOGGED


class MailActivity(models.Model):
    _inherit = "mail.activity"

    def _action_done(self, feedback=False, attachment_ids=None):
        """Marking a dispute's call activity done (“Mark Done” in the chatter) logs the call,
        with the feedback as its notes: the dispute has its call, as if logged on the form."""
        call_type = self.env.ref("mail.mail_activity_data_call", raise_if_not_found=False)
        call_activities = self.filtered(
            lambda activity: activity.res_model == "invoice.dispute"
            and activity.activity_type_id == call_type
        )
        if call_activities and not self.env.context.get(CALL_LOGGED):
            self.env["invoice.dispute.call"].with_context(**{CALL_LOGGED: True}).create(
                [activity._prepare_dispute_call_vals(feedback) for activity in call_activities]
            )
        return super()._action_done(feedback=feedback, attachment_ids=attachment_ids)

    def _prepare_dispute_call_vals(self, feedback):
        self.ensure_one()
        return {
            "dispute_id": self.res_id,
            "user_id": self.env.user.id,
            "call_date": fields.Datetime.now(),
            "outcome": "called",
            "notes": feedback or False,
        }
