"""GET /api/v1/stats/: the figures of a scope and period, from the same metrics module as the pages."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from huizhi.api.schema import ErrorSerializer
from huizhi.core.dbrouter import reading_reports
from huizhi.stats import metrics, rollups
from huizhi.stats.periods import KINDS, PeriodError, parse_period
from huizhi.stats.permissions import ScopeRefused, get_scope_for_user


class RateSerializer(serializers.Serializer):
    percent = serializers.FloatField(
        allow_null=True, help_text="Two decimals; null when the denominator is 0."
    )
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField()
    label = serializers.CharField()
    definition = serializers.CharField(help_text="What the numerator and the denominator count.")


class DurationsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    median_hours = serializers.FloatField(allow_null=True)
    p90_hours = serializers.FloatField(allow_null=True)


class ScopeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    unit = serializers.IntegerField(allow_null=True)


class PeriodSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(KINDS))
    first = serializers.DateField()
    last = serializers.DateField()
    label = serializers.CharField()


class SupervisionSerializer(serializers.Serializer):
    issued = serializers.IntegerField()
    answered = serializers.IntegerField()
    answered_on_time = RateSerializer()


class WallSerializer(serializers.Serializer):
    published = serializers.IntegerField()
    answered = RateSerializer()


class StatsSerializer(serializers.Serializer):
    scope = ScopeSerializer()
    period = PeriodSerializer()
    computed_at = serializers.DateTimeField()
    rollups_kept_at = serializers.DateTimeField(
        allow_null=True,
        help_text="The newest case event the daily roll-ups hold (days before today are read from "
        "them, today from the cases); null when they are not built and every figure is counted from the cases.",
    )
    rates = serializers.DictField(child=RateSerializer(), help_text="By metric key (see each definition).")
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="The counts behind the rates.")
    by_source = serializers.DictField(child=serializers.IntegerField())
    by_state = serializers.DictField(child=serializers.IntegerField())
    time_to_accept = DurationsSerializer()
    time_to_fix = DurationsSerializer()
    supervision = SupervisionSerializer()
    wall = WallSerializer(allow_null=True, help_text="Null for a handling unit's figures.")


def _rate(key: str, rate: metrics.Rate) -> dict:
    definition = metrics.DEFINITIONS[key]
    return {
        "percent": None if rate.percent is None else float(rate.percent),
        "numerator": rate.numerator,
        "denominator": rate.denominator,
        "label": str(definition.label),
        "definition": f"{definition.numerator} ÷ {definition.denominator}",
    }


def _durations(d: metrics.Durations) -> dict:
    return {"count": d.count, "median_hours": d.median_hours, "p90_hours": d.p90_hours}


def stats_body(figures: metrics.Figures, computed_at, freshness: metrics.Freshness | None = None) -> dict:
    scope, period, counts = figures.scope, figures.period, figures.cases
    return {
        "scope": {
            "code": scope.place.code,
            "name": scope.place.name,
            "kind": scope.place.kind,
            "unit": scope.unit.pk if scope.unit else None,
        },
        "period": {"kind": period.kind, "first": period.first, "last": period.last, "label": period.label},
        "computed_at": computed_at,
        "rollups_kept_at": freshness.kept_at if freshness else None,
        "rates": {key: _rate(key, counts.rate(key)) for key in metrics.HEADLINE},
        "counts": dict(vars(counts)),
        "by_source": {key: n for key, _label, n in figures.by_source},
        "by_state": {key: n for key, _label, n in figures.by_state},
        "time_to_accept": _durations(figures.time_to_accept),
        "time_to_fix": _durations(figures.time_to_fix),
        "supervision": {
            "issued": figures.supervision_issued,
            "answered": figures.supervision_answered,
            "answered_on_time": _rate("supervision_on_time", figures.supervision_on_time),
        },
        "wall": None
        if figures.wall_answered is None
        else {"published": figures.wall_posted, "answered": _rate("wall_answered", figures.wall_answered)},
    }


# The query, checked whole: a parameter that is present must be well formed even where the period
# does not use it (a client that sends to= with period=month has made a mistake worth hearing of).
# Built with type() because one parameter is named "from".
StatsQuerySerializer = type(
    "StatsQuerySerializer",
    (serializers.Serializer,),
    {
        "scope": serializers.RegexField(
            "^[0-9]+$", max_length=32, required=False, help_text="A place code; default: your own."
        ),
        "unit": serializers.IntegerField(
            min_value=1, required=False, help_text="A handling unit's id: only its cases in the scope."
        ),
        "period": serializers.ChoiceField(choices=list(KINDS), required=False, help_text="Default: month."),
        "month": serializers.RegexField(
            "^[0-9]{4}-[0-9]{2}$",
            required=False,
            help_text="YYYY-MM, with period=month (default: this month).",
        ),
        "date": serializers.DateField(required=False, help_text="A day of the day, week, quarter or year."),
        "from": serializers.DateField(required=False, help_text="The first day, with period=custom."),
        "to": serializers.DateField(required=False, help_text="The last day, with period=custom."),
    },
)


class StatsView(APIView):
    """Figures of a street, community or grid (optionally one handling unit's cases in it) for a
    period: 受理及时率, 按期处置率, 结案率, 按期结案率, 返工率, 满意率 with their numerators and
    denominators, cases by source and state, median and p90 times, supervision and problem-wall
    figures. The same definitions as the statistics pages. Read by street leadership and community
    staff over their own places, and with an API key over the key's place; a period that has not
    begun is refused."""

    @extend_schema(
        operation_id="stats_retrieve",
        parameters=[StatsQuerySerializer],
        responses={200: StatsSerializer, 403: ErrorSerializer},
    )
    def get(self, request):
        params = request.query_params
        query = StatsQuerySerializer(data=params)
        query.is_valid(raise_exception=True)
        # DRF takes an empty date as no date; the document says a date, so "to=" is refused.
        empty = {
            name: [_("This parameter may not be empty.")] for name in query.fields if params.get(name) == ""
        }
        if empty:
            raise ValidationError(empty)
        scope_code, unit = params.get("scope", ""), params.get("unit", "")
        try:
            period = parse_period(params)
        except PeriodError as error:
            raise ValidationError({"period": [str(error)]}) from None
        try:
            scope = get_scope_for_user(request.user, scope_code, unit)
        except ScopeRefused as refusal:
            raise PermissionDenied(str(refusal)) from None
        now = timezone.now()
        with reading_reports(), rollups.one_state():
            body = stats_body(metrics.figures(scope, period, now=now), now, metrics.freshness())
        return Response(StatsSerializer(body).data)
