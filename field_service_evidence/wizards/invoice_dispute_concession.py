from odoo import Command, api, fields, models


class InvoiceDisputeConcession(models.TransientModel):
    """Post the concession agreed on a dispute: a partial credit note or a write-off."""

    _name = "invoice.dispute.concession"
    _description = "Post a dispute concession"
    _check_company_auto = True

    dispute_id = fields.Many2one("invoice.dispute", required=True, readonly=True)
    company_id = fields.Many2one(related="dispute_id.company_id")
    currency_id = fields.Many2one(related="dispute_id.currency_id")
    invoice_id = fields.Many2one(related="dispute_id.invoice_id")
    method = fields.Selection(
        [("credit_note", "Partial credit note"), ("write_off", "Write-off")],
        required=True,
        compute="_compute_defaults",
        store=True,
        precompute=True,
        readonly=False,
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
    date = fields.Date(required=True, default=fields.Date.context_today)
    line_ids = fields.One2many("invoice.dispute.concession.line", "concession_id", string="Lines")
    amount_total = fields.Monetary(compute="_compute_amount_total", string="Concession")

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

    @api.depends("line_ids.amount")
    def _compute_amount_total(self):
        for concession in self:
            concession.amount_total = sum(concession.line_ids.mapped("amount"))

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        dispute = self.env["invoice.dispute"].browse(
            values.get("dispute_id") or self.env.context.get("active_id")
        )
        if dispute and "line_ids" in fields_list:
            values["dispute_id"] = dispute.id
            values["line_ids"] = [
                Command.create({"dispute_line_id": line.id, "amount": line.conceded_amount})
                for line in dispute.line_ids
            ]
        return values

    def action_post(self):
        self.ensure_one()
        dispute = self.dispute_id
        if self.method == "write_off" and not self.account_id:
            self.account_id = dispute.company_id._get_concession_account()
        for line in self.line_ids:
            # sudo: the accountant reads disputes only; the amount conceded is theirs to post
            # (the line's constraints still check it), and the wizard is for accountants only.
            line.dispute_line_id.sudo().conceded_amount = line.amount
        move = dispute._request_concession(self._prepare_dispute_vals())
        if not move:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "title": self.env._("Approval requested"),
                    "message": self.env._(
                        "The concession is above your limit: a dispute manager will approve it."
                    ),
                    "type": "warning",
                    "next": {"type": "ir.actions.act_window_close"},
                },
            }
        return {"type": "ir.actions.act_window_close"}

    def _prepare_dispute_vals(self):
        return {
            "concession_method": self.method,
            "concession_date": self.date,
            "concession_journal_id": self.journal_id.id,
            "concession_account_id": self.account_id.id,
        }
