"""Care and services (DESIGN §7): the elderly care station, the empty-nest watch, the childcare
centre, the summer care class and the volunteers. One module per service."""

from huizhi.care.models.alerts import CareAlert
from huizhi.care.models.childcare import (
    AuthorisedAdult,
    CarerDayOff,
    ChildcareApplication,
    ChildcareAttendance,
    ChildcareCarer,
    ChildcareCentre,
    ChildcareClass,
    ChildcareEnrolment,
)
from huizhi.care.models.station import (
    CareService,
    CareSession,
    CareStation,
    HomeServiceRequest,
    SessionEnrolment,
)
from huizhi.care.models.summer import SummerAttendance, SummerEnrolment, SummerSession, SummerTerm
from huizhi.care.models.volunteers import Volunteer, VolunteerActivity, VolunteerHours
from huizhi.care.models.watch import WatchContact, WatchedResident, Watcher

__all__ = [
    "AuthorisedAdult",
    "CareAlert",
    "CareService",
    "CareSession",
    "CareStation",
    "CarerDayOff",
    "ChildcareApplication",
    "ChildcareAttendance",
    "ChildcareCarer",
    "ChildcareCentre",
    "ChildcareClass",
    "ChildcareEnrolment",
    "HomeServiceRequest",
    "SessionEnrolment",
    "SummerAttendance",
    "SummerEnrolment",
    "SummerSession",
    "SummerTerm",
    "Volunteer",
    "VolunteerActivity",
    "VolunteerHours",
    "WatchContact",
    "WatchedResident",
    "Watcher",
]
