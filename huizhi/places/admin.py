from django import forms
from django.contrib import admin
from django.db import transaction

from huizhi.core.admin import PlacementFrozenAdmin, TolerantAutocomplete
from huizhi.places import gridindex
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import (
    Building,
    Community,
    Compound,
    District,
    Grid,
    Group,
    GroupHousehold,
    HouseholdUnit,
    Organisation,
    Place,
    Region,
    Street,
)


@admin.register(Place)
class PlaceAdmin(PlacementFrozenAdmin):
    list_display = ["code", "name", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent", "property_company"]
    placement_fields = ("code", "parent", "kind")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.kind in (PlaceKind.GRID, PlaceKind.COMMUNITY):
            # A boundary drawn anew, a grid or community renamed: every process's point-to-grid
            # index (which holds both) rebuilds on its next lookup.
            transaction.on_commit(gridindex.invalidate)


class KindForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.kind = self._meta.model.KIND  # the proxy's kind; the form does not ask for it


class KindAdmin(PlaceAdmin):
    form = KindForm
    list_filter = []
    exclude = ["kind"]


class CompoundAdmin(KindAdmin):
    list_display = ["code", "name", "parent", "has_property_company", "property_company"]
    list_filter = ["has_property_company"]


for proxy in (District, Street, Community, Grid, Building, HouseholdUnit):
    admin.site.register(proxy, KindAdmin)
admin.site.register(Compound, CompoundAdmin)


@admin.register(Organisation)
class OrganisationAdmin(TolerantAutocomplete, admin.ModelAdmin):
    list_display = ["name", "kind", "place", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    autocomplete_fields = ["place"]


@admin.register(Region)
class RegionAdmin(TolerantAutocomplete, admin.ModelAdmin):
    list_display = ["name", "place"]
    search_fields = ["name"]
    autocomplete_fields = ["place"]


class GroupHouseholdInline(TolerantAutocomplete, admin.TabularInline):
    model = GroupHousehold
    extra = 0
    autocomplete_fields = ["unit"]


@admin.register(Group)
class GroupAdmin(TolerantAutocomplete, admin.ModelAdmin):
    list_display = ["name", "region", "place", "central_household"]
    search_fields = ["name"]
    autocomplete_fields = ["place", "region", "central_household"]
    inlines = [GroupHouseholdInline]


@admin.register(GroupHousehold)
class GroupHouseholdAdmin(TolerantAutocomplete, admin.ModelAdmin):
    list_display = ["group", "unit"]
    autocomplete_fields = ["group", "unit"]
