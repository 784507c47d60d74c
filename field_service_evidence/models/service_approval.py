import json
from datetime import timedelta
from urllib.parse import urlencode

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_amount


class ServiceApproval(models.Model):
    """The customer's authorisation of work (or acknowledgment after it): who, what, when, how."""

    _name = "service.approval"
    _inherit = [
        "service.task.evidence.mixin",
        "mail.thread",
        "service.number.mixin",
        "service.protected.fields.mixin",
        "portal.mixin",
    ]
    _description = "Customer approval"
    _order = "task_id, requested_at desc, id desc"
    _lock_when_completed = True

    kind = fields.Selection(
        [
            ("authorisation", "Authorisation before work"),
            ("acknowledgment", "Acknowledgment after work"),
        ],
        required=True,
        default="authorisation",
        tracking=True,
    )
    scope = fields.Text(tracking=True, help="What the customer approved, in the words used with them.")
    work_item_ids = fields.Many2many(
        "service.work.item",
        "service_approval_work_item_rel",
        "approval_id",
        "work_item_id",
        string="Work items",
        domain="[('task_id', '=', task_id)]",
        check_company=True,
    )
    line_ids = fields.One2many(
        "service.approval.line",
        "approval_id",
        string="Approved as",
        readonly=True,
        copy=False,
        help="The work items, quantities and prices exactly as the customer approved them.",
    )
    amount_authorised = fields.Monetary(
        compute="_compute_amount_authorised",
        store=True,
        tracking=True,
        help="The total the customer approved: the snapshot once approved, the proposed items before.",
    )
    not_to_exceed = fields.Monetary(
        string="Not to exceed",
        tracking=True,
        help="The most the customer agreed to pay for these items. Empty: the authorised amount.",
    )
    stale_work_item_ids = fields.Many2many(
        "service.work.item",
        string="Items beyond approval",
        compute="_compute_stale",
        help="Approved items whose price or quantity went up since, beyond the not-to-exceed amount.",
    )
    is_stale = fields.Boolean(string="Stale", compute="_compute_stale")
    partner_id = fields.Many2one(
        "res.partner",
        string="Approved by",
        compute="_compute_partner_id",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
    )
    approver_name = fields.Char(
        string="Approver's name",
        compute="_compute_approver_name",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
        help="The person who approved, as they gave their name.",
    )
    method = fields.Selection(
        [
            ("signature", "Signature"),
            ("in_person", "In person (verbal)"),
            ("phone", "Phone"),
            ("sms", "SMS"),
            ("email", "Email"),
            ("portal", "Customer portal"),
            ("remote_signature", "Remote signature"),
        ],
        required=True,
        default="signature",
        tracking=True,
    )
    state = fields.Selection(
        [
            ("requested", "Requested"),
            ("approved", "Approved"),
            ("declined", "Declined"),
            ("revoked", "Revoked"),
            ("superseded", "Replaced"),
        ],
        required=True,
        default="requested",
        tracking=True,
        copy=False,
        index=True,
    )
    requested_at = fields.Datetime(required=True, default=fields.Datetime.now, tracking=True)
    decided_at = fields.Datetime(
        tracking=True,
        copy=False,
        help="When the customer gave their answer. Set when you record the decision; "
        "enter it only for an answer given earlier (a phone call), never in the future.",
    )
    recorded_by_id = fields.Many2one(
        "res.users", string="Recorded by", default=lambda self: self.env.user, readonly=True
    )
    signature = fields.Image(max_width=1024, max_height=1024, copy=False, attachment=True)
    attachment_ids = fields.Many2many(
        "ir.attachment",
        "service_approval_attachment_rel",
        "approval_id",
        "attachment_id",
        string="Attachments",
        help="A photo of a signed paper form, a screenshot of an SMS or e-mail.",
    )
    # Sent for a remote signature: the estimate's link, and who signed it from where.
    sent_at = fields.Datetime(
        readonly=True, copy=False, help="When the estimate was sent to the customer to approve remotely."
    )
    sent_by_id = fields.Many2one("res.users", string="Sent by", readonly=True, copy=False)
    expires_at = fields.Datetime(string="Link valid until", readonly=True, copy=False)
    sent_snapshot_key = fields.Char(readonly=True, copy=False)
    superseded_by_id = fields.Many2one(
        "service.approval", string="Replaced by", readonly=True, copy=False, index="btree_not_null"
    )
    signer_ip = fields.Char(string="Signed from IP address", readonly=True, copy=False)
    signer_user_agent = fields.Char(string="Signed with", readonly=True, copy=False)
    estimate_changed = fields.Boolean(
        compute="_compute_estimate_changed",
        help="The items, quantities, prices or not-to-exceed amount changed since the estimate was sent.",
    )
    approval_url = fields.Char(
        string="Approval link", compute="_compute_approval_url", help="The link the customer signs at."
    )
    approval_qr_url = fields.Char(compute="_compute_approval_url")
    declined_line_count = fields.Integer(compute="_compute_declined_line_count")
    partner_email = fields.Char(related="partner_id.email", string="Customer's e-mail")
    sms_available = fields.Boolean(
        compute="_compute_sms_available",
        help="Odoo's SMS app is installed: estimates can go by text message.",
    )
    before_work = fields.Boolean(
        string="Before work started",
        compute="_compute_before_work",
        store=True,
        help="An authorisation given before the work on the job started.",
    )

    @api.model
    def _protected_fields(self):
        return super()._protected_fields() | {
            "sent_at",
            "sent_by_id",
            "expires_at",
            "sent_snapshot_key",
            "superseded_by_id",
            "signer_ip",
            "signer_user_agent",
        }

    def _compute_access_url(self):
        result = super()._compute_access_url()
        for approval in self:
            approval.access_url = f"/my/approvals/{approval.id}"
        return result

    @api.depends(
        "state",
        "sent_snapshot_key",
        "not_to_exceed",
        "work_item_ids",
        "work_item_ids.name",
        "work_item_ids.quantity",
        "work_item_ids.price_unit",
    )
    def _compute_estimate_changed(self):
        for approval in self:
            approval.estimate_changed = bool(
                approval.sent_snapshot_key
                and approval.state == "requested"
                and approval.sent_snapshot_key != approval._snapshot_key()
            )

    @api.depends("sent_at", "access_token")
    def _compute_approval_url(self):
        for approval in self:
            if approval.sent_at and approval.access_token:
                url = approval.get_base_url() + approval.get_portal_url()
                approval.approval_url = url
                approval.approval_qr_url = "/report/barcode/?" + urlencode(
                    {"barcode_type": "QR", "value": url, "width": 240, "height": 240}
                )
            else:
                approval.approval_url = approval.approval_qr_url = False

    def _compute_sms_available(self):
        self.sms_available = "sms.sms" in self.env

    @api.depends("line_ids.decision")
    def _compute_declined_line_count(self):
        for approval in self:
            approval.declined_line_count = len(
                approval.line_ids.filtered(lambda line: line.decision == "declined")
            )

    @api.depends("task_id")
    def _compute_partner_id(self):
        for approval in self:
            approval.partner_id = approval.partner_id or approval.task_id.partner_id

    @api.depends("partner_id")
    def _compute_approver_name(self):
        for approval in self:
            approval.approver_name = approval.partner_id.name or approval.approver_name

    @api.depends("line_ids.price_subtotal", "line_ids.decision", "work_item_ids.price_subtotal")
    def _compute_amount_authorised(self):
        for approval in self:
            kept = approval.line_ids.filtered(lambda line: line.decision == "approved")
            source = kept if approval.line_ids else approval.work_item_ids
            approval.amount_authorised = sum(source.mapped("price_subtotal"))

    @api.depends(
        "state",
        "not_to_exceed",
        "amount_authorised",
        "line_ids.price_subtotal",
        "line_ids.decision",
        "work_item_ids.price_subtotal",
    )
    def _compute_stale(self):
        for approval in self:
            stale = self.env["service.work.item"]
            currency = approval.currency_id
            if approval.state == "approved" and approval.line_ids:
                limit = approval.not_to_exceed or approval.amount_authorised
                approved = {
                    line.work_item_id: line.price_subtotal
                    for line in approval.line_ids
                    if line.decision == "approved"
                }
                items = approval.work_item_ids
                if currency.compare_amounts(sum(items.mapped("price_subtotal")), limit) > 0:
                    for item in items:
                        if currency.compare_amounts(item.price_subtotal, approved.get(item, 0.0)) > 0:
                            stale |= item
            approval.stale_work_item_ids = stale
            approval.is_stale = bool(stale)

    @api.depends("state", "kind", "decided_at", "task_id.work_started_at")
    def _compute_before_work(self):
        for approval in self:
            started = approval.task_id.work_started_at
            approval.before_work = (
                approval.state == "approved"
                and approval.kind == "authorisation"
                and bool(approval.decided_at)
                and (not started or approval.decided_at <= started)
            )

    def _authorises_before(self, item):
        """Whether this approval authorised the item before its work: given before the
        job started, or at least before the item was recorded as done."""
        self.ensure_one()
        return self.kind == "authorisation" and (
            self.before_work or bool(item.done_at and self.decided_at and self.decided_at <= item.done_at)
        )

    @api.depends("kind", "approver_name", "state")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for approval in self:
            approval.display_name = " - ".join(
                filter(None, [kinds.get(approval.kind), approval.approver_name])
            )

    @api.constrains("requested_at", "decided_at")
    def _check_dates(self):
        now = fields.Datetime.now()
        for approval in self:
            if approval.decided_at and approval.decided_at > now:
                raise ValidationError(
                    self.env._("An approval cannot be decided in the future (%s).", approval.decided_at)
                )
            if approval.decided_at and approval.decided_at < approval.requested_at:
                raise ValidationError(
                    self.env._(
                        "An approval cannot be decided (%(decided)s) before it was requested (%(requested)s).",
                        decided=approval.decided_at,
                        requested=approval.requested_at,
                    )
                )

    @api.constrains("state", "method", "signature", "partner_id", "approver_name")
    def _check_approved_evidence(self):
        for approval in self.filtered(lambda a: a.state == "approved"):
            if approval.method == "signature" and not approval.signature:
                raise ValidationError(
                    self.env._(
                        "An approval by signature needs the customer's signature: have them sign in the form."
                    )
                )
            if not approval.partner_id and not approval.approver_name:
                raise ValidationError(self.env._("Say who approved: pick the contact or type their name."))
            if approval.method == "remote_signature" and not (approval.signer_ip and approval.signature):
                raise ValidationError(
                    self.env._(
                        "A remote signature is given by the customer on the estimate's page: send the "
                        "estimate for approval, or record how the customer approved it here."
                    )
                )

    @api.constrains("not_to_exceed", "amount_authorised")
    def _check_not_to_exceed(self):
        for approval in self:
            if (
                approval.not_to_exceed
                and approval.currency_id.compare_amounts(approval.not_to_exceed, approval.amount_authorised)
                < 0
            ):
                raise ValidationError(
                    self.env._(
                        "The not-to-exceed amount (%(limit)s) cannot be below the amount authorised (%(amount)s).",
                        limit=approval.not_to_exceed,
                        amount=approval.amount_authorised,
                    )
                )

    def action_approve(self):
        self._check_can_decide()
        self._do_approve()
        return True

    def action_decline(self):
        self._check_can_decide()
        self.write({"state": "declined", "decided_at": fields.Datetime.now()})
        self.work_item_ids.filtered(lambda item: item.state == "proposed").state = "declined"
        return True

    def action_revoke(self):
        approved = self.filtered(lambda a: a.state == "approved")
        if approved != self:
            raise UserError(self.env._("Only an approved approval can be revoked."))
        self.state = "revoked"
        self.work_item_ids.filtered(lambda item: item.state == "approved").state = "proposed"
        return True

    def _check_can_decide(self):
        for approval in self:
            if approval.state != "requested":
                raise UserError(self.env._("“%s” was already decided.", approval.display_name))
            if not approval.work_item_ids and not approval.scope:
                raise UserError(
                    self.env._(
                        "Say what the customer is approving: pick the work items or describe the scope."
                    )
                )

    def _do_approve(self):
        now = fields.Datetime.now()
        for approval in self:
            approval.write({"state": "approved", "decided_at": approval.decided_at or now})
        self._snapshot_lines()
        self.work_item_ids.filtered(lambda item: item.state == "proposed").state = "approved"

    def _snapshot_lines(self):
        """Write what the customer approves (or is asked to) exactly as it is now."""
        # sudo: the snapshot is written only here, from items the user can read and the
        # approval they may decide or send; technicians cannot create or alter snapshot lines.
        lines = self.env["service.approval.line"].sudo()
        lines.search([("approval_id", "in", self.ids)]).unlink()
        lines.create([vals for approval in self for vals in approval._prepare_line_vals_list()])

    def _prepare_line_vals_list(self):
        self.ensure_one()
        return [
            {
                "approval_id": self.id,
                "work_item_id": item.id,
                "name": item.name,
                "quantity": item.quantity,
                "price_unit": item.price_unit,
                "price_subtotal": item.price_subtotal,
                "justification": item.justification,
                "findings": "\n".join(filter(None, item.reading_ids.mapped("finding"))) or False,
            }
            for item in self.work_item_ids
        ]

    # ------------------------------------------------------------
    # Remote approval: the estimate the customer signs on its own page
    # ------------------------------------------------------------

    def _snapshot_key(self):
        """What the customer is asked to sign, comparable with what was sent."""
        self.ensure_one()
        items = sorted([item.id, item.name, item.quantity, item.price_unit] for item in self.work_item_ids)
        return json.dumps([items, self.not_to_exceed])

    def action_send_by_email(self):
        self.ensure_one()
        if not self.partner_id.email:
            raise UserError(
                self.env._(
                    "%s has no e-mail address: add one to the contact, or show the customer the "
                    "link's QR code.",
                    self.partner_id.display_name or self.approver_name,
                )
            )
        approval = self._prepare_sending()
        approval.message_post_with_source(
            "field_service_evidence.mail_template_approval_request",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=approval.partner_id.ids,
        )
        approval._log_sending(self.env._("by e-mail to %s", approval.partner_id.email))
        return approval._action_open_sending()

    def action_send_by_sms(self):
        if "sms.sms" not in self.env:
            raise UserError(self.env._("Text messages need Odoo's SMS app: install it, or send by e-mail."))
        self.ensure_one()
        number = self.partner_id.mobile or self.partner_id.phone
        if not number:
            raise UserError(
                self.env._(
                    "%s has no mobile number: add one to the contact, or send by e-mail.",
                    self.partner_id.display_name or self.approver_name,
                )
            )
        approval = self._prepare_sending()
        approval._message_sms(
            self.env._(
                "%(company)s: your estimate for %(job)s is ready to approve: %(url)s",
                company=approval.company_id.name or self.env.company.name,
                job=approval.task_id.name,
                url=approval.approval_url,
            ),
            partner_ids=approval.partner_id.ids,
        )
        approval._log_sending(self.env._("by text message to %s", number))
        return approval._action_open_sending()

    def action_share_link(self):
        approval = self._prepare_sending()
        approval._log_sending(self.env._("as a link"))
        return approval._action_open_sending()

    def _action_open_sending(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send for approval"),
            "res_model": self._name,
            "res_id": self.id,
            "views": [(self.env.ref("field_service_evidence.service_approval_view_form_send").id, "form")],
            "target": "new",
        }

    def _prepare_sending(self, sender=None):
        """The approval whose link goes to the customer: this one, or a new one when the
        estimate changed since it was sent (a link is good for one estimate only)."""
        self.ensure_one()
        if self.state != "requested":
            raise UserError(
                self.env._(
                    "“%s” was already answered: send the job's proposed items for a new approval.",
                    self.display_name,
                )
            )
        if not self.work_item_ids:
            raise UserError(self.env._("Pick the work items the customer is asked to approve."))
        if not self.partner_id:
            raise UserError(self.env._("Set the customer of the job before sending them the estimate."))
        approval = self
        if self.sent_at and self.estimate_changed:
            approval = self.copy({"requested_at": fields.Datetime.now()})
            self._set({"state": "superseded", "superseded_by_id": approval.id})
        if not approval.sent_at:
            approval._snapshot_lines()
        approval._portal_ensure_token()
        approval.method = "remote_signature"
        now = fields.Datetime.now()
        days = (approval.company_id or self.env.company).service_approval_link_days
        approval._set(
            {
                "sent_at": approval.sent_at or now,
                "sent_by_id": (sender or self.env.user).id,
                "expires_at": now + timedelta(days=days),
                "sent_snapshot_key": approval._snapshot_key(),
            }
        )
        return approval

    def _log_sending(self, how):
        self.task_id.message_post(
            body=self.env._(
                "Estimate of %(amount)s sent for approval %(how)s; the link is valid until %(date)s.",
                amount=format_amount(self.env, self.amount_authorised, self.currency_id),
                how=how,
                date=fields.Datetime.to_string(self.expires_at),
            ),
            subtype_xmlid="mail.mt_note",
        )

    def _remote_status(self):
        """Where the estimate's link stands for the customer: open (to sign), answered,
        changed (replaced by a newer estimate), or expired."""
        self.ensure_one()
        if self.state == "superseded" or self.estimate_changed:
            return "changed"
        if self.state != "requested":
            return "answered"
        if not self.sent_at or self.expires_at < fields.Datetime.now():
            return "expired"
        return "open"

    def _check_open_for_signature(self):
        self.ensure_one()
        status = self._remote_status()
        if status == "changed":
            raise UserError(self.env._("This estimate changed after it was sent to you: open the new one."))
        if status == "answered":
            raise UserError(self.env._("This estimate was already answered on %s.", self.decided_at))
        if status == "expired":
            raise UserError(
                self.env._("This link expired: ask %s to send you the estimate again.", self.company_id.name)
            )

    def _get_newest_estimate(self):
        """The estimate that replaced this one: for a changed estimate not yet sent again, a
        new one made now, so an old link always leads to what the technician proposes today."""
        self.ensure_one()
        approval = self
        while approval.superseded_by_id:
            approval = approval.superseded_by_id
        if approval.estimate_changed:
            approval = approval._prepare_sending(sender=approval.sent_by_id)
            approval._log_sending(self.env._("again, when the customer opened the old link"))
        return approval

    def _sign_remotely(self, name, signature, ip_address, user_agent):
        """The customer's signature on the estimate's page: approves the items they kept,
        declines the others, and tells the technician."""
        self.ensure_one()
        self._check_open_for_signature()
        if not (name or "").strip():
            raise UserError(self.env._("Type your full name to sign."))
        if not signature:
            raise UserError(self.env._("Draw your signature to sign."))
        declined = self.line_ids.filtered(lambda line: line.decision == "declined")
        approved = self.line_ids - declined
        self._set(
            {
                "state": "approved" if approved else "declined",
                "approver_name": name.strip(),
                "signature": signature,
                "decided_at": fields.Datetime.now(),
                "method": "remote_signature",
                "signer_ip": ip_address,
                "signer_user_agent": (user_agent or "")[:512] or False,
                "work_item_ids": [Command.unlink(item.id) for item in declined.work_item_id],
            }
        )
        declined.work_item_id.filtered(lambda item: item.state in ("proposed", "approved")).state = "declined"
        approved.work_item_id.filtered(lambda item: item.state in ("proposed", "declined")).state = "approved"
        self._notify_signed(approved, declined)
        return True

    def _notify_signed(self, approved, declined):
        """The job's chatter, an activity and a live notification for the technician."""
        task = self.task_id
        users = (self.sent_by_id | task.user_ids).filtered(lambda user: user.active and not user.share)
        # what was kept and declined, named once for every message below
        items = {
            "name": self.approver_name,
            "approved": ", ".join(approved.mapped("name")) or "-",
            "declined": ", ".join(declined.mapped("name")) or "-",
        }
        for user in users:
            message = self.with_context(lang=user.lang).env._(
                "%(name)s signed the estimate for %(job)s remotely: approved %(approved)s; declined %(declined)s.",
                job=task.name,
                **items,
            )
            user._bus_send(
                "simple_notification",
                {"type": "success", "title": task.name, "message": message, "sticky": True},
            )
            user._bus_send("field_service_evidence/approval_signed", {"task_id": task.id})
        task.message_post(
            body=self.env._(
                "%(name)s signed the estimate remotely (%(when)s, from %(ip)s): approved %(approved)s; "
                "declined %(declined)s.",
                when=fields.Datetime.to_string(self.decided_at),
                ip=self.signer_ip,
                **items,
            ),
            author_id=self.partner_id.id or None,
            subtype_xmlid="mail.mt_note",
        )
        assignee = self.sent_by_id if self.sent_by_id in users else users[:1]
        if assignee:
            task.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=assignee.id,
                summary=self.env._("The customer signed the estimate"),
                note=self.env._(
                    "%(name)s approved %(approved)s and declined %(declined)s: the work can start.", **items
                )
                if approved
                else self.env._("%s declined every item of the estimate.", self.approver_name),
            )
