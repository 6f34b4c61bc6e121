"""Writes of the field-work app. Cases are filed and closed only through the case services."""

from huizhi.fieldwork.services.common import FieldworkError
from huizhi.fieldwork.services.fixes import spot_check_record, spot_fix_file
from huizhi.fieldwork.services.patrols import open_patrol_of, patrol_check_in, patrol_start, patrol_stop
from huizhi.fieldwork.services.visits import cadence_set, visit_log

__all__ = [
    "FieldworkError",
    "cadence_set",
    "open_patrol_of",
    "patrol_check_in",
    "patrol_start",
    "patrol_stop",
    "spot_check_record",
    "spot_fix_file",
    "visit_log",
]
