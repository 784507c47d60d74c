from odoo import api, fields, models


class ResUsers(models.Model):
    _name = "res.users"
    _inherit = ["res.users", "service.number.mixin"]

    dispute_concession_limit = fields.Float(
        string="Concession limit",
        help="The largest concession this user may post alone, in the company's currency. "
        "Empty: the company's limit for dispute users. Dispute managers have no limit.",
    )

    def _get_concession_limit(self, company):
        """The largest concession the user may post in ``company``, or None without limit."""
        self.ensure_one()
        if self.has_group("field_service_evidence.group_dispute_manager"):
            return None
        return self.dispute_concession_limit or company.dispute_concession_limit

    @api.model
    def _first_member(self, group_xmlid, company, preferred=None):
        """The internal user of ``group_xmlid`` in ``company`` a task goes to: ``preferred``
        when they are one, else the first one."""
        domain = [
            ("active", "=", True),
            ("groups_id", "in", self.env.ref(group_xmlid).id),
            ("company_ids", "in", company.id),
            ("share", "=", False),
        ]
        if preferred and preferred.filtered_domain(domain):
            return preferred
        return self.search(domain, order="id", limit=1)
