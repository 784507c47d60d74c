from odoo import Command, http
from odoo.addons.portal.controllers.portal import pager as portal_pager
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request

from .portal_evidence import EvidencePortal


class DisputePortal(EvidencePortal):
    """The customer's side of invoice disputes: their disputes under /my, and a form to
    dispute a posted invoice from its portal page."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "dispute_count" in counters:
            Dispute = request.env["invoice.dispute"]
            values["dispute_count"] = (
                Dispute.search_count(self._get_disputes_domain()) if Dispute.has_access("read") else 0
            )
        return values

    # ------------------------------------------------------------
    # My disputes
    # ------------------------------------------------------------

    def _get_disputes_domain(self):
        """The disputes of the user's own company; record rules restrict portal users further."""
        return [("partner_id", "child_of", request.env.user.commercial_partner_id.id)]

    def _get_dispute_searchbar_sortings(self):
        return {
            "date": {"label": request.env._("Newest"), "order": "opened_date desc, id desc"},
            "name": {"label": request.env._("Reference"), "order": "name desc"},
            "stage": {"label": request.env._("Status"), "order": "stage_id, opened_date desc"},
        }

    @http.route(
        ["/my/disputes", "/my/disputes/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_disputes(self, page=1, sortby=None, **kw):
        values = self._prepare_portal_layout_values()
        Dispute = request.env["invoice.dispute"]
        domain = self._get_disputes_domain()
        searchbar_sortings = self._get_dispute_searchbar_sortings()
        if sortby not in searchbar_sortings:
            sortby = "date"
        can_read = Dispute.has_access("read")
        pager = portal_pager(
            url="/my/disputes",
            url_args={"sortby": sortby},
            total=Dispute.search_count(domain) if can_read else 0,
            page=page,
            step=self._items_per_page,
        )
        disputes = (
            Dispute.search(
                domain,
                order=searchbar_sortings[sortby]["order"],
                limit=self._items_per_page,
                offset=pager["offset"],
            )
            if can_read
            else Dispute
        )
        request.session["my_disputes_history"] = disputes.ids[:100]
        values.update(
            {
                "disputes": disputes,
                "page_name": "dispute",
                "pager": pager,
                "default_url": "/my/disputes",
                "searchbar_sortings": searchbar_sortings,
                "sortby": sortby,
            }
        )
        return request.render("field_service_evidence.portal_my_disputes", values)

    @http.route(["/my/disputes/<int:dispute_id>"], type="http", auth="public", website=True)
    def portal_my_dispute(self, dispute_id, access_token=None, **kw):
        try:
            dispute_sudo = self._document_check_access("invoice.dispute", dispute_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        values = self._dispute_get_page_view_values(dispute_sudo, access_token, **kw)
        return request.render("field_service_evidence.portal_dispute_page", values)

    def _dispute_get_page_view_values(self, dispute, access_token, **kwargs):
        values = {
            "page_name": "dispute",
            "dispute": dispute,
            # the chatter posts with the dispute's token: the customer may write on it
            # without write access, as on Odoo's own portal documents
            "token": dispute._portal_ensure_token(),
            # the evidence of the disputed lines, with the invoice's token the page links with
            **self._service_evidence_values(dispute.invoice_id, dispute.invoice_id._portal_ensure_token()),
        }
        return self._get_page_view_values(
            dispute, access_token, values, "my_disputes_history", False, **kwargs
        )

    # ------------------------------------------------------------
    # Dispute an invoice
    # ------------------------------------------------------------

    @http.route(
        ["/my/invoices/<int:invoice_id>/dispute"],
        type="http",
        auth="public",
        methods=["GET", "POST"],
        website=True,
        # showing the form only reads; sending it creates the dispute
        readonly=lambda _controller: request.httprequest.method == "GET",
    )
    def portal_invoice_dispute(self, invoice_id, access_token=None, **post):
        try:
            invoice_sudo = self._document_check_access("account.move", invoice_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        if request.httprequest.method != "POST":
            return self._render_invoice_dispute_form(invoice_sudo, access_token)

        errors, lines_values = self._dispute_form_validate(invoice_sudo, post)
        if errors:
            return self._render_invoice_dispute_form(invoice_sudo, access_token, errors=errors, form=post)
        vals = self._prepare_portal_dispute_vals(invoice_sudo, post, lines_values)
        try:
            # the dispute's own rules decide; what they refuse is rolled back and shown in the form
            with request.env.cr.savepoint():
                # sudo: portal users may only read disputes; the invoice access was checked above
                # (the user's own invoice, or its access token) and the form was read against it.
                dispute_sudo = (
                    request.env["invoice.dispute"].sudo().with_company(invoice_sudo.company_id).create(vals)
                )
        except ValidationError as error:
            return self._render_invoice_dispute_form(
                invoice_sudo, access_token, errors=[error.args[0]], form=post
            )
        if access_token:
            return request.redirect(dispute_sudo.get_portal_url())
        return request.redirect(dispute_sudo.access_url)

    def _render_invoice_dispute_form(self, invoice_sudo, access_token, errors=None, form=None):
        errors = list(errors or [])
        if not errors:
            try:
                invoice_sudo._check_can_dispute()
            except UserError as error:
                errors.append(error.args[0])
        disputed = self._disputed_invoice_lines(invoice_sudo)
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "invoice",
                "invoice_dispute_form": True,
                "invoice": invoice_sudo,
                "access_token": access_token,
                "invoice_lines": self._disputable_invoice_lines(invoice_sudo),
                "disputed_lines": disputed,
                "errors": errors,
                "form": form or {},
                **self._service_evidence_values(invoice_sudo, access_token),
            }
        )
        return request.render("field_service_evidence.portal_invoice_dispute_form", values)

    @staticmethod
    def _disputable_invoice_lines(invoice_sudo):
        return invoice_sudo.invoice_line_ids.filtered(lambda line: line.display_type == "product").sorted(
            lambda line: (line.sequence, line.id)
        )

    @staticmethod
    def _disputed_invoice_lines(invoice_sudo):
        """{invoice line: the open or closed dispute it is already in}, cancelled disputes aside."""
        disputes = invoice_sudo.dispute_ids.filtered(lambda dispute: not dispute.stage_id.is_cancel)
        return {line.move_line_id: line.dispute_id for line in disputes.line_ids}

    def _dispute_form_validate(self, invoice_sudo, post):
        """(error messages, [(invoice line, disputed amount, reason)]) from the posted form.

        Only what the form alone knows is checked here: the statement, the ticked lines and
        whether each amount is a number. The dispute's rules (an amount above zero and within
        the line's total, a line disputed once) are the model's, applied when it is created."""
        env = request.env
        errors = []
        try:
            invoice_sudo._check_can_dispute()
        except UserError as error:
            return [error.args[0]], []
        if not (post.get("statement") or "").strip():
            errors.append(env._("Tell us why you dispute this invoice: the statement is required."))

        own_lines = self._disputable_invoice_lines(invoice_sudo)
        amount_field = env["invoice.dispute.line"]._fields["disputed_amount"]
        lines_values = []
        for key in post:
            if not key.startswith("line_"):
                continue
            line_id = key.removeprefix("line_")
            line = own_lines.filtered(lambda own, line_id=line_id: str(own.id) == line_id)
            if not line:
                errors.append(env._("One of the chosen lines is not a line of %s.", invoice_sudo.name))
                continue
            raw_amount = (post.get(f"amount_{line.id}") or "").strip()
            try:
                amount = (
                    env["service.number.mixin"]._check_number(amount_field, raw_amount)
                    if raw_amount
                    else line.price_total
                )
            except ValidationError as error:
                errors.append(env._("%(line)s: %(error)s", line=line.name, error=error.args[0]))
                continue
            lines_values.append((line, amount, (post.get(f"reason_{line.id}") or "").strip()))
        if not lines_values and not errors:
            errors.append(env._("Choose at least one line of the invoice to dispute."))
        return errors, lines_values

    def _prepare_portal_dispute_vals(self, invoice_sudo, post, lines_values):
        lines = invoice_sudo.env["account.move.line"].union(
            *(line for line, _amount, _reason in lines_values)
        )
        vals = invoice_sudo._prepare_dispute_vals(lines)
        extra = {line.id: (amount, reason) for line, amount, reason in lines_values}
        vals["line_ids"] = [
            Command.create(
                {
                    **command[2],
                    "disputed_amount": extra[command[2]["move_line_id"]][0],
                    "customer_reason": extra[command[2]["move_line_id"]][1] or False,
                }
            )
            for command in vals["line_ids"]
        ]
        vals.update(
            {
                "statement": post["statement"].strip(),
                "channel": "portal",
                "user_id": self._portal_dispute_owner(invoice_sudo).id,
            }
        )
        return vals

    @staticmethod
    def _portal_dispute_owner(invoice_sudo):
        """Who calls the customer back: the invoice's salesperson, else the company's first
        dispute manager; never the portal user who wrote in."""
        salesperson = invoice_sudo.invoice_user_id
        if salesperson and salesperson.active and not salesperson.share:
            return salesperson
        # invoice_sudo's environment is superuser: a portal user may not read groups and
        # users; only the chosen user's id leaves this method, into the dispute.
        return invoice_sudo.env["res.users"].search(
            [
                ("groups_id", "in", invoice_sudo.env.ref("field_service_evidence.group_dispute_manager").id),
                ("share", "=", False),
                ("company_ids", "in", invoice_sudo.company_id.id),
            ],
            order="id",
            limit=1,
        )
