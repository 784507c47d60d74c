from . import service_invoice_posting
