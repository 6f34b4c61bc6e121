"""Writes to care services. Every change goes through these functions: views, commands and the demo."""

from huizhi.care.services.applications import (
    childcare_application_accept,
    childcare_application_refuse,
    childcare_apply,
)
from huizhi.care.services.childcare import (
    care_alert_clear,
    carer_day_roster,
    carer_day_unroster,
    carer_roster,
    carer_unroster,
    childcare_check_in,
    childcare_enrol,
    childcare_pick_up,
)
from huizhi.care.services.common import CareError
from huizhi.care.services.station import (
    care_session_create,
    home_service_request,
    session_check_in,
    session_enrol,
)
from huizhi.care.services.summer import (
    summer_enrol,
    summer_session_create,
    summer_sign_in,
    summer_sign_out,
)
from huizhi.care.services.volunteers import (
    hours_confirm,
    hours_log,
    volunteer_activity_create,
    volunteer_register,
    volunteer_update,
)
from huizhi.care.services.watch import (
    miss_gap,
    watch_add,
    watch_contact_log,
    watch_list_build,
    watch_remove,
    watcher_assign,
    watcher_unassign,
)

__all__ = [
    "CareError",
    "care_alert_clear",
    "care_session_create",
    "carer_day_roster",
    "carer_day_unroster",
    "carer_roster",
    "carer_unroster",
    "childcare_application_accept",
    "childcare_application_refuse",
    "childcare_apply",
    "childcare_check_in",
    "childcare_enrol",
    "childcare_pick_up",
    "home_service_request",
    "miss_gap",
    "hours_confirm",
    "hours_log",
    "session_check_in",
    "session_enrol",
    "summer_enrol",
    "summer_session_create",
    "summer_sign_in",
    "summer_sign_out",
    "volunteer_activity_create",
    "volunteer_register",
    "volunteer_update",
    "watch_add",
    "watch_contact_log",
    "watch_list_build",
    "watch_remove",
    "watcher_assign",
    "watcher_unassign",
]
