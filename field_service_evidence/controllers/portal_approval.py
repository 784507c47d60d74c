import binascii

from odoo import http
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request


class ApprovalPortal(CustomerPortal):
    """The estimate a customer approves remotely: opened by its link (the approval's access
    token), without an account. Every change goes through the approval's own methods."""

    def _approval_check_access(self, approval_id, access_token):
        """The approval, with sudo, when the link's token is its own (or the user may read it)."""
        return self._document_check_access("service.approval", approval_id, access_token)

    # reading the estimate writes nothing (a sent estimate has its token): a replica may serve it
    @http.route("/my/approvals/<int:approval_id>", type="http", auth="public", website=True, readonly=True)
    def portal_approval_page(self, approval_id, access_token=None, **kw):
        try:
            approval_sudo = self._approval_check_access(approval_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "approval",
                "approval": approval_sudo,
                "status": approval_sudo._remote_status(),
                "access_token": access_token,
            }
        )
        return request.render("field_service_evidence.portal_approval_page", values)

    @http.route(
        "/my/approvals/<int:approval_id>/decision", type="http", auth="public", methods=["POST"], website=True
    )
    def portal_approval_decision(self, approval_id, access_token=None, line_id=None, decision=None, **kw):
        try:
            approval_sudo = self._approval_check_access(approval_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        line = approval_sudo.line_ids.filtered(lambda line: str(line.id) == line_id)
        try:
            line._set_decision(decision)
        except UserError:
            # the estimate was answered, changed or expired meanwhile: its page says which
            return request.redirect(approval_sudo.get_portal_url())
        return request.redirect(approval_sudo.get_portal_url(anchor=f"approval_line_{line.id}"))

    @http.route(
        "/my/approvals/<int:approval_id>/newest", type="http", auth="public", methods=["POST"], website=True
    )
    def portal_approval_newest(self, approval_id, access_token=None, **kw):
        """An old link leads to the estimate the technician proposes now."""
        try:
            approval_sudo = self._approval_check_access(approval_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        if approval_sudo._remote_status() != "changed":
            return request.redirect(approval_sudo.get_portal_url())
        return request.redirect(approval_sudo._get_newest_estimate().get_portal_url())

    @http.route("/my/approvals/<int:approval_id>/sign", type="json", auth="public", website=True)
    def portal_approval_sign(self, approval_id, access_token=None, name=None, signature=None):
        access_token = access_token or request.httprequest.args.get("access_token")
        try:
            approval_sudo = self._approval_check_access(approval_id, access_token)
        except (AccessError, MissingError):
            return {"error": request.env._("This link is not valid.")}
        try:
            with request.env.cr.savepoint():
                approval_sudo._sign_remotely(
                    name,
                    signature,
                    request.httprequest.remote_addr,
                    request.httprequest.user_agent.string,
                )
        except (UserError, ValidationError) as error:
            return {"error": error.args[0]}
        except (TypeError, binascii.Error):
            return {"error": request.env._("The signature could not be read: sign again.")}
        return {"force_refresh": True, "redirect_url": approval_sudo.get_portal_url()}
