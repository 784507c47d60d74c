from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _name = "res.company"
    _inherit = ["res.company", "service.number.mixin"]

    service_unapproved_posting = fields.Selection(
        [
            ("allow", "Allow"),
            ("warn", "Warn and ask to confirm"),
            ("block", "Block"),
        ],
        string="Lines without prior approval",
        default="warn",
        required=True,
        help="What happens when an invoice is posted with lines billing job work the customer "
        "did not approve before it was done.",
    )

    # Dispute policy: what the recommendation proposes.
    dispute_unapproved_share = fields.Float(
        string="Concession on lines without prior approval (%)",
        default=50.0,
        help="Share of a disputed line to concede when the customer did not approve the work before it was done.",
    )
    dispute_let_go_threshold = fields.Monetary(
        string="Let-it-go threshold",
        currency_field="currency_id",
        default=150.0,
        help="A dispute whose whole amount is under this is not worth fighting: the recommendation is to concede it.",
    )
    dispute_contest_hours = fields.Float(
        string="Hours to contest a dispute",
        default=2.0,
        help="Time a contested dispute takes: calls, letters, collection.",
    )
    dispute_hourly_cost = fields.Monetary(
        string="Hourly cost of contesting",
        currency_field="currency_id",
        default=75.0,
    )

    dispute_chance_before_work = fields.Float(
        string="Chance of losing a line approved before the work (%)",
        default=10.0,
        help="How often a contested line the customer approved before the work is lost anyway.",
    )
    dispute_chance_after_work = fields.Float(
        string="Chance of losing a line approved after the work (%)",
        default=50.0,
    )
    dispute_chance_not_approved = fields.Float(
        string="Chance of losing a line without approval (%)",
        default=80.0,
        help="Also for lines that do not come from a documented job.",
    )

    # Concessions: how accountants post them.
    dispute_concession_method = fields.Selection(
        [("credit_note", "Partial credit note"), ("write_off", "Write-off")],
        string="Default concession method",
        default="credit_note",
        required=True,
    )
    dispute_concession_account_id = fields.Many2one(
        "account.account",
        string="Concessions account",
        check_company=True,
        domain="[('account_type', 'in', ('expense', 'expense_direct_cost'))]",
        help="Expense account debited by concession write-offs. Created on first use when empty.",
    )
    dispute_concession_journal_id = fields.Many2one(
        "account.journal",
        string="Concessions journal",
        check_company=True,
        domain="[('type', '=', 'general')]",
        help="Miscellaneous journal of concession write-offs.",
    )
    dispute_concession_limit = fields.Monetary(
        string="Concession limit of dispute users",
        currency_field="currency_id",
        default=250.0,
        help="Above this amount a concession needs a dispute manager, unless the user has a limit of their own.",
    )

    service_approval_link_days = fields.Integer(
        string="Approval links valid for (days)",
        default=7,
        help="How long the link of an estimate sent to a customer for approval stays valid.",
    )

    def _get_concession_account(self):
        """The concessions expense account, created for the chart of accounts when absent."""
        self.ensure_one()
        if not self.dispute_concession_account_id:
            # sudo: accountants may not create accounts; this one is the setting's documented default.
            Account = self.env["account.account"].sudo().with_company(self)
            expense = Account.search(
                [*Account._check_company_domain(self), ("account_type", "=", "expense")],
                order="code",
                limit=1,
            )
            code = Account._search_new_account_code(expense.code or "600000")
            self.sudo().dispute_concession_account_id = Account.create(
                {"name": self.env._("Customer concessions"), "code": code, "account_type": "expense"}
            )
        return self.dispute_concession_account_id

    @api.constrains("service_approval_link_days")
    def _check_service_approval_link_days(self):
        if any(company.service_approval_link_days < 1 for company in self):
            raise ValidationError(self.env._("An approval link must stay valid at least one day."))

    @api.constrains(
        "dispute_unapproved_share",
        "dispute_let_go_threshold",
        "dispute_contest_hours",
        "dispute_hourly_cost",
        "dispute_chance_before_work",
        "dispute_chance_after_work",
        "dispute_chance_not_approved",
    )
    def _check_dispute_policy(self):
        for company in self:
            shares = (
                company.dispute_unapproved_share,
                company.dispute_chance_before_work,
                company.dispute_chance_after_work,
                company.dispute_chance_not_approved,
            )
            if not all(0 <= share <= 100 for share in shares):
                raise ValidationError(
                    self.env._("The concession share and the chances of losing must be between 0% and 100%.")
                )
            if (
                min(
                    company.dispute_let_go_threshold,
                    company.dispute_contest_hours,
                    company.dispute_hourly_cost,
                )
                < 0
            ):
                raise ValidationError(
                    self.env._("The dispute policy's amounts and hours cannot be negative.")
                )
