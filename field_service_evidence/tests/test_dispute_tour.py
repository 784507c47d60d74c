from odoo.tests import HttpCase, tagged

from .test_dispute import DisputeCase


@tagged("post_install", "-at_install")
class TestDisputeTour(DisputeCase, HttpCase):
    """A dispute owner handles a dispute of an invoice in the browser, from opening to resolved:
    a documented job approved before the work, as the demo's heating element job is."""

    def test_dispute_owner_tour(self):
        Product = self.env["product.product"]
        visit = Product.create({"name": "Diagnostic visit", "type": "service", "lst_price": 129.0})
        labour = Product.create({"name": "Plumbing labour (hour)", "type": "service", "lst_price": 125.0})
        invoice = self._invoice(self._job(visit, self.capacitor_product, labour))
        self.assertEqual(len(self._lines(invoice)), 3)
        self.assertFalse(invoice.dispute_ids, "the invoice is not disputed yet")
        self.assertTrue(
            self.env.ref("base.user_admin").has_group("field_service_evidence.group_dispute_manager")
        )

        self.start_tour(
            f"/odoo/action-account.action_move_out_invoice_type/{invoice.id}",
            "fse_dispute_owner_tour",
            login="admin",
            timeout=180,
        )

        dispute = invoice.dispute_ids
        self.assertEqual(len(dispute), 1, "the tour opens one dispute")
        self.assertEqual(len(dispute.line_ids), 2, "the dispute keeps two lines")
        self.assertNotIn("Plumbing labour", " ".join(dispute.line_ids.move_line_id.mapped("name")))
        self.assertEqual(dispute.stage_id, self.env.ref("field_service_evidence.dispute_stage_resolved"))
        self.assertTrue(dispute.is_closed)
        self.assertEqual(
            dispute.root_cause_id, self.env.ref("field_service_evidence.root_cause_misunderstanding")
        )
        self.assertTrue(dispute.statement)
        self.assertTrue(dispute.resolution)
        self.assertTrue(dispute.resolved_date)
        self.assertRecordValues(dispute.call_ids, [{"duration": 12.0, "outcome": "agreed"}])
        self.assertTrue(dispute.call_ids.notes)
        call_type = self.env.ref("mail.mail_activity_data_call")
        self.assertFalse(
            dispute.activity_ids.filtered(lambda activity: activity.activity_type_id == call_type),
            "logging the call marked the call activity done",
        )
        done = self.env["mail.message"].search(
            [
                ("model", "=", "invoice.dispute"),
                ("res_id", "=", dispute.id),
                ("mail_activity_type_id", "=", call_type.id),
            ]
        )
        self.assertTrue(done, "the call activity was done, not deleted")
        for line in dispute.line_ids:
            self.assertEqual(line.conceded_amount, line.recommended_concession, line.display_name)
        self.assertEqual(dispute.conceded_amount, dispute.recommended_amount)
