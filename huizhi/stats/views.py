"""The leader's view (/console/stats/), its table downloads and the monthly report."""

from functools import wraps

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from huizhi.accounts.decorators import permission_page
from huizhi.accounts.scopes import codes_q
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Organisation
from huizhi.stats import map as stats_map
from huizhi.stats import pdf, rollups, sheets, tables
from huizhi.stats.hot import DAYS as HOT_DAYS
from huizhi.stats.hot import MAX_REPORTS as HOT_MAX_REPORTS
from huizhi.stats.hot import hot_panel, kept_hot_panel
from huizhi.stats.metrics import DEFINITIONS
from huizhi.stats.models import MonthlyFigures
from huizhi.stats.periods import KINDS, PeriodError, parse_period
from huizhi.stats.permissions import (
    ScopeRefused,
    get_scope_for_user,
    stats_places_visible_to,
    stats_roots,
)
from huizhi.stats.tables import Column, Table

stats_page = permission_page("stats.view")


def _refused(request, message: str, status: int):
    return render(request, "stats/refused.html", {"message": message}, status=status)


def with_scope_and_period(view):
    """`view(request, scope, period, …)` with the scope and period the query string names, or the
    refusal page: 403 for a scope outside the user's, 400 for a period that cannot be read."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            scope = get_scope_for_user(
                request.user, request.GET.get("scope", ""), request.GET.get("unit", "")
            )
            period = parse_period(request.GET)
        except ScopeRefused as refusal:
            return _refused(request, str(refusal), 403)
        except PeriodError as refusal:
            return _refused(request, str(refusal), 400)
        return view(request, scope, period, *args, **kwargs)

    return wrapped


def _choices(user):
    """The places and handling units the filter offers: the user's own, and units that handled
    cases in them."""
    places = list(stats_places_visible_to(user).order_by("code").only("code", "name", "kind"))
    roots = stats_roots(user)
    if rollups.state() is not None:  # the monthly sums hold each case's unit: no join of the cases
        handled = MonthlyFigures.objects.filter(codes_q(roots, "area_code")).exclude(unit_id=0)
        units = Organisation.objects.filter(pk__in=handled.values("unit_id"))
    else:
        units = Organisation.objects.filter(codes_q(roots, "cases__place_code")).distinct()
    return places, list(units.order_by("name").only("pk", "name"))


@stats_page
@rollups.one_state()  # the figures and the filter's units ask whether the roll-ups are built once
@with_scope_and_period
def dashboard(request, scope, period):
    board = tables.kept_board(scope, period)
    places, units = _choices(request.user)
    context = {
        "board": board,
        "query": _query(scope, period),
        "places": places,
        "units": units,
        "kinds": KINDS,
        "definitions": DEFINITIONS.values(),
        "grid_kind": PlaceKind.GRID,
        # A kept panel is shown at once; else the page's script asks stats:hot for it.
        "hot": kept_hot_panel(request.user, scope, period, now=board.computed_at),
        "hot_limits": HOT_LIMITS,
    }
    return render(request, "stats/dashboard.html", context)


HOT_LIMITS = {"days": HOT_DAYS, "reports": HOT_MAX_REPORTS}


def _query(scope, period) -> str:
    """The scope and period as a query string, for the page's links."""
    query = {**period.query(), "scope": scope.place.code, **({"unit": scope.unit.pk} if scope.unit else {})}
    return urlencode(query)


@stats_page
@with_scope_and_period
def hot(request, scope, period):
    """The hot topics panel of the leader's view for the same scope and period: the section alone
    for the page's script (?part=1), else as a page of its own (the link without scripts)."""
    context = {
        "hot": hot_panel(request.user, scope, period, now=timezone.now()),
        "hot_limits": HOT_LIMITS,
        "scope": scope,
        "period": period,
        "query": _query(scope, period),
    }
    template = "stats/_hot_panel.html" if request.GET.get("part") == "1" else "stats/hot.html"
    return render(request, template, context)


@stats_page
@with_scope_and_period
def download(request, scope, period, key: str):
    """One table of the view as .xlsx, for the same scope and period."""
    board = tables.kept_board(scope, period)
    table = board.table(key)
    if table is None:
        return _refused(request, _("There is no such table."), 404)
    return _xlsx(sheets.workbook_bytes(board, [table]), f"{key}-{scope.place.code}-{period.label}")


def definitions_table() -> Table:
    return Table(
        "definitions",
        _("Definitions"),
        [
            Column(_("Figure"), "text"),
            Column(_("Counts"), "text"),
            Column(_("Out of"), "text"),
            Column(_("Notes"), "text"),
        ],
        [[str(d.label), str(d.numerator), str(d.denominator), str(d.notes)] for d in DEFINITIONS.values()],
    )


@stats_page
def monthly_report(request):
    """The month's report for a street or community as .xlsx (a sheet per breakdown, and the
    definitions) or as .pdf (the same tables, huizhi.stats.pdf). The month is required, and must be
    a month that has begun."""
    try:
        scope = get_scope_for_user(request.user, request.GET.get("scope", ""), "")
        month = request.GET.get("month", "")
        if not month:
            raise PeriodError(_("Say which month: ?month=2024-05."))
        period = parse_period({"period": "month", "month": month})
    except ScopeRefused as refusal:
        return _refused(request, str(refusal), 403)
    except PeriodError as refusal:
        return _refused(request, str(refusal), 400)
    fmt = request.GET.get("format", "xlsx")
    if fmt not in ("xlsx", "pdf"):
        return _refused(request, _("The monthly report is available as xlsx or pdf."), 400)
    board = tables.kept_board(scope, period)
    name = f"report-{scope.place.code}-{period.label}"
    if fmt == "pdf":
        return _attachment(pdf.report_pdf(board, [*board.tables, definitions_table()]), pdf.PDF, name, "pdf")
    data = sheets.workbook_bytes(board, [*board.tables, definitions_table()])
    return _xlsx(data, name)


def _xlsx(data: bytes, name: str) -> HttpResponse:
    return _attachment(data, sheets.XLSX, name, "xlsx")


def _attachment(data: bytes, content_type: str, name: str, extension: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    safe = "".join(ch for ch in name if ch.isascii() and (ch.isalnum() or ch in "-_")) or "stats"
    response["Content-Disposition"] = f'attachment; filename="{safe}.{extension}"'
    return response


@stats_page
@rollups.one_state()
@with_scope_and_period
def map_view(request, scope, period):
    """The scope's grids on a map with their figures for the period, its open cases as pins
    coloured by time left and the period's hot spots (huizhi.stats.map)."""
    data = stats_map.map_data(request.user, scope, period, now=timezone.now())
    places, units = _choices(request.user)
    context = {
        "scope": scope,
        "period": period,
        "map": data,
        "pin_limit": stats_map.PIN_LIMIT,
        "query": _query(scope, period),
        "places": places,
        "units": units,
        "kinds": KINDS,
    }
    return render(request, "stats/map.html", context)
