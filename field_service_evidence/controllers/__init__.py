from . import portal_evidence
from . import portal
