from odoo import Command, api, fields, models


class InvoiceDisputeConcessionLine(models.Model):
    """What a concession concedes on one disputed line, taxes included: a snapshot, so that
    what a manager approved is what is posted."""

    _name = "invoice.dispute.concession.line"
    _inherit = ["service.number.mixin"]
    _description = "Concession on a disputed line"
    _order = "concession_id, id"
    _check_company_auto = True

    concession_id = fields.Many2one(
        "invoice.dispute.concession", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="concession_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="concession_id.currency_id", store=True)
    dispute_line_id = fields.Many2one(
        "invoice.dispute.line",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
        domain="[('dispute_id', '=', parent.dispute_id)]",
    )
    dispute_id = fields.Many2one(related="dispute_line_id.dispute_id")
    move_line_id = fields.Many2one(
        related="dispute_line_id.move_line_id", store=True, index=True, string="Invoice line"
    )
    name = fields.Char(related="dispute_line_id.name")
    disputed_amount = fields.Monetary(related="dispute_line_id.disputed_amount")
    amount = fields.Monetary(string="Amount conceded", help="Taxes included.")

    @api.constrains("amount", "dispute_line_id")
    def _check_amount(self):
        for line in self:
            if line.currency_id.compare_amounts(line.amount, 0.0) < 0 or (
                line.currency_id.compare_amounts(line.amount, line.disputed_amount) > 0
            ):
                raise self.env["invoice.dispute.line"]._amount_range_error(line.name, line.disputed_amount)

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.concession_id._snapshot_changed()
        return lines

    def write(self, vals):
        self.concession_id._snapshot_changed()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_changes_the_snapshot(self):
        self.concession_id._snapshot_changed()

    def _prepare_credit_note_line_vals(self):
        """The credit note line crediting this concession: same product, account, taxes and
        analytics as the invoice line; a price such that the total, taxes included, is the amount."""
        self.ensure_one()
        line = self.move_line_id
        gross = line.price_unit * line.quantity * (1 - (line.discount or 0.0) / 100.0)
        price_unit = self.amount * gross / line.price_total if line.price_total else self.amount
        return {
            "product_id": line.product_id.id,
            "name": f"{self.concession_id.name}: {line.name}",
            "account_id": line.account_id.id,
            "quantity": 1.0,
            "product_uom_id": line.product_uom_id.id,
            "price_unit": price_unit,
            "tax_ids": [Command.set(line.tax_ids.ids)],
            "analytic_distribution": line.analytic_distribution,
        }
