from . import portal_evidence
from . import portal
from . import portal_approval
