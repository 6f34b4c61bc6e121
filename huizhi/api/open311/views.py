"""The Open311 endpoints. Reading services, requests and updates needs no key (the spec's
"Requires API Key: No"): without one a client reads what the public pages show; with one, what
the key's place holds. Filing needs a key, and files through `case_report`, the intake every
other source uses."""

import math
import re

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView, set_rollback

from huizhi.api import idempotency
from huizhi.api.authentication import ApiKeyAuthentication
from huizhi.api.models import ApiKey
from huizhi.api.open311 import reading
from huizhi.api.open311.filing import attribute_answers, locate_request, title_from
from huizhi.api.open311.render import Open311Error, bad, error_response, open311_response, w3
from huizhi.api.open311.services import open311_services, service_attributes, service_item
from huizhi.api.suggesting import named_subclass, suggested_category
from huizhi.cases.models import Category
from huizhi.cases.permissions import filing_scope
from huizhi.cases.questions import clean_answers
from huizhi.cases.services import CaseActionError, case_report
from huizhi.cases.states import Source
from huizhi.core.errors import Refusal
from huizhi.core.privatecache import may_be_shared
from huizhi.core.text import MAX_TEXT, clean_plain_text

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When the discovery document or the shape of the service definitions last changed (the spec's
# "changeset": sortable). Categories carry no change time yet, so this is set by hand.
CHANGESET = "2026-12-05T00:00:00+08:00"


class Open311View(APIView):
    """Format from the extension, errors in the spec's shape, no CSRF (no session authentication).

    A key is read when one is sent (a wrong or revoked one is a 403, never a silent public read);
    reads need none."""

    authentication_classes = [ApiKeyAuthentication]
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

    def finalize_response(self, request, response, *args, **kwargs):
        # A read without a key is the public's: hotline and map systems poll the same newest
        # requests, and the proxy shipped in deploy/ answers them all from one copy for a few
        # seconds (core.privatecache decides; a read with a key is no-store).
        return may_be_shared(super().finalize_response(request, response, *args, **kwargs))

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


class DiscoveryView(Open311View):
    def get(self, request, fmt="xml"):
        url = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": "xml"}))
        document = {
            "changeset": CHANGESET,
            "contact": _("The street office (街道) that runs this service."),
            "key_service": _(
                "API keys are issued by the street office's administrator, one per system, "
                "scoped to a street or community. Reading needs no key."
            ),
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": url.rsplit("/", 1)[0],
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        }
        return open311_response(fmt, "discovery", document)


class ServiceListView(Open311View):
    def get(self, request, fmt):
        services = [service_item(category) for category in open311_services().order_by("code")]
        return open311_response(fmt, "services", services)


def _service(code: str) -> Category:
    kept = named_subclass(code)
    if kept is not None and kept.parent.is_active:
        return kept  # every request filed names one: no query for it
    category = open311_services().filter(code=code).first()
    if category is None:
        raise Open311Error(404, _("No service has the code “%(code)s”.") % {"code": code})
    return category


class ServiceDefinitionView(Open311View):
    def get(self, request, code, fmt):
        category = _service(code)
        definition = {"service_code": category.code, "attributes": service_attributes(category)}
        return open311_response(fmt, "service_definition", definition)


class RequestsView(Open311View):
    def get_permissions(self):
        # Reading is public; filing needs a key.
        return [IsAuthenticated()] if self.request.method == "POST" else [AllowAny()]

    def get(self, request, fmt):
        """The requests newest first, a page at a time (reading.Paging: without `page_size`,
        DEFAULT_PAGE_SIZE of them). When another page follows, a `Link` header names it
        (rel="next"), for clients that follow links rather than count."""
        reader, params = request.user, request.query_params
        cases, posts = reading.readable_cases(reader), reading.readable_posts(reader)
        # The spec: a list of ids overrides every other argument, paging too (at most MAX_RESULTS).
        paging = reading.Paging(1, reading.MAX_RESULTS)
        if ids := reading.comma_list(params.get("service_request_id")):
            # Over-long digit runs name nothing.
            if not all(
                (part.isascii() and part.isdigit()) or reading.post_id(part) is not None for part in ids
            ):
                raise bad(_("service_request_id is a comma-separated list of request ids."))
            case_ids = {int(part) for part in ids if reading.is_request_id(part)}
            post_ids = {pk for part in ids if (pk := reading.post_id(part)) is not None}
            cases, posts = cases.filter(pk__in=case_ids), posts.filter(pk__in=post_ids)
        else:
            window = reading.Window.from_params(params)
            paging = reading.Paging.from_params(params)
            cases = reading.filtered_cases(cases, params, window, public=not reader.is_authenticated)
            posts = reading.filtered_posts(posts, params, window)
        items, more = reading.requests_page(cases, posts, paging, reader, request)
        response = open311_response(fmt, "service_requests", items)
        # The query as sent, less the api_key: a link is followed and logged by clients, proxies
        # and browsers' network logs, and a secret repeated in it is written down wherever it goes.
        # A keyed client sends its key again (the X-Api-Key header, or api_key added) to go on
        # reading the key's list. A list of ids has no next page.
        if more and not ids:
            following = params.copy()
            following.pop("api_key", None)
            following["page"] = str(paging.page + 1)
            following["page_size"] = str(paging.size)
            response["Link"] = (
                f'<{request.build_absolute_uri(request.path)}?{following.urlencode()}>; rel="next"'
            )
        return response

    def post(self, request, fmt):
        """File a request. A retry sent with the same `Idempotency-Key` header (or
        `client_request_id` field) within 24 hours gets the first answer and files nothing."""
        try:
            retry_key = idempotency.idempotency_key(request, field="client_request_id")
        except idempotency.BadKey as exc:
            raise bad(str(exc)) from exc
        if retry_key is None:
            return self._file(request, fmt)
        try:
            return idempotency.answer_once(request, retry_key, lambda: self._file(request, fmt))
        except idempotency.KeyReused as exc:
            raise Open311Error(422, _("This client_request_id was used for another request.")) from exc

    def _file(self, request, fmt):
        key: ApiKey = request.auth
        data = request.data
        code = (data.get("service_code") or "").strip()
        category = _service(code) if code else None
        description = self._description(data, category)
        suggested = category is None
        if suggested:  # intake's suggestion for the text, when it is clear
            category = suggested_category(title_from(description), description)
        if category is None:  # the spec's 400, as before
            self._required("service_code")
        place, lon, lat = locate_request(key, data)
        try:
            answers = clean_answers(category, attribute_answers(data))
            case = case_report(
                actor=None,
                category=category,
                title=title_from(description),
                description=description,
                source=Source.HOTLINE,
                place=place,
                lon=lon,
                lat=lat,
                reporter_label=key.name,  # both 80 characters at most
                within=filing_scope(request.user),
                answers=answers,
                media_url=(data.get("media_url") or "").strip(),
                category_suggested=suggested,
            )
        except (CaseActionError, Refusal) as error:
            raise bad(" ".join(error.messages)) from error
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
    def _required(name: str):
        raise bad(_("%(name)s is required.") % {"name": name})

    @staticmethod
    def _description(data, category: Category | None) -> str:
        raw = data.get("description") or ""
        if not raw.strip():
            # Optional in the spec; a case needs some text. Without a service either, nothing says
            # what the request is about.
            return category.name if category else RequestsView._required("service_code")
        try:
            return clean_plain_text(raw, label="description", max_length=MAX_TEXT)
        except ValidationError as exc:  # too long, or HTML
            raise bad(" ".join(exc.messages)) from exc


class RequestView(Open311View):
    def get(self, request, pk, fmt):
        reader = request.user
        items = []
        if reading.is_request_id(pk):
            items = reading.case_items(reading.readable_cases(reader).filter(pk=int(pk)), reader, request)
        elif (post_pk := reading.post_id(pk)) is not None:
            items = reading.post_items(reading.readable_posts(reader).filter(pk=post_pk), request)
            if not items:  # a wall item that became a case is read as the case
                cases = reading.readable_cases(reader).filter(
                    post__pk=post_pk, post__stage__in=reading.PUBLIC_STAGES
                )
                items = reading.case_items(cases, reader, request)
        if not items:  # none, or not readable here: the same answer
            raise Open311Error(404, _("No request %(id)s here.") % {"id": pk})
        return open311_response(fmt, "service_requests", items)


class UpdatesView(Open311View):
    """FixMyStreet's extension: each change of state since a time, with the extension's status
    (FIXED, DUPLICATE, NOT_COUNCILS_RESPONSIBILITY, …) and the Chinese description beside it."""

    def get(self, request, fmt):
        window = reading.Window.from_params(request.query_params)
        events = reading.readable_updates(request.user, window)
        return open311_response(fmt, "service_request_updates", reading.update_items(events, request.user))


class TokenView(Open311View):
    """A token is the case's reference (HZ0000123), the number people are told when they report;
    it resolves to the service_request_id. POST answers with the id itself (type realtime)."""

    def get(self, request, token, fmt):
        match = re.fullmatch(r"HZ([0-9]{1,12})", token.strip(), flags=re.IGNORECASE)
        case_id = int(match[1]) if match else None
        if case_id is None or not reading.readable_cases(request.user).filter(pk=case_id).exists():
            raise Open311Error(404, _("No request has the token “%(token)s” here.") % {"token": token})
        return open311_response(
            fmt, "service_requests", [{"service_request_id": str(case_id), "token": token}]
        )


@csrf_exempt
def not_found(request, path: str = ""):
    """Anything else under /open311/v2/: the spec's 404, in JSON when the path ends in .json."""
    fmt = "json" if path.endswith(".json") else "xml"
    return error_response(fmt, 404, _("There is no such Open311 resource."))
