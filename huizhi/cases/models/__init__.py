from huizhi.cases.models.callbacks import CallBack
from huizhi.cases.models.case import Case, CaseEvent, CasePhoto, CaseQuerySet
from huizhi.cases.models.categories import Category, RoutingRule
from huizhi.cases.models.delegations import DispatchDelegation
from huizhi.cases.models.submissions import ReportSubmission
from huizhi.cases.models.supervision import Notification, SupervisionNotice

__all__ = [
    "CallBack",
    "Case",
    "CaseEvent",
    "CasePhoto",
    "CaseQuerySet",
    "Category",
    "DispatchDelegation",
    "Notification",
    "ReportSubmission",
    "RoutingRule",
    "SupervisionNotice",
]
