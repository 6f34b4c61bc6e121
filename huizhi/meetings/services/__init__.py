"""Writes to meetings. Every change goes through these functions: views, the demo and tests alike."""

from huizhi.meetings.services.agenda import agenda_add, agenda_item_from_post, agenda_item_propose
from huizhi.meetings.services.commendations import commendation_record
from huizhi.meetings.services.common import MeetingError
from huizhi.meetings.services.decisions import decision_progress, decision_record, decision_spawn_case
from huizhi.meetings.services.meetings import (
    meeting_invite,
    meeting_minutes_save,
    meeting_schedule,
    meeting_sign_in,
)
from huizhi.meetings.services.venues import venue_create

__all__ = [
    "MeetingError",
    "commendation_record",
    "agenda_add",
    "agenda_item_from_post",
    "agenda_item_propose",
    "decision_progress",
    "decision_record",
    "decision_spawn_case",
    "meeting_invite",
    "meeting_minutes_save",
    "meeting_schedule",
    "meeting_sign_in",
    "venue_create",
]
