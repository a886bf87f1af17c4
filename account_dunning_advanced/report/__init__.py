from . import dunning_ratio_report_mixin
from . import dunning_effectiveness_report
from . import dunning_aged_receivable_report
from . import dunning_kpi_report
