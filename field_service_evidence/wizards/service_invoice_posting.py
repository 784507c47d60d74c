from odoo import api, fields, models


class ServiceInvoicePosting(models.TransientModel):
    """Confirm posting invoices that bill work the customer did not approve beforehand."""

    _name = "service.invoice.posting"
    _description = "Post invoices with lines not approved before work"

    move_ids = fields.Many2many("account.move", string="Invoices", required=True)
    line_ids = fields.Many2many("account.move.line", compute="_compute_line_ids", string="Lines")
    message = fields.Text(compute="_compute_line_ids")

    @api.depends("move_ids")
    def _compute_line_ids(self):
        for posting in self:
            lines = posting.move_ids._service_unapproved_lines()
            posting.line_ids = lines
            posting.message = posting.move_ids._service_unapproved_message(lines)

    @api.model
    def _action_open(self, moves):
        posting = self.create({"move_ids": [fields.Command.set(moves.ids)]})
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Lines without prior approval"),
            "res_model": self._name,
            "res_id": posting.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
        }

    def action_confirm(self):
        self.ensure_one()
        return self.move_ids.with_context(service_unapproved_confirmed=True).action_post()
