"""Builders of invoiced jobs at any size, shared by the tests and the benchmarks in bench/."""

from odoo import Command


def create_invoiced_job(env, n_items, readings_per_item=3, post=True):
    """A documented field-service job with ``n_items`` done work items, each justified by
    ``readings_per_item`` readings, authorised before work, and its customer invoice."""
    project = env["project.project"].create({"name": "Evidence benchmark", "is_field_service": True})
    partner = env["res.partner"].create({"name": "Evidence benchmark customer"})
    reading_type = env["service.reading.type"].create(
        {"name": "Run capacitor", "unit": "uF", "rated_value": 5.0, "tolerance_percent": 6.0}
    )
    product = env["product.product"].create({"name": "Run capacitor 5 uF", "lst_price": 185.0})
    task = env["project.task"].create(
        {
            "name": f"Job with {n_items} items",
            "project_id": project.id,
            "partner_id": partner.id,
            "service_complaint": "Blows warm air.",
            "service_diagnosis": "Failed run capacitors.",
        }
    )
    readings = env["service.reading"].create(
        [
            {"task_id": task.id, "type_id": reading_type.id, "measured_value": 2.0 + index / 100.0}
            for index in range(n_items * readings_per_item)
        ]
    )
    items = env["service.work.item"].create(
        [
            {
                "task_id": task.id,
                "product_id": product.id,
                "name": f"Run capacitor, unit {index + 1}",
                "justification": "Tested far below its rating.",
                "reading_ids": [
                    Command.set(readings[index * readings_per_item : (index + 1) * readings_per_item].ids)
                ],
            }
            for index in range(n_items)
        ]
    )
    approval = env["service.approval"].create(
        {
            "task_id": task.id,
            "method": "in_person",
            "approver_name": "Benchmark customer",
            "work_item_ids": [Command.set(items.ids)],
        }
    )
    return approve_do_and_invoice(approval, post=post)


def approve_do_and_invoice(approval, post=True):
    """The customer approves before the work; the job's items are done, the job completed and
    invoiced with its "Create invoice" button (the invoice posted unless ``post`` is false)."""
    approval.action_approve()
    approval.task_id.action_start_work()
    approval.work_item_ids.action_mark_done()
    approval.task_id.action_complete_work()
    action = approval.task_id.action_create_invoice()
    invoice = approval.env["account.move"].browse(action["res_id"])
    if post:
        invoice.action_post()
    return invoice


def post_agreed_concession(dispute):
    """Post the concession agreed on ``dispute``'s lines, as an accountant does from the
    Proposal stage: its concession document, prefilled with the agreed amounts, then Post."""
    dispute.stage_id = dispute.env.ref("field_service_evidence.dispute_stage_proposal")
    env = dispute.env(user=dispute.env.ref("base.user_admin"))
    concession = env["invoice.dispute.concession"].create(
        {
            "dispute_id": dispute.id,
            "line_ids": [Command.create(vals) for vals in dispute._prepare_concession_lines_vals()],
        }
    )
    concession.action_post()
    return concession
