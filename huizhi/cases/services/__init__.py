"""Writes to cases. Every change goes through these functions: views, API, commands and tasks alike."""

from huizhi.cases.errors import CaseActionError
from huizhi.cases.services.callbacks import callback_record
from huizhi.cases.services.calls import case_call_number
from huizhi.cases.services.categories import category_update
from huizhi.cases.services.delegations import dispatch_delegation_set
from huizhi.cases.services.details import case_route, case_set_priority
from huizhi.cases.services.report import case_report
from huizhi.cases.services.submissions import case_report_once
from huizhi.cases.services.supervision import supervision_notice_answer, supervision_notice_issue
from huizhi.cases.services.sweep import SweepResult, deadlines_sweep
from huizhi.cases.services.transition import case_rate, case_transition

__all__ = [
    "CaseActionError",
    "SweepResult",
    "callback_record",
    "case_call_number",
    "case_rate",
    "case_report",
    "case_report_once",
    "case_route",
    "case_set_priority",
    "case_transition",
    "category_update",
    "deadlines_sweep",
    "dispatch_delegation_set",
    "supervision_notice_answer",
    "supervision_notice_issue",
]
