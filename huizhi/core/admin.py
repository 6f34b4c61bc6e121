from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records the services write and nobody edits (timelines, access logs, import results)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PlacementFrozenAdmin(admin.ModelAdmin):
    """For rows whose place is copied into others (a place's code starts every descendant's code;
    residents, cases and posts carry their place's code, which every scope filter reads): the fields
    that place a row are chosen when it is added and read-only after, so an edit here can never
    leave a copy behind — a moved resident would stay visible to the old community."""

    placement_fields: tuple[str, ...] = ()

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += [name for name in self.placement_fields if name not in fields]
        return fields
