from . import test_approval
from . import test_invoice_evidence
from . import test_reading
from . import test_reports_pdf
from . import test_security
from . import test_task_service_record
