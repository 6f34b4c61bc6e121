"""The meetings as the services keep them: read in the admin, changed only through the pages (every
change leaves a timeline line and tells the people involved)."""

from django.contrib import admin

from huizhi.core.admin import ReadOnlyAdmin
from huizhi.meetings.models import (
    AgendaItem,
    Commendation,
    Decision,
    Invitation,
    Meeting,
    MeetingEvent,
    MeetingItem,
    Venue,
    Vote,
)
from huizhi.places.admin_filters import CommunityFilter


class InvitationInline(admin.TabularInline):
    model = Invitation
    extra = 0
    can_delete = False
    readonly_fields = ["user", "role", "organisation", "may_vote", "attended_at", "signed_in_by"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "organiser_name", "community", "starts_at", "minutes_published_at"]
    # The QR code's secret stays on the organiser's page, not in the admin's columns or search.
    exclude = ["sign_in_token"]
    list_filter = ["kind", CommunityFilter]
    search_fields = ["title", "organiser_name"]
    inlines = [InvitationInline]


@admin.register(AgendaItem)
class AgendaItemAdmin(ReadOnlyAdmin):
    list_display = ["title", "community", "source", "status", "created_at"]
    list_filter = ["status", "source", CommunityFilter]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["text", "owner_name", "due_date", "status", "meeting"]
    list_filter = ["status"]


admin.site.register(Invitation, ReadOnlyAdmin)
admin.site.register(Vote, ReadOnlyAdmin)
admin.site.register(MeetingItem, ReadOnlyAdmin)
admin.site.register(MeetingEvent, ReadOnlyAdmin)


@admin.register(Venue)
class VenueAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "community", "address"]
    list_filter = ["kind", CommunityFilter]
    search_fields = ["name", "address"]


@admin.register(Commendation)
class CommendationAdmin(ReadOnlyAdmin):
    list_display = ["public_name", "kind", "meeting", "community", "created_at"]
    list_filter = ["kind", CommunityFilter]
