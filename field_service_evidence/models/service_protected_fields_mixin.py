from odoo import api, models
from odoo.exceptions import UserError

# Only the document's own transitions hold this object; no RPC client can send it in a context.
_TRANSITION = object()


class ServiceProtectedFieldsMixin(models.AbstractModel):
    """Fields that only a document's own transitions write (its state, who approved, the
    entry it posted), as Odoo protects its inalterable hash: ``write`` refuses them to every
    caller, ``_set`` writes them."""

    _name = "service.protected.fields.mixin"
    _description = "Fields written by the document's transitions only"

    @api.model
    def _protected_fields(self):
        return set()

    def write(self, vals):
        protected = set(vals) & self._protected_fields()
        if protected and self.env.context.get("service_transition") is not _TRANSITION:
            raise UserError(
                self.env._(
                    "%(fields)s of %(document)s change only through its buttons.",
                    fields=", ".join(
                        self._fields[name]._description_string(self.env) for name in sorted(protected)
                    ),
                    document=self._description,
                )
            )
        return super().write(vals)

    def _set(self, vals):
        """Write protected fields: for the document's transitions only."""
        return self.with_context(service_transition=_TRANSITION).write(vals)
