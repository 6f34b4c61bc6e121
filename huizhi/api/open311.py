"""Open311 GeoReport v2 (DESIGN §10, §13): discovery, services, service definitions, requests and
tokens, each as `.xml` or `.json` by the URL's extension, errors in the spec's shape.

Reading a case needs an API key and shows only the cases in the key's place subtree, as REST does:
a key for one community never reads another's. The service list and discovery are public.
Cases are filed through `case_report`, the intake every other source uses.
"""

import json
import math
import re
import xml.etree.ElementTree as ET  # noqa: S405 — used to write XML only; nothing is parsed here
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    ValidationError,
)
from django.db.models import CharField, F, QuerySet, Value
from django.db.models.lookups import Contains
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView, set_rollback

from huizhi.accounts.scopes import subtree_q
from huizhi.api.authentication import ApiKeyAuthentication
from huizhi.api.models import ApiKey
from huizhi.cases.models import Case, Category
from huizhi.cases.permissions import cases_visible_to, filing_scope, sees_case_particulars
from huizhi.cases.selectors import LIST_RELATED, shown_point
from huizhi.cases.services import CaseActionError, case_report
from huizhi.cases.states import OPEN_STATUSES, Source, Status
from huizhi.core.dates import EARLIEST_YEAR, LATEST_YEAR, in_supported_range
from huizhi.core.text import MAX_TEXT, clean_plain_text, mask_typed_personal_numbers
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.places.selectors import grid_for_point

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When the discovery document or the shape of the service definitions last changed (the spec's
# "changeset": sortable). Categories carry no change time yet, so this is set by hand.
CHANGESET = "2026-11-27T00:00:00+08:00"
WINDOW = timedelta(days=90)  # GET requests: the default range, and the longest one allowed
MAX_RESULTS = 1000
TITLE_MAX = 120
ADDRESS_MAX = 255
# Where an address may point: a household unit is never a request's address (privacy).
ADDRESSABLE = (PlaceKind.COMMUNITY, PlaceKind.GRID, PlaceKind.COMPOUND, PlaceKind.BUILDING)

CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
# The Spark convention (JSON_and_XML_Conversion): a list in JSON is a container of repeated
# elements in XML, named here.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
# Characters XML 1.0 cannot carry at all; dropped on output so that every document parses.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# --- rendering -------------------------------------------------------------------------------------


def _xml_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _XML_ILLEGAL.sub("", str(value))


def _xml_fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for tag, child in value.items():
            _xml_fill(ET.SubElement(element, tag), child)
    elif isinstance(value, list):
        for item in value:
            _xml_fill(ET.SubElement(element, ITEM_TAGS[element.tag]), item)
    else:
        element.text = _xml_text(value)


def render_xml(root: str, data) -> bytes:
    element = ET.Element(root)
    _xml_fill(element, data)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode").encode()


def open311_response(fmt: str, root: str, data, status: int = 200) -> HttpResponse:
    """`data` as the spec's XML (under `root`) or JSON (Spark convention), by the URL's extension."""
    body = json.dumps(data, ensure_ascii=False).encode() if fmt == "json" else render_xml(root, data)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES.get(fmt, CONTENT_TYPES["xml"]))


def error_response(fmt: str, status: int, *descriptions: str) -> HttpResponse:
    errors = [{"code": status, "description": str(text)} for text in descriptions]
    return open311_response(fmt, "errors", errors, status=status)


def w3(moment: datetime | None) -> str | None:
    """ISO 8601 (the w3 profile) with the zone's offset, e.g. 2026-11-27T09:30:00+08:00."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status, self.description = status, description


def _bad(description: str) -> Open311Error:
    return Open311Error(400, description)


# --- views -----------------------------------------------------------------------------------------


class Open311View(APIView):
    """Format from the extension, errors in the spec's shape, no CSRF (no session authentication)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [FormParser, MultiPartParser]
    renderer_classes = [JSONRenderer]  # only for DRF's own OPTIONS answer; ours are rendered above
    schema = None  # not part of the REST API's OpenAPI document

    def perform_content_negotiation(self, request, force=False):
        # The extension chooses the format, whatever the Accept header says.
        return self.renderer_classes[0](), self.renderer_classes[0].media_type

    @property
    def fmt(self) -> str:
        return self.kwargs.get("fmt", "xml")

    def handle_exception(self, exc):
        if isinstance(exc, Open311Error):
            return error_response(self.fmt, exc.status, exc.description)
        if isinstance(exc, Http404):
            exc = exceptions.NotFound()
        if isinstance(exc, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
            return error_response(self.fmt, 400, _("The request is too large."))
        if not isinstance(exc, exceptions.APIException):
            self.raise_uncaught_exception(exc)
        set_rollback()
        if isinstance(exc, exceptions.NotAuthenticated):
            status, text = 403, _("An api_key is required.")
        elif isinstance(exc, exceptions.AuthenticationFailed | exceptions.PermissionDenied):
            status, text = 403, str(exc.detail)
        elif isinstance(exc, exceptions.UnsupportedMediaType | exceptions.ParseError):
            status, text = 400, str(exc.detail)
        else:
            status, text = exc.status_code, str(exc.detail)
        response = error_response(self.fmt, status, text)
        if getattr(exc, "wait", None):
            response["Retry-After"] = str(math.ceil(exc.wait))
        if isinstance(exc, exceptions.MethodNotAllowed):
            response["Allow"] = ", ".join(self.allowed_methods)
        return response


class KeyedView(Open311View):
    """Needs the `api_key` parameter (or the X-Api-Key header): 403 when missing, wrong or revoked."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [IsAuthenticated]

    @property
    def key(self) -> ApiKey:
        return self.request.auth


class DiscoveryView(Open311View):
    def get(self, request, fmt="xml"):
        url = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": "xml"}))
        document = {
            "changeset": CHANGESET,
            "contact": _("The street office (街道) that runs this service."),
            "key_service": _(
                "API keys are issued by the street office's administrator, one per system, "
                "scoped to a street or community."
            ),
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": url.rsplit("/", 1)[0],
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": [CONTENT_TYPES["xml"].split(";")[0], CONTENT_TYPES["json"].split(";")[0]],
                }
            ],
        }
        return open311_response(fmt, "discovery", document)


def _services() -> QuerySet[Category]:
    """The subclasses a request may be filed under: active, in an active class."""
    return Category.objects.filter(
        is_active=True, parent__isnull=False, parent__is_active=True
    ).select_related("parent")


def service_attributes(category: Category) -> list[dict]:
    """The extra answers a subclass asks for (the spec's attributes). None of ours asks for any yet."""
    return []


class ServiceListView(Open311View):
    def get(self, request, fmt):
        services = [
            {
                "service_code": category.code,
                "service_name": category.name,
                "description": category.closing_condition or category.parent.name,
                "metadata": bool(service_attributes(category)),
                "type": "realtime",
                "keywords": ", ".join([category.name, category.parent.name, category.get_kind_display()]),
                "group": category.parent.name,
            }
            for category in _services().order_by("code")
        ]
        return open311_response(fmt, "services", services)


class ServiceDefinitionView(Open311View):
    def get(self, request, code, fmt):
        category = _services().filter(code=code).first()
        if category is None:
            raise Open311Error(404, _("No service has the code “%(code)s”.") % {"code": code})
        definition = {"service_code": category.code, "attributes": service_attributes(category)}
        return open311_response(fmt, "service_definition", definition)


# --- requests: reading -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Address:
    text: str
    code: str | None


def _addresses(cases: list[Case]) -> dict[int, _Address]:
    """Each case's address, stopping at the building: "扬天小区11栋", a compound, grid or community.

    A household unit is never named. One query for the whole page."""
    wanted = {
        case.pk: (case.place.ancestor_code(PlaceKind.BUILDING), case.place.ancestor_code(PlaceKind.COMPOUND))
        for case in cases
    }
    codes = {c for pair in wanted.values() for c in pair if c}
    names = dict(Place.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
    addresses = {}
    for case in cases:
        building, compound = wanted[case.pk]
        if compound:
            text = names.get(compound, "") + (names.get(building, "") if building else "")
            addresses[case.pk] = _Address(text, building or compound)
        else:
            addresses[case.pk] = _Address(case.place.name, case.place_code)
    return addresses


def _status_notes(case: Case) -> str:
    notes = [case.get_status_display()]
    if case.outcome:
        notes.append(case.get_outcome_display())
    if case.status == Status.MERGED and case.merged_into_id:
        notes.append(_("merged into request %(id)s") % {"id": case.merged_into_id})
    return " · ".join(str(note) for note in notes)


def _request_item(case: Case, address: _Address, reader) -> dict:
    is_open = case.status in OPEN_STATUSES
    # The point and free text as this reader may see them (the case page's rule): a system reads
    # the point of the case's place, not a resident's exact spot.
    particulars = sees_case_particulars(reader, case)
    lon, lat = shown_point(case, reader)
    updated = case.closed_at if case.status == Status.CLOSED and case.closed_at else case.updated_at
    agency = case.handling_unit.name if case.handling_unit_id else None
    if agency is None and case.community_id:
        agency = case.community.name  # not yet dispatched: the community's own queue has it
    return {
        "service_request_id": str(case.pk),
        "status": "open" if is_open else "closed",
        "status_notes": _status_notes(case),
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": case.description if particulars else mask_typed_personal_numbers(case.description),
        "agency_responsible": agency,
        "service_notice": case.category.closing_condition or None,
        "requested_datetime": w3(case.created_at),
        "updated_datetime": w3(updated),
        "expected_datetime": w3(case.handle_due_at),
        "address": address.text,
        "address_id": address.code,
        "lat": lat,
        "long": lon,
    }


def _request_items(cases, reader) -> list[dict]:
    cases = list(cases)
    addresses = _addresses(cases)
    return [_request_item(case, addresses[case.pk], reader) for case in cases]


def _readable(user) -> QuerySet[Case]:
    return cases_visible_to(user).select_related(*LIST_RELATED)


def _parse_moment(name: str, raw: str, *, end: bool) -> datetime:
    """A w3 date-time with its zone (or a whole day, YYYY-MM-DD, in the local zone)."""
    # An unencoded "+" in a query string arrives as a space: "…T00:00:00 08:00".
    text = re.sub(r" (\d{2}:?\d{2})$", r"+\1", raw.strip())
    invalid = _("%(name)s is not an ISO 8601 date-time with a time zone, e.g. 2026-01-01T00:00:00+08:00.") % {
        "name": name
    }
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            day: date | None = parse_date(text)
        except ValueError:
            day = None
        if day is None:
            raise _bad(invalid)
        _supported(name, day)
        start = timezone.make_aware(datetime.combine(day, time.min))
        return start + timedelta(days=1) - timedelta(microseconds=1) if end else start
    try:
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None or timezone.is_naive(moment):
        raise _bad(invalid)
    _supported(name, moment)
    return moment


def _supported(name: str, moment: date) -> None:
    if not in_supported_range(moment):
        raise _bad(
            _("%(name)s must be between the years %(first)d and %(last)d.")
            % {"name": name, "first": EARLIEST_YEAR, "last": LATEST_YEAR}
        )


def _comma_list(raw: str | None) -> list[str]:
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


# Ids are 64-bit integers; a longer run of digits names no request (and would overflow the query).
_ID_DIGITS = 18


def _is_request_id(text: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts "²", which int() refuses."""
    return text.isascii() and text.isdigit()


class RequestsView(KeyedView):
    def get(self, request, fmt):
        params = request.query_params
        cases = _readable(request.user)
        if ids := _comma_list(params.get("service_request_id")):
            # The spec: a list of ids overrides every other argument.
            if not all(_is_request_id(part) for part in ids):
                raise _bad(_("service_request_id is a comma-separated list of request ids."))
            cases = cases.filter(pk__in={int(part) for part in ids if len(part) <= _ID_DIGITS})
        else:
            cases = self._filtered(cases, params)
        cases = cases.order_by("-created_at", "-id")[:MAX_RESULTS]
        return open311_response(fmt, "service_requests", _request_items(cases, request.user))

    def _filtered(self, cases: QuerySet[Case], params) -> QuerySet[Case]:
        raw_start, raw_end = (params.get("start_date") or "").strip(), (params.get("end_date") or "").strip()
        start = _parse_moment("start_date", raw_start, end=False) if raw_start else None
        end = _parse_moment("end_date", raw_end, end=True) if raw_end else None
        if start is None and end is None:
            end = timezone.now()
        start = start or end - WINDOW
        end = end or start + WINDOW
        if start > end:
            raise _bad(_("start_date is after end_date."))
        if end - start > WINDOW + timedelta(days=1):
            raise _bad(_("start_date and end_date may not span more than 90 days."))
        cases = cases.filter(created_at__gte=start, created_at__lte=end)
        if codes := _comma_list(params.get("service_code")):
            cases = cases.filter(category__code__in=codes)
        if statuses := _comma_list(params.get("status")):
            if not set(statuses) <= {"open", "closed"}:
                raise _bad(_("status is open, closed, or both (comma-separated)."))
            if set(statuses) == {"open"}:
                cases = cases.filter(status__in=OPEN_STATUSES)
            elif set(statuses) == {"closed"}:
                cases = cases.exclude(status__in=OPEN_STATUSES)
        return cases

    def post(self, request, fmt):
        data = request.data
        code = (data.get("service_code") or "").strip()
        if not code:
            raise _bad(_("service_code is required."))
        category = _services().filter(code=code).first()
        if category is None:
            raise Open311Error(404, _("No service has the code “%(code)s”.") % {"code": code})
        description = self._description(data, category)
        place, lon, lat = _locate(self.key, data)
        try:
            case = case_report(
                actor=None,
                category=category,
                title=_title(description),
                description=description,
                source=Source.HOTLINE,
                place=place,
                lon=lon,
                lat=lat,
                reporter_label=self.key.name,  # both 80 characters at most
                within=filing_scope(request.user),
            )
        except CaseActionError as error:
            raise _bad(" ".join(error.messages)) from error
        notice = _("Registered as %(reference)s; the community accepts it by %(due)s.") % {
            "reference": case.reference,
            "due": w3(case.accept_due_at),
        }
        return open311_response(
            fmt,
            "service_requests",
            [{"service_request_id": str(case.pk), "service_notice": notice}],
            status=201,
        )

    @staticmethod
    def _description(data, category: Category) -> str:
        raw = data.get("description") or ""
        if not raw.strip():
            return category.name  # optional in the spec; a case needs some text
        try:
            return clean_plain_text(raw, label="description", max_length=MAX_TEXT)
        except ValidationError as exc:  # too long, or HTML
            raise _bad(" ".join(exc.messages)) from exc


class RequestView(KeyedView):
    def get(self, request, pk, fmt):
        case = (
            _readable(request.user).filter(pk=int(pk)).first()
            if _is_request_id(pk) and len(pk) <= _ID_DIGITS
            else None
        )
        if case is None:  # none, or not in this key's scope: the same answer
            raise Open311Error(404, _("No request %(id)s here.") % {"id": pk})
        return open311_response(fmt, "service_requests", _request_items([case], request.user))


class TokenView(KeyedView):
    """A token is the case's reference (HZ0000123), the number people are told when they report;
    it resolves to the service_request_id. POST answers with the id itself (type realtime)."""

    def get(self, request, token, fmt):
        match = re.fullmatch(r"HZ(\d{1,12})", token.strip(), flags=re.IGNORECASE)
        case_id = int(match[1]) if match else None
        if case_id is None or not cases_visible_to(request.user).filter(pk=case_id).exists():
            raise Open311Error(404, _("No request has the token “%(token)s” here.") % {"token": token})
        return open311_response(
            fmt, "service_requests", [{"service_request_id": str(case_id), "token": token}]
        )


@csrf_exempt
def not_found(request, path: str = ""):
    """Anything else under /open311/v2/: the spec's 404, in JSON when the path ends in .json."""
    fmt = "json" if path.endswith(".json") else "xml"
    return error_response(fmt, 404, _("There is no such Open311 resource."))


# --- filing: where is it? --------------------------------------------------------------------------


def _title(description: str) -> str:
    first = next((line.strip() for line in description.splitlines() if line.strip()), description)
    return first if len(first) <= TITLE_MAX else first[: TITLE_MAX - 1] + "…"


def _coordinate(raw: str, name: str, limit: float) -> float:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or not -limit <= value <= limit:
        raise _bad(_("%(name)s is not a valid WGS84 coordinate.") % {"name": name})
    return value


def _locate(key: ApiKey, data) -> tuple[Place | None, float | None, float | None]:
    """(place, lon, lat) for case_report, from lat/long, address_id or address_string — always
    inside the key's place; a point must lie in one of its grids."""
    raw_lat, raw_lon = (data.get("lat") or "").strip(), (data.get("long") or "").strip()
    address = (data.get("address_string") or "").strip()
    address_id = (data.get("address_id") or "").strip()
    if len(address) > ADDRESS_MAX:
        raise _bad(_("address_string is longer than %(max)d characters.") % {"max": ADDRESS_MAX})
    if raw_lat or raw_lon:
        if not (raw_lat and raw_lon):
            raise _bad(_("Send both lat and long."))
        lat, lon = _coordinate(raw_lat, "lat", 90), _coordinate(raw_lon, "long", 180)
        grid = grid_for_point(lon, lat)
        if grid is None or not grid.code.startswith(key.place.code):
            raise _bad(_("The location is outside every grid of %(place)s.") % {"place": key.place.name})
        # An address given as well may name the building inside that grid: keep the finer place.
        place = None
        if address_id or address:
            try:
                named = _addressed_place(key, address_id, address)
            except Open311Error:
                named = None
            if named is not None and named.code.startswith(grid.code):
                place = named
        return place, lon, lat
    if address_id or address:
        return _addressed_place(key, address_id, address), None, None
    raise _bad(_("A location is required: lat and long, address_string or address_id."))


def _addressed_place(key: ApiKey, address_id: str, address: str) -> Place:
    if address_id:
        place = (
            Place.objects.filter(subtree_q(key.place.code), code=address_id, kind__in=ADDRESSABLE)
            .select_related("parent")
            .first()
        )
        if place is None:
            raise _bad(
                _("address_id “%(id)s” is not a place of %(place)s.")
                % {"id": address_id, "place": key.place.name}
            )
        return place
    place = match_address(key.place, address)
    if place is None:
        raise _bad(
            _("No compound or building of %(place)s matches “%(address)s”; send lat and long instead.")
            % {"place": key.place.name, "address": address}
        )
    return place


_BUILDING_WORDS = re.compile(r"(\d+)\s*(?:号楼|幢|栋|号)")


def match_address(scope: Place, address: str) -> Place | None:
    """The compound named in `address` (the longest name that occurs in it, within `scope`), or its
    building when the rest names one ("扬天小区11栋", "扬天小区 11号楼"). None when nothing or
    more than one compound matches."""
    text = re.sub(r"\s+", "", address)
    if not text:
        return None
    candidates = list(
        Place.objects.filter(subtree_q(scope.code), kind=PlaceKind.COMPOUND)
        .filter(Contains(Value(text, output_field=CharField()), F("name")))
        .select_related("parent__parent")
    )
    if not candidates:
        return None
    longest = max(len(c.name) for c in candidates)
    candidates = [c for c in candidates if len(c.name) == longest]
    if len(candidates) > 1:
        # The same compound name in two communities: the address must name the community too.
        candidates = [c for c in candidates if c.parent.parent.name in text]
        if len(candidates) != 1:
            return None
    compound = candidates[0]
    rest = _BUILDING_WORDS.sub(r"\1栋", text[text.index(compound.name) + len(compound.name) :])
    buildings = compound.children.filter(kind=PlaceKind.BUILDING).filter(
        Contains(Value(rest, output_field=CharField()), F("name"))
    )
    named = [b for b in buildings if re.search(rf"(?<!\d){re.escape(b.name)}", rest)]
    if named:
        return max(named, key=lambda b: len(b.name))
    return compound
