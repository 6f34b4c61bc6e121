from django.contrib import admin
from django.contrib.admin import widgets
from django.core.exceptions import ValidationError

from huizhi.core.audit import audit_record, model_action
from huizhi.core.models import AuditEntry


class _TolerantAutocompleteMixin:
    """An autocomplete that re-renders a refused form even when the submitted id is not an id at all
    (Django's looks the raw value up and raises: a 500 found by the fuzz sweep)."""

    def optgroups(self, name, value, attr=None):
        target = self.field.remote_field.model._meta
        to_field = target.get_field(getattr(self.field.remote_field, "field_name", target.pk.attname))

        def usable(raw) -> bool:
            try:
                to_field.to_python(raw)
            except (ValidationError, ValueError, TypeError):
                return False
            return True

        return super().optgroups(name, [v for v in value if usable(v)], attr)


class TolerantAutocompleteSelect(_TolerantAutocompleteMixin, widgets.AutocompleteSelect):
    pass


class TolerantAutocompleteSelectMultiple(_TolerantAutocompleteMixin, widgets.AutocompleteSelectMultiple):
    pass


class TolerantAutocomplete:
    """Mixed into every admin (and inline) of the product that has autocomplete fields."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = TolerantAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = TolerantAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ReadOnlyAdmin(TolerantAutocomplete, admin.ModelAdmin):
    """For records the services write and nobody edits (timelines, access logs, import results)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PlacementFrozenAdmin(TolerantAutocomplete, admin.ModelAdmin):
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


class AuditedAdmin(TolerantAutocomplete, admin.ModelAdmin):
    """Every add, change and delete made here, and in its inlines, goes into the audit trail with
    who made it and the new values (secrets masked)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changes = {name: form.cleaned_data.get(name) for name in form.changed_data}
        audit_record(
            actor=request.user,
            action=model_action(obj, "change" if change else "add"),
            target=obj,
            changes=changes,
        )

    def delete_model(self, request, obj):
        audit_record(actor=request.user, action=model_action(obj, "delete"), target=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit_record(actor=request.user, action=model_action(obj, "delete"), target=obj)
        super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        # Deleted rows are named while they still have their id.
        for doomed in formset.deleted_forms:
            if doomed.instance.pk:
                audit_record(
                    actor=request.user, action=model_action(doomed.instance, "delete"), target=doomed.instance
                )
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            audit_record(actor=request.user, action=model_action(obj, "add"), target=obj)
        for obj, changed in formset.changed_objects:
            audit_record(
                actor=request.user,
                action=model_action(obj, "change"),
                target=obj,
                changes={name: getattr(obj, name, "") for name in changed},
            )


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor_label", "action", "target"]
    list_filter = ["action"]
    search_fields = ["actor_label", "target"]
