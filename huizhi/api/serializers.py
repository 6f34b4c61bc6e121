"""The API's shapes. Parsing and presenting only: every write goes through the case services."""

import copy

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from huizhi.api.suggesting import named_subclass
from huizhi.cases.models import Case, CaseEvent, Category
from huizhi.cases.permissions import sees_case_particulars
from huizhi.cases.selectors import case_timeline, shown_place, shown_point
from huizhi.cases.services.report import TITLE_MAX
from huizhi.cases.states import Outcome
from huizhi.cases.transitions import (
    APPROVER,
    DUE_AT,
    MERGED_INTO,
    NOTE,
    OUTCOME,
    PHOTOS,
    REASON,
    TRANSITION_ACTIONS,
    UNIT,
    takes,
)
from huizhi.core.dates import EARLIEST_YEAR, LATEST_YEAR, in_supported_range
from huizhi.core.text import MAX_TEXT, mask_typed_personal_numbers
from huizhi.places.distance import NEARBY_METRES
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place


class KeptFields:
    """A model serializer whose fields depend on its class alone: built from the model once per class
    and copied for each use. DRF builds them from the model at every instantiation — 2.2 to 2.7 ms
    for a case's two dozen fields, in every filing's answer and every list; a copy is 0.8 ms."""

    def get_fields(self):
        kept = type(self).__dict__.get("_kept_fields")  # the class's own, not a parent's
        if kept is None:
            kept = super().get_fields()
            type(self)._kept_fields = kept
        return {name: _copy_for_binding(field) for name, field in kept.items()}


def _copy_for_binding(field):
    """A copy of a kept field that its use may bind (parent, field name, source) without touching the
    kept one. Binding sets only the field's own attributes, so a shallow copy will do — 0.08 ms a
    field less than DRF's deep copy, which builds the field again from its arguments (a filing's
    answer binds ~40). A field holding another bound to it (a nested serializer, a list's child, a
    many-related field's child) is copied deep, as DRF does: the inner one's parent must be the copy."""
    if (
        isinstance(field, serializers.BaseSerializer)
        or hasattr(field, "child")
        or hasattr(field, "child_relation")
    ):
        return copy.deepcopy(field)
    return copy.copy(field)


class CategorySerializer(KeptFields, serializers.ModelSerializer):
    parent = serializers.CharField(source="parent.code", default=None, read_only=True, allow_null=True)

    class Meta:
        model = Category
        fields = [
            "code",
            "name",
            "kind",
            "parent",
            "accept_limit",
            "accept_unit",
            "handle_limit",
            "handle_unit",
            "closing_condition",
            "requires_result_photo",
        ]


class PlaceSerializer(KeptFields, serializers.ModelSerializer):
    parent = serializers.CharField(source="parent.code", default=None, read_only=True, allow_null=True)

    class Meta:
        model = Place
        fields = ["code", "name", "kind", "parent", "lon", "lat", "has_property_company", "boundary"]


class CaseSerializer(KeptFields, serializers.ModelSerializer):
    """A case as the request's reader may see it: readers who do not see the case's particulars
    (integrating systems, handling units) get the point of its place instead of the exact point,
    and free text with typed mobiles and ID numbers masked — the rule of the case page."""

    reference = serializers.CharField(read_only=True)
    category = serializers.CharField(source="category.code", read_only=True)
    place = serializers.CharField(source="place.code", read_only=True)
    place_name = serializers.CharField(source="place.name", read_only=True)
    community = serializers.CharField(source="community.code", default=None, read_only=True, allow_null=True)
    handling_unit = serializers.CharField(
        source="handling_unit.name", default=None, read_only=True, allow_null=True
    )
    clock = serializers.CharField(source="clock_colour", read_only=True)

    # Masked on the way out for readers without the particulars.
    FREE_TEXT = ("title", "description")

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "title",
            "status",
            "level",
            "outcome",
            "source",
            "category",
            "place",
            "place_name",
            "community",
            "lon",
            "lat",
            "handling_unit",
            "clock",
            "accept_due_at",
            "handle_due_at",
            "rework_count",
            "reopen_count",
            "rating",
            "version",
            "created_at",
            "updated_at",
            "closed_at",
        ]

    def _reader(self):
        request = self.context.get("request")
        return getattr(request, "user", None)

    def to_representation(self, case):
        data = super().to_representation(case)
        reader = self._reader()
        if not sees_case_particulars(reader, case):
            data["lon"], data["lat"] = shown_point(case, reader)
            place = shown_place(case, reader)
            data["place"], data["place_name"] = place.code, place.name
            for name in self.FREE_TEXT:
                if name in data:
                    data[name] = mask_typed_personal_numbers(data[name])
        return data


class CaseEventSerializer(KeptFields, serializers.ModelSerializer):
    actor = serializers.CharField(source="shown_actor", read_only=True)

    class Meta:
        model = CaseEvent
        fields = ["action", "label", "from_status", "to_status", "actor", "note", "created_at"]


class CaseDetailSerializer(CaseSerializer):
    timeline = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "description", "timeline"]

    @extend_schema_field(CaseEventSerializer(many=True))
    def get_timeline(self, case):
        reader = self._reader()
        events = CaseEventSerializer(case_timeline(case, reader), many=True).data
        if not sees_case_particulars(reader, case):
            for event in events:
                event["note"] = mask_typed_personal_numbers(event["note"])
        return events


class KeptCategoryField(serializers.SlugRelatedField):
    """A subclass by its code, read from intake's kept catalog of active subclasses (every filing
    names one: no query for it); any other code is looked up as SlugRelatedField looks it up, so
    the answer for it is the same."""

    def to_internal_value(self, data):
        kept = named_subclass(data)
        return kept if kept is not None else super().to_internal_value(data)


class CaseCreateSerializer(serializers.Serializer):
    category = KeptCategoryField(
        slug_field="code",
        queryset=Category.objects.filter(is_active=True, parent__isnull=False),
        required=False,
        allow_null=True,
        help_text="A subclass code (4 digits). Without one, the subclass intake suggests for the title "
        "and description is taken when it is clear enough; otherwise the filing is refused (400) "
        "and asks for one.",
    )
    # min_length states in the document what the services enforce: a blank title or description
    # is refused (DRF's blank check refuses it first).
    title = serializers.CharField(min_length=1, max_length=TITLE_MAX)
    description = serializers.CharField(min_length=1, max_length=MAX_TEXT)
    place = serializers.SlugRelatedField(
        slug_field="code",
        # Never a household unit: a case is filed at a building or above (as Open311 and the pages).
        queryset=Place.objects.exclude(kind=PlaceKind.UNIT),
        required=False,
        allow_null=True,
        help_text="A community, grid, compound or building code within the caller's scope.",
        error_messages={
            "does_not_exist": gettext_lazy("No community, grid, compound or building has the code {value}.")
        },
    )
    lon = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)
    lat = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)


class BoundedDateTimeField(serializers.DateTimeField):
    """A date-time within the years the product works with (huizhi.core.dates): checked before DRF
    moves it into the local zone, which overflows at the ends of the calendar."""

    def enforce_timezone(self, value):
        if not in_supported_range(value):
            self.fail("out_of_range", first=EARLIEST_YEAR, last=LATEST_YEAR)
        return super().enforce_timezone(value)

    # Lazy, so each answer is in the request's language; DRF fills {first} and {last} (fail()).
    default_error_messages = {
        "out_of_range": gettext_lazy("Give a date between the years {first} and {last}."),
    }


def _taken_by(name: str) -> str:
    """Which actions take the input `name`, read from the transition table for the document."""
    return ", ".join(takes(name))


class TransitionSerializer(serializers.Serializer):
    """An action and whatever inputs it takes (transitions.INPUTS; each row of the table names its
    own), passed to case_transition() as they are."""

    action = serializers.ChoiceField(choices=TRANSITION_ACTIONS)
    expected_version = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        help_text="The case's version you acted on; 409 if it moved on.",
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_TEXT,
        default="",
        help_text=f"What was done, or a remark. Asked for by: {_taken_by(NOTE)}.",
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_TEXT,
        default="",
        help_text=f"Why. Needed by: {_taken_by(REASON)}.",
    )
    unit = serializers.IntegerField(
        required=False, allow_null=True, help_text=f"Organisation id ({_taken_by(UNIT)})."
    )
    due_at = BoundedDateTimeField(
        required=False, allow_null=True, help_text=f"The handling deadline ({_taken_by(DUE_AT)})."
    )
    approver = serializers.IntegerField(
        required=False, allow_null=True, help_text=f"User id ({_taken_by(APPROVER)})."
    )
    merged_into = serializers.IntegerField(
        required=False, allow_null=True, help_text=f"Case id ({_taken_by(MERGED_INTO)})."
    )
    outcome = serializers.ChoiceField(
        choices=Outcome.choices,  # the case's own choices: one enum in the document, not two
        required=False,
        allow_blank=True,
        default="",
        help_text=f"{_taken_by(OUTCOME).capitalize()}: not_ours or invalid.",
    )


PHOTOS_HELP = (
    "JPEG, PNG, WebP or GIF, checked and stored as the pages store them: re-encoded, "
    "without EXIF (no GPS position kept)."
)


@extend_schema_field({"type": "string", "format": "binary"})
class PhotoFileField(serializers.FileField):
    """A file part of a multipart body (the document would otherwise call it a URL)."""


def photos_field(help_text: str) -> serializers.ListField:
    # The services check each file (huizhi.core.photos); here only that a part is a file.
    return serializers.ListField(
        child=PhotoFileField(), required=False, default=list, help_text=f"{help_text} {PHOTOS_HELP}"
    )


class CaseCreateWithPhotosSerializer(CaseCreateSerializer):
    """A new case sent as multipart/form-data, with photos of the problem."""

    photos = photos_field("Photos of the problem.")


class TransitionWithPhotosSerializer(TransitionSerializer):
    """A transition sent as multipart/form-data, with photos (e.g. of the result, report_result)."""

    photos = photos_field(f"Photos, e.g. of the result ({_taken_by(PHOTOS)}).")


class NearbyQuerySerializer(serializers.Serializer):
    category = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Category.objects.filter(is_active=True, parent__isnull=False),
        help_text="A subclass code (4 digits).",
    )
    lon = serializers.FloatField(min_value=-180, max_value=180, help_text="Longitude (WGS 84).")
    lat = serializers.FloatField(min_value=-90, max_value=90, help_text="Latitude (WGS 84).")
    radius = serializers.IntegerField(
        required=False,
        default=NEARBY_METRES,
        min_value=1,
        max_value=1000,
        help_text="Metres from the point.",
    )


class NearbyCaseSerializer(CaseSerializer):
    distance_m = serializers.IntegerField(
        read_only=True,
        help_text="Metres from the point asked to the case's point as this reader is shown it.",
    )

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "distance_m"]
