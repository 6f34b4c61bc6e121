"""Admin list filters on places that the apps' admins share."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place


class CommunityFilter(admin.SimpleListFilter):
    """Filter by a place field that holds a community, offering the communities only.

    Django's own filter for a foreign key lists every row of the related table: for a place that
    is every building and household unit of the street. A subclass names another field with
    `field_name`.
    """

    title = _("community")
    parameter_name = "community"
    field_name = "community"

    def lookups(self, request, model_admin):
        return list(Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("code").values_list("pk", "name"))

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        try:
            pk = int(self.value())
        except ValueError:
            return queryset.none()
        return queryset.filter(**{f"{self.field_name}_id": pk})
