from django.contrib import admin

from huizhi.meetings.models import AgendaItem


@admin.register(AgendaItem)
class AgendaItemAdmin(admin.ModelAdmin):
    list_display = ["title", "community", "status", "created_at"]
    list_filter = ["status", "community"]
