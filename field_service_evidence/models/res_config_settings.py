from odoo import fields, models


# pylint-odoo exempts extensions of res.config.settings from no-wizard-in-models, but tells
# them only by a string _inherit: this one is a list, to check the numbers typed in settings.
class ResConfigSettings(models.TransientModel):  # pylint: disable=no-wizard-in-models
    _name = "res.config.settings"
    _inherit = ["res.config.settings", "service.number.mixin"]

    service_unapproved_posting = fields.Selection(
        related="company_id.service_unapproved_posting", readonly=False
    )
    service_approval_link_days = fields.Integer(
        related="company_id.service_approval_link_days", readonly=False
    )
    dispute_unapproved_share = fields.Float(related="company_id.dispute_unapproved_share", readonly=False)
    dispute_let_go_threshold = fields.Monetary(related="company_id.dispute_let_go_threshold", readonly=False)
    dispute_contest_hours = fields.Float(related="company_id.dispute_contest_hours", readonly=False)
    dispute_hourly_cost = fields.Monetary(related="company_id.dispute_hourly_cost", readonly=False)
    dispute_chance_before_work = fields.Float(related="company_id.dispute_chance_before_work", readonly=False)
    dispute_chance_after_work = fields.Float(related="company_id.dispute_chance_after_work", readonly=False)
    dispute_chance_not_approved = fields.Float(
        related="company_id.dispute_chance_not_approved", readonly=False
    )
    dispute_concession_method = fields.Selection(
        related="company_id.dispute_concession_method", readonly=False
    )
    dispute_concession_account_id = fields.Many2one(
        related="company_id.dispute_concession_account_id", readonly=False
    )
    dispute_concession_journal_id = fields.Many2one(
        related="company_id.dispute_concession_journal_id", readonly=False
    )
    dispute_concession_limit = fields.Monetary(related="company_id.dispute_concession_limit", readonly=False)
