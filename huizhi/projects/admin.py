"""The lists and projects as the services keep them: read in the admin, changed only through the
pages (every change leaves a ProjectEvent, and progress may be public on the echo wall)."""

from django.contrib import admin

from huizhi.core.admin import ReadOnlyAdmin
from huizhi.places.admin_filters import CommunityFilter
from huizhi.projects.models import Milestone, Need, Project, ProjectEvent, Resource


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    can_delete = False
    readonly_fields = ["title", "due_on", "done_at", "done_by"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ["title", "community", "source", "status", "funding_amount", "starts_on", "ends_on"]
    list_filter = ["status", "source", CommunityFilter]
    search_fields = ["title", "funding_source"]
    inlines = [MilestoneInline]


@admin.register(Need)
class NeedAdmin(ReadOnlyAdmin):
    list_display = ["title", "community", "source", "status", "created_at"]
    list_filter = ["status", "source", CommunityFilter]
    search_fields = ["title"]


@admin.register(Resource)
class ResourceAdmin(ReadOnlyAdmin):
    list_display = ["title", "organisation", "kind", "status", "amount", "available_until"]
    list_filter = ["status", "kind"]
    search_fields = ["title", "organisation__name"]


admin.site.register(Milestone, ReadOnlyAdmin)
admin.site.register(ProjectEvent, ReadOnlyAdmin)
