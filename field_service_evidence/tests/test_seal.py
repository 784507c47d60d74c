"""The evidence seal: who may write a line's fingerprint, what it covers, and what posting
an invoice again does to it."""

import base64
from xmlrpc.client import Fault

from odoo import Command
from odoo.addons.field_service_evidence.models.account_move_line import SEALING_CONTEXT_KEY
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from .common import JUSTIFICATION, FieldServiceCase
from .invoice_fixtures import create_invoiced_job

ACCOUNTANT_GROUPS = "base.group_user,account.group_account_invoice"
FORGED = "0" * 64
LOCKED_ITEM = (
    r"Job “No cooling at 12 Elm Street” is completed and its service record is locked: "
    r"only a dispute manager can add, change or delete work item records on it\."
)


class SealCase(FieldServiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = cls._create_user("fse_seal_accountant", ACCOUNTANT_GROUPS, "Alex Accountant")

    @staticmethod
    def _sealed_lines(invoice):
        return invoice.invoice_line_ids.filtered("service_work_item_id").sorted(
            lambda line: (line.sequence, line.id)
        )

    def _verify(self, invoice):
        return invoice.with_user(self.accountant).action_verify_evidence()["params"]


@tagged("post_install", "-at_install")
class TestSealOverRpc(HttpCase, SealCase):
    """What a user can do from outside the screens, over XML-RPC with their own password."""

    def _rpc(self, user, model, method, *args, **kwargs):
        """Call as ``user`` (new_test_user set their password to their login); XML-RPC
        carries x2many commands as plain lists of ints, not Command enums."""
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, user.id, user.login, model, method, list(args), kwargs
        )

    def test_an_accountant_cannot_rewrite_a_fingerprint(self):
        invoice = create_invoiced_job(self.env, 2, readings_per_item=1)
        line = self._sealed_lines(invoice)[0]
        sealed = line.service_evidence_hash
        refused = r"fingerprint of “Run capacitor, unit 1” is written when the invoice is posted"
        for value, context in ((FORGED, {}), (False, {}), (FORGED, {SEALING_CONTEXT_KEY: True})):
            with self.assertRaisesRegex(Fault, refused):
                self._rpc(
                    self.accountant,
                    "account.move.line",
                    "write",
                    line.ids,
                    {"service_evidence_hash": value},
                    context=context,
                )
        self.env.invalidate_all()
        self.assertEqual(line.service_evidence_hash, sealed)
        self.assertEqual(self._verify(invoice)["type"], "success")

    def test_an_accountant_cannot_forge_a_fingerprint_before_posting(self):
        invoice = create_invoiced_job(self.env, 1, readings_per_item=1, post=False)
        line = self._sealed_lines(invoice)
        count = len(invoice.invoice_line_ids)
        forged_lines = {
            "Run capacitor, unit 1": [int(Command.UPDATE), line.id, {"service_evidence_hash": FORGED}],
            "Forged line": [
                int(Command.CREATE),
                0,
                {"name": "Forged line", "price_unit": 1.0, "service_evidence_hash": FORGED},
            ],
        }
        for name, command in forged_lines.items():
            with self.assertRaisesRegex(
                Fault, rf"fingerprint of “{name}” is written when the invoice is posted"
            ):
                self._rpc(
                    self.accountant, "account.move", "write", invoice.ids, {"invoice_line_ids": [command]}
                )
        self.env.invalidate_all()
        self.assertEqual(len(invoice.invoice_line_ids), count)
        self.assertFalse(line.service_evidence_hash)
        invoice.with_user(self.accountant).action_post()
        self.assertEqual(self._verify(invoice)["type"], "success")

    def test_a_technician_cannot_change_a_completed_jobs_work_items(self):
        task = self._documented_job()
        item = task.work_item_ids
        with self.assertRaisesRegex(Fault, LOCKED_ITEM):
            self._rpc(
                self.technician,
                "service.work.item",
                "write",
                item.ids,
                {"justification": "Customer asked for it.", "price_unit": 400.0, "quantity": 2.0},
            )
        with self.assertRaisesRegex(Fault, LOCKED_ITEM):
            self._rpc(
                self.technician,
                "service.work.item",
                "create",
                {"task_id": task.id, "name": "Extra refrigerant", "price_unit": 120.0},
            )
        with self.assertRaisesRegex(Fault, LOCKED_ITEM):
            self._rpc(self.technician, "service.work.item", "unlink", item.ids)
        self.env.invalidate_all()
        self.assertEqual(task.work_item_ids, item)
        self.assertEqual((item.justification, item.price_unit, item.quantity), (JUSTIFICATION, 185.0, 1.0))


@tagged("post_install", "-at_install")
class TestWorkItemsLockWithTheJob(SealCase):
    def test_locked_for_technicians_only(self):
        item = self._documented_job().work_item_ids
        self.assertTrue(item.with_user(self.technician).evidence_locked)
        self.assertFalse(item.with_user(self.manager).evidence_locked)

    def test_open_job_items_stay_editable(self):
        task = self._documented_job(complete=False)
        item = task.work_item_ids.with_user(self.technician)
        item.justification = "Tested at 2.1 uF: the fan cannot start."
        self.assertEqual(item.justification, "Tested at 2.1 uF: the fan cannot start.")

    def test_manager_correction_is_on_the_jobs_record(self):
        task = self._documented_job()
        task.work_item_ids.with_user(self.manager).price_unit = 175.0
        self.assertEqual(task.work_item_ids.price_unit, 175.0)
        note = task.message_ids.filtered(lambda m: "was changed after the job was completed" in m.body)
        self.assertEqual(len(note), 1)
        self.assertIn("Run capacitor 5 uF", note.body)
        self.assertEqual(note.author_id, self.manager.partner_id)


@tagged("post_install", "-at_install")
class TestPostingAgain(SealCase):
    """Reset to draft and post again: the first seal is kept and checked, never replaced."""

    def test_unchanged_evidence_keeps_its_seal(self):
        invoice = create_invoiced_job(self.env, 2, readings_per_item=1).with_user(self.accountant)
        sealed = self._sealed_lines(invoice).mapped("service_evidence_hash")
        invoice.button_draft()
        invoice.ref = "PO 4471"  # a correction of the invoice, not of what its lines bill
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(self._sealed_lines(invoice).mapped("service_evidence_hash"), sealed)
        self.assertEqual(self._verify(invoice)["type"], "success")

    def test_changed_evidence_is_refused_naming_the_line(self):
        invoice = create_invoiced_job(self.env, 3, readings_per_item=1)
        lines = self._sealed_lines(invoice)
        sealed = lines.mapped("service_evidence_hash")
        # A dispute manager corrects a reading of the second line after the invoice was posted.
        lines[1].service_work_item_id.reading_ids.with_user(self.manager).measured_value = 4.9
        invoice = invoice.with_user(self.accountant)
        invoice.button_draft()
        with self.assertRaises(UserError) as refusal:  # assertRaises rolls back what was written
            invoice.action_post()
        message = str(refusal.exception)
        self.assertIn("“Run capacitor, unit 2” (Job with 3 items)", message)
        self.assertIn("cancel this invoice and invoice the jobs again", message)
        self.assertNotIn("unit 1", message)
        self.assertNotIn("unit 3", message)
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(lines.mapped("service_evidence_hash"), sealed)

    def test_a_line_edited_in_draft_is_refused(self):
        invoice = create_invoiced_job(self.env, 2, readings_per_item=1).with_user(self.accountant)
        line = self._sealed_lines(invoice)[0]
        sealed = line.service_evidence_hash
        invoice.button_draft()
        invoice.invoice_line_ids = [Command.update(line.id, {"price_unit": 150.0})]
        with self.assertRefused(UserError, r"“Run capacitor, unit 1”"):
            invoice.action_post()
        self.assertEqual(line.service_evidence_hash, sealed)
        # Putting the price back as it was invoiced lets the invoice be posted again.
        invoice.invoice_line_ids = [Command.update(line.id, {"price_unit": 185.0})]
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(line.service_evidence_hash, sealed)

    def test_invoicing_again_after_cancelling_seals_the_evidence_as_it_is_now(self):
        invoice = create_invoiced_job(self.env, 1, readings_per_item=1)
        line = self._sealed_lines(invoice)
        sealed = line.service_evidence_hash
        line.service_work_item_id.reading_ids.with_user(self.manager).measured_value = 4.9
        invoice.button_draft()
        invoice.button_cancel()
        again = self._press_create_invoice(line.service_task_id)
        again.action_post()
        self.assertEqual(line.service_evidence_hash, sealed)
        self.assertNotEqual(self._sealed_lines(again).service_evidence_hash, sealed)
        self.assertEqual(self._verify(again)["type"], "success")


@tagged("post_install", "-at_install")
class TestSealedPhotos(SealCase):
    def _photo(self, record, name, content):
        return self.env["ir.attachment"].create(
            {"name": name, "raw": content, "res_model": record._name, "res_id": record.id}
        )

    def _job_with_photos(self):
        """A completed, invoiced job whose reading and approval carry photos: the failed
        capacitor's meter, and the customer's signed paper form."""
        task = self._documented_job(complete=False)
        reading = task.reading_ids.filtered(lambda r: r.phase == "before")
        meter = self._photo(reading, "meter.jpg", b"meter showing 2.1 uF")
        reading.photo_ids = meter
        form = self._photo(task.approval_ids, "signed form.jpg", b"signed paper form")
        task.approval_ids.attachment_ids = form
        task.work_item_ids.reading_ids = reading
        task.action_complete_work()
        invoice = self._press_create_invoice(task)
        invoice.action_post()
        self.assertEqual(self._verify(invoice)["type"], "success")
        return invoice, meter, form

    def test_a_replaced_reading_photo_is_named_by_verify(self):
        invoice, meter, _form = self._job_with_photos()
        # The technician swaps the picture of the meter on the completed job.
        meter.with_user(self.technician).datas = base64.b64encode(b"meter showing 4.9 uF")
        result = self._verify(invoice)
        self.assertEqual(result["type"], "warning")
        self.assertIn("Run capacitor 5 uF", result["message"])

    def test_a_replaced_approval_photo_is_named_by_verify(self):
        invoice, _meter, form = self._job_with_photos()
        form.raw = b"another paper form"
        self.assertEqual(self._verify(invoice)["type"], "warning")

    def test_a_photo_added_later_is_named_by_verify(self):
        invoice, _meter, _form = self._job_with_photos()
        reading = self._sealed_lines(invoice).service_work_item_id.reading_ids
        reading.with_user(self.manager).photo_ids = [
            Command.link(self._photo(reading, "later.jpg", b"later").id)
        ]
        self.assertEqual(self._verify(invoice)["type"], "warning")


@tagged("post_install", "-at_install")
class TestEachLineOnItsOwnSeal(SealCase):
    def _tamper_fingerprint(self, line):
        """Someone with database access rewrites a stored fingerprint: no screen or RPC can."""
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE account_move_line SET service_evidence_hash = %s WHERE id = %s", [FORGED, line.id]
        )
        self.env.invalidate_all()

    def test_a_tampered_fingerprint_blames_only_its_line(self):
        invoice = create_invoiced_job(self.env, 3, readings_per_item=1)
        lines = self._sealed_lines(invoice)
        self._tamper_fingerprint(lines[1])
        self.assertEqual(invoice._service_changed_evidence_lines(), lines[1])
        message = self._verify(invoice)["message"]
        self.assertIn("unit 2", message)
        self.assertNotIn("unit 3", message)

    def test_changed_evidence_blames_only_its_line(self):
        invoice = create_invoiced_job(self.env, 3, readings_per_item=1)
        lines = self._sealed_lines(invoice)
        lines[0].service_work_item_id.reading_ids.with_user(self.manager).measured_value = 4.9
        self.assertEqual(invoice._service_changed_evidence_lines(), lines[0])
        message = self._verify(invoice)["message"]
        self.assertIn("unit 1", message)
        self.assertNotIn("unit 2", message)
