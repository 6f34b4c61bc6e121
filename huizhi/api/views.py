import re

from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from huizhi.accounts.scopes import place_scope_q, subtree_q
from huizhi.api import idempotency
from huizhi.api.clients import SystemClient
from huizhi.api.schema import ErrorSerializer
from huizhi.api.serializers import (
    CaseCreateSerializer,
    CaseCreateWithPhotosSerializer,
    CaseDetailSerializer,
    CaseSerializer,
    CategorySerializer,
    NearbyCaseSerializer,
    NearbyQuerySerializer,
    PlaceSerializer,
    TransitionSerializer,
    TransitionWithPhotosSerializer,
)
from huizhi.api.suggesting import suggested_category
from huizhi.cases import selectors, services
from huizhi.cases.models import Category
from huizhi.cases.permissions import cases_visible_to, filing_scope, get_case_for_user, visible_case_parts
from huizhi.cases.services.report import source_for_reporter
from huizhi.cases.states import Source, Status
from huizhi.cases.transitions import INPUTS
from huizhi.core.dates import EARLIEST_YEAR, LATEST_YEAR, in_supported_range
from huizhi.core.errors import http_status
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place

# The request bodies each write takes: JSON, or multipart/form-data with photo files.
CREATE_BODIES = {
    "application/json": CaseCreateSerializer,
    "multipart/form-data": CaseCreateWithPhotosSerializer,
}
TRANSITION_BODIES = {
    "application/json": TransitionSerializer,
    "multipart/form-data": TransitionWithPhotosSerializer,
}
CODE_PATTERN = "^[0-9]+$"


def _choice(options, pk, field: str):
    """The option with id `pk` among those the page would offer for this case, or a 400."""
    if not pk:
        return None
    found = options.filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: _("Not one of the choices for this case.")})
    return found


def _updated_since(raw: str):
    """`updated_since` as an aware time, or a 400 naming the parameter.

    A time without an offset is refused, not read in the server's zone: an integrator in another
    zone (or one whose clock library drops the offset) would silently get the wrong window."""
    # An unencoded "+" in a query string arrives as a space: "…T08:00:00 08:00" means +08:00.
    text = re.sub(r" (\d{2}:?\d{2})$", r"+\1", raw.strip())
    try:
        since = parse_datetime(text)
    except ValueError:  # well-formed but impossible, e.g. month 13
        since = None
    if since is None or timezone.is_naive(since):
        # The message Open311 gives for its own times (one wording, one translation).
        raise ValidationError(
            {
                "updated_since": _(
                    "%(name)s is not an ISO 8601 date-time with a time zone, e.g. 2026-01-01T00:00:00+08:00."
                )
                % {"name": "updated_since"}
            }
        )
    if not in_supported_range(since):
        raise ValidationError(
            {
                "updated_since": _("%(name)s must be between the years %(first)d and %(last)d.")
                % {"name": "updated_since", "first": EARLIEST_YEAR, "last": LATEST_YEAR}
            }
        )
    return since


def action_refused(error: services.CaseActionError) -> Response:
    code = error.code or "bad_input"
    message = " ".join(error.messages)
    body = {"code": code, "message": message}
    if field := error.field:
        body["fields"] = {field: [message]}
    return Response(body, status=http_status(error))


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """Case categories: classes (2 digits) and subclasses (4 digits) with their time limits."""

    serializer_class = CategorySerializer
    permission_classes = [IsAuthenticated]
    lookup_field = "code"
    queryset = Category.objects.filter(is_active=True).select_related("parent").order_by("code")


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "kind",
                str,
                enum=[k for k in PlaceKind.values if k != PlaceKind.UNIT],
                description="Only places of this kind.",
            ),
        ]
    )
)
class PlaceViewSet(viewsets.ReadOnlyModelViewSet):
    """Streets, communities, grids, compounds and buildings in the caller's scope (`?kind=grid`)."""

    serializer_class = PlaceSerializer
    permission_classes = [IsAuthenticated]
    lookup_field = "code"

    def get_queryset(self):
        places = (
            Place.objects.filter(place_scope_q(self.request.user))
            .select_related("parent")
            .exclude(kind="unit")
        )
        if (kind := self.request.query_params.get("kind")) is not None:
            if kind not in PlaceKind.values or kind == PlaceKind.UNIT:
                raise ValidationError({"kind": _("Not a kind of place.")})
            places = places.filter(kind=kind)
        return places.order_by("code")


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "status",
                str,
                enum=["open", *Status.values],
                description="A state, or `open` for all open ones.",
            ),
            OpenApiParameter(
                "category", str, pattern=CODE_PATTERN, description="A class or subclass code (prefix)."
            ),
            OpenApiParameter(
                "place",
                str,
                pattern=CODE_PATTERN,
                description="A place code (prefix): community, grid, compound or building.",
            ),
            OpenApiParameter(
                "updated_since",
                OpenApiTypes.DATETIME,
                description="Changed at or after this time: ISO 8601 with its offset, e.g. "
                "2026-01-01T08:00:00+08:00 (URL-encode the `+` as `%2B`). A time without an offset "
                "is refused (400): which zone it meant cannot be known.",
            ),
        ]
    )
)
class CaseViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Cases in the caller's scope. Filters: `status` (a state, or `open`), `category` (code prefix),
    `place` (code prefix), `updated_since` (ISO 8601 with an offset)."""

    permission_classes = [IsAuthenticated]

    def get_serializer_class(self):
        return {
            "retrieve": CaseDetailSerializer,
            "create": CaseCreateSerializer,
            "transitions": TransitionSerializer,
            "nearby": NearbyCaseSerializer,
        }.get(self.action, CaseSerializer)

    def get_queryset(self):
        cases = self._filtered(cases_visible_to(self.request.user))
        return cases.select_related(*selectors.OUTWARD_RELATED).order_by("-created_at", "-id")

    def counted_parts(self) -> list | None:
        """The list as disjoint parts for its count (KeysetPagination), each counted from an index;
        None for anything but the list."""
        if self.action != "list":
            return None
        return [self._filtered(part) for part in visible_case_parts(self.request.user)]

    def _category_ids(self, code: str) -> list[int]:
        """Category.ids_under(code), read once per request (a view object serves one request): the
        list and each part it counts (counted_parts) are filtered alike (CaseQuerySet.in_category
        says why by ids)."""
        known = self.__dict__.setdefault("_category_ids_by_code", {})
        if code not in known:
            known[code] = Category.ids_under(code)
        return known[code]

    def _filtered(self, cases):
        """`cases` narrowed by the list's query parameters; a 400 for a malformed one."""
        params = self.request.query_params
        if (value := params.get("status")) is not None:
            if value != "open" and value not in Status.values:
                raise ValidationError({"status": _("A state of the case loop, or open.")})
            cases = cases.open() if value == "open" else cases.filter(status=value)
        for name in ("category", "place"):
            if (value := params.get(name)) is not None:
                # A code is ASCII digits; anything else (or nothing) is a mistake, not "no filter".
                if not (value.isascii() and value.isdigit()):
                    raise ValidationError({name: _("A code: digits only.")})
                # A range an index serves (a LIKE prefix is not, under PostgreSQL's C.UTF-8 collation).
                if name == "category":
                    cases = cases.filter(category_id__in=self._category_ids(value))
                else:
                    cases = cases.filter(subtree_q(value, "place_code"))
        if (value := params.get("updated_since")) is not None:
            cases = cases.filter(updated_at__gte=_updated_since(value))
        return cases

    def get_object(self, *, timeline: bool = True):
        """The case with what its answer reads (its places, and its `timeline` unless not wanted),
        in one read with the check that the caller may see it."""
        try:
            pk = int(self.kwargs["pk"])
        except ValueError as exc:
            raise NotFound from exc
        try:
            return get_case_for_user(
                self.request.user,
                pk,
                related=selectors.OUTWARD_RELATED,
                prefetch=("events",) if timeline else (),
            )
        except Http404 as exc:
            raise NotFound from exc

    @extend_schema(
        request=CREATE_BODIES,
        responses={201: CaseDetailSerializer, 422: ErrorSerializer},
        parameters=[
            OpenApiParameter(
                idempotency.HEADER,
                str,
                location=OpenApiParameter.HEADER,
                required=False,
                description="Any string of 1–255 printable characters naming this filing: a retry with the "
                "same key and request within 24 hours gets the first answer and files nothing; "
                "the same key with another request is a 422.",
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        """File a case: JSON, or multipart/form-data with `photos` files (checked as the pages check them).

        With an `Idempotency-Key` header, a retry of the same request within 24 hours answers with
        the first answer and files nothing; the same key with a different request is a 422."""
        try:
            key = idempotency.idempotency_key(request)
        except idempotency.BadKey as exc:
            raise ValidationError({idempotency.HEADER: str(exc)}) from exc
        if key is None:
            return self._file(request)
        try:
            return idempotency.answer_once(request, key, lambda: self._file(request))
        except idempotency.KeyReused:
            return Response(
                {
                    "code": "idempotency_key_reused",
                    "message": _("This Idempotency-Key was used for another request."),
                },
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )

    def _file(self, request):
        form = CaseCreateWithPhotosSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        suggested = data.get("category") is None
        category = suggested_category(data["title"], data["description"]) if suggested else data["category"]
        if category is None:
            # What a filing without a category always got, with the reason: intake was not sure.
            raise ValidationError(
                {"category": [_("Name the category: the text does not say clearly enough which it is.")]}
            )
        system = isinstance(request.user, SystemClient)
        try:
            case = services.case_report(
                actor=None if system else request.user,
                category=category,
                title=data["title"],
                description=data["description"],
                place=data.get("place"),
                lon=data.get("lon"),
                lat=data.get("lat"),
                photos=data["photos"],
                source=Source.HOTLINE if system else source_for_reporter(request.user),
                reporter_label=str(request.user) if system else "",
                within=filing_scope(request.user),
                category_suggested=suggested,
            )
        except services.CaseActionError as error:
            return action_refused(error)
        # The case as saved, its category and places already in hand: no second read.
        return Response(
            CaseDetailSerializer(case, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=TRANSITION_BODIES, responses={200: CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def transitions(self, request, pk=None, format=None):  # format: the URL suffix DRF routes (.json)
        """Move the case by an action (accept, dispatch, start, …): the same rules as the pages.
        Multipart/form-data carries `photos` (e.g. the result photo a category may require)."""
        if isinstance(request.user, SystemClient):
            raise PermissionDenied(_("An API key files and reads cases; acting on them needs a user token."))
        case = self.get_object(timeline=False)  # the answer reads it again, as the action left it
        form = TransitionWithPhotosSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        inputs = {name: data.get(name) for name in INPUTS}
        # An id is taken only among the options the page would offer this person on this case.
        for name, options in selectors.transition_choices(case, request.user).items():
            inputs[name] = _choice(options, inputs[name], name)
        try:
            case = services.case_transition(
                actor=request.user,
                case_id=case.pk,
                action=data["action"],
                expected_version=data.get("expected_version"),
                **inputs,
            )
        except services.CaseActionError as error:
            return action_refused(error)
        return Response(CaseDetailSerializer(self.get_object(), context=self.get_serializer_context()).data)

    @extend_schema(parameters=[NearbyQuerySerializer], responses={200: NearbyCaseSerializer(many=True)})
    @action(detail=False, methods=["get"], pagination_class=None)
    def nearby(self, request, format=None):  # format: the URL suffix DRF routes (.json)
        """Open cases of a subclass near a point, the nearest few first: before filing, a client
        offers to support one of them instead (DESIGN §9). Only cases the caller may read, shown as
        the case list shows them; `distance_m` is measured to the point shown."""
        query = NearbyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        cases = selectors.nearby_open_cases(request.user, **query.validated_data)
        return Response(NearbyCaseSerializer(cases, many=True, context=self.get_serializer_context()).data)


class SchemaView(SpectacularAPIView):
    """The OpenAPI document. Its errors (a method it does not take, a format it does not have) are
    answered in the API's JSON shape like every other, not rendered as if they were a document."""

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response
