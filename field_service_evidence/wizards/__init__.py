from . import service_invoice_posting
from . import invoice_dispute_concession
from . import invoice_dispute_concession_line
