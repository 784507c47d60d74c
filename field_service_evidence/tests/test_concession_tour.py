from odoo import Command, fields
from odoo.tests import HttpCase, tagged

from .common import FieldServiceCase


@tagged("post_install", "-at_install")
class TestConcessionTour(FieldServiceCase, HttpCase):
    """An accountant posts a dispute's concession as a partial credit note in the browser."""

    def test_concession_tour(self):
        company = self.env.ref("base.main_company")
        # the company's default is a write-off: the tour has to choose the credit note
        company.dispute_concession_method = "write_off"
        tax = self.env["account.tax"].create(
            {"name": "Tour sales tax 10%", "amount": 10.0, "type_tax_use": "sale", "company_id": company.id}
        )
        partner = self.env["res.partner"].create({"name": "Concession Tour Customer"})
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "company_id": company.id,
                "partner_id": partner.id,
                "invoice_date": fields.Date.today(),
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Emergency call-out", "price_unit": 200.0, "tax_ids": [Command.set(tax.ids)]}
                    )
                ],
            }
        )
        invoice.action_post()
        self.assertEqual(invoice.amount_residual, 220.0)
        dispute = self.env["invoice.dispute"].create(
            {
                "invoice_id": invoice.id,
                "stage_id": self.env.ref("field_service_evidence.dispute_stage_proposal").id,
                "line_ids": [
                    Command.create({"move_line_id": invoice.invoice_line_ids.id, "conceded_amount": 55.0})
                ],
            }
        )

        self.start_tour("/odoo", "fse_concession_tour", login="admin")

        self.assertEqual(dispute.concession_state, "posted")
        self.assertRecordValues(
            dispute.concession_move_ids,
            [
                {
                    "move_type": "out_refund",
                    "state": "posted",
                    "amount_total": 55.0,
                    "reversed_entry_id": invoice.id,
                }
            ],
        )
        self.assertEqual(invoice.amount_residual, 165.0)
