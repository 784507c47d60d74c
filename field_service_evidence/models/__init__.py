# Abstract models first: the models below inherit them.
from . import service_tolerance_mixin
from . import service_task_evidence_mixin
from . import service_reading_type
from . import service_reading
from . import service_work_item
from . import service_approval
from . import service_approval_line
from . import project_project
from . import project_task
from . import account_move_line
from . import account_move
from . import res_company
from . import res_config_settings
