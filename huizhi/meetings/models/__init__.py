"""The meetings app's models: meetings and what happens at them, their places, and commendations."""

from huizhi.meetings.models.commendations import Commendation, CommendationKind
from huizhi.meetings.models.meetings import (
    EVENT_LABELS,
    SIGN_IN_EARLY,
    VOTING_ROLES,
    AgendaItem,
    Decision,
    DecisionQuerySet,
    Invitation,
    InviteeRole,
    Meeting,
    MeetingEvent,
    MeetingItem,
    MeetingKind,
    Vote,
    new_sign_in_token,
)
from huizhi.meetings.models.venues import Venue, VenueKind

__all__ = [
    "EVENT_LABELS",
    "SIGN_IN_EARLY",
    "VOTING_ROLES",
    "AgendaItem",
    "Commendation",
    "CommendationKind",
    "Decision",
    "DecisionQuerySet",
    "Invitation",
    "InviteeRole",
    "Meeting",
    "MeetingEvent",
    "MeetingItem",
    "MeetingKind",
    "Vote",
    "Venue",
    "VenueKind",
    "new_sign_in_token",
]
