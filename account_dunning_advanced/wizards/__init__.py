from . import dunning_call_outcome_wizard
from . import dunning_assign_collector_wizard
from . import dunning_preview_line
from . import dunning_preview_mixin
from . import dunning_run_wizard
from . import dunning_send_wizard
from . import dunning_level_preview_wizard
from . import dunning_einvoice_import_wizard
