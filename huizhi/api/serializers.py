"""The API's shapes. Parsing and presenting only: every write goes through the case services."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from huizhi.cases.models import Case, CaseEvent, Category
from huizhi.cases.permissions import sees_case_particulars
from huizhi.cases.selectors import case_timeline, shown_point
from huizhi.cases.transitions import TRANSITIONS
from huizhi.core.text import MAX_TEXT, mask_typed_personal_numbers
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place


class CategorySerializer(serializers.ModelSerializer):
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


class PlaceSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent.code", default=None, read_only=True, allow_null=True)

    class Meta:
        model = Place
        fields = ["code", "name", "kind", "parent", "lon", "lat", "has_property_company", "boundary"]


class CaseSerializer(serializers.ModelSerializer):
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
            for name in self.FREE_TEXT:
                if name in data:
                    data[name] = mask_typed_personal_numbers(data[name])
        return data


class CaseEventSerializer(serializers.ModelSerializer):
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


class CaseCreateSerializer(serializers.Serializer):
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=Category.objects.filter(is_active=True, parent__isnull=False)
    )
    title = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=MAX_TEXT)
    place = serializers.SlugRelatedField(
        slug_field="code",
        # Never a household unit: a case is filed at a building or above (as Open311 and the pages).
        queryset=Place.objects.exclude(kind=PlaceKind.UNIT),
        required=False,
        allow_null=True,
        help_text="A community, grid, compound or building code within the caller's scope.",
        error_messages={"does_not_exist": "No community, grid, compound or building has the code {value}."},
    )
    lon = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)
    lat = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)


class TransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=sorted(TRANSITIONS))
    expected_version = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        help_text="The case's version you acted on; 409 if it moved on.",
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT, default="")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT, default="")
    unit = serializers.IntegerField(required=False, allow_null=True, help_text="Organisation id (dispatch).")
    due_at = serializers.DateTimeField(required=False, allow_null=True)
    approver = serializers.IntegerField(required=False, allow_null=True, help_text="User id (suspend).")
    merged_into = serializers.IntegerField(required=False, allow_null=True, help_text="Case id (merge).")
    outcome = serializers.CharField(required=False, allow_blank=True, default="")
