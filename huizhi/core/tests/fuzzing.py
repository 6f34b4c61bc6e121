"""The machinery of the fuzz sweep (test_fuzz.py): every endpoint found from the URL resolver, its
path filled with real ids and codes, the names each view reads, the forms each page offers, and
the hostile values sent to all of them.

Nothing here knows a view by hand except `PATH_SAMPLES`, the one place that says which row a path
argument names; a new argument without a sample fails `test_every_path_argument_has_a_sample`.
"""

import json
import re
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

from django.contrib.admin.sites import site as admin_site
from django.db import transaction
from django.http import QueryDict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.urls.resolvers import ResolverMatch, RoutePattern
from django.utils import timezone

# --- hostile values -------------------------------------------------------------------------------

HUGE = "x" * 100_000
NUL = "a\x00b"
BIG_INT = str(10**30)
DATES_OUT_OF_RANGE = [
    "9999-12-31",
    "0001-01-01",
    "9999-12-31T23:59",
    "0001-01-01T00:00:00+08:00",
    "9999-12-31T23:59:59-12:00",
    "2026-13-45",
]
NUMBERS_OUT_OF_RANGE = [BIG_INT, "-1", "-" + BIG_INT, "1e309", "NaN"]

# Query names many views read; sent to every endpoint besides the names it is seen to read.
COMMON_NAMES = [
    "q",
    "status",
    "category",
    "place",
    "page",
    "updated_since",
    "start_date",
    "end_date",
    "service_code",
    "service_request_id",
    "kind",
    "grid",
    "community",
    "date",
    "month",
    "from",
    "to",
    "sort",
    "limit",
    "offset",
    "next",
]

# One value per kind of field in each round: every field is hostile in every round, and over the
# rounds each kind gets each family (NUL, out-of-range dates, huge, negative, non-ASCII, SQL-ish).
ROUNDS: list[dict[str, str]] = [
    {"text": NUL, "date": NUL, "number": "\x00", "choice": NUL},
    {"text": HUGE, "date": "9999-12-31", "number": BIG_INT, "choice": HUGE},
    {"text": "汇治🙂\u202e\ufeff\u200b", "date": "0001-01-01", "number": "-1", "choice": "汇治🙂"},
    {"text": "' OR 1=1 --", "date": "0001-01-01T00:00:00+08:00", "number": "-" + BIG_INT, "choice": "1' --"},
    {"text": "%_\\'\"<>", "date": "9999-12-31T23:59:59-12:00", "number": "1e309", "choice": "-1"},
    {"text": "", "date": "2026-13-45", "number": "NaN", "choice": "99999999999999999999"},
]
# One field at a time, the others valid: the values that only bite once the form is otherwise good.
ONE_AT_A_TIME: dict[str, list[str]] = {
    "date": [d for d in DATES_OUT_OF_RANGE if d != "9999-12-31T23:59"],
    "number": [BIG_INT, "-1", "NaN"],
    "text": [NUL, HUGE],
    "choice": [NUL, BIG_INT],
}

_DATE_NAME = re.compile(r"(date|since|until|_at$|_on$|^from$|^to$|month|day|deadline|due|birth|time)")
_NUMBER_NAME = re.compile(
    r"(^page$|limit|offset|^id$|_id$|^pk$|^lat|^lon|^long$|count|year|hours|minutes|age)"
)


def kind_of(name: str, html_type: str = "") -> str:
    """The kind of a field, from its HTML input type or else its name."""
    if html_type in {"date", "datetime-local", "month", "time", "week"}:
        return "date"
    if html_type in {"number", "range"}:
        return "number"
    if html_type == "select":
        return "choice"
    if _DATE_NAME.search(name):
        return "date"
    if _NUMBER_NAME.search(name):
        return "number"
    return "text"


# --- endpoints ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    route: str  # the patterns joined, as the resolver writes them: the endpoint's name in reports
    name: str  # "namespace:name", or the route when the pattern has none
    patterns: tuple  # the URLResolver/URLPattern patterns from the root to this one
    callback: Callable = field(compare=False, hash=False)
    default_args: tuple = ()

    @property
    def kwargs(self) -> list[str]:
        names = []
        for pattern in self.patterns:
            if isinstance(pattern, RoutePattern):
                names += list(pattern.converters)
            else:
                names += list(pattern.regex.groupindex)
        return names

    @property
    def int_kwargs(self) -> set[str]:
        return {
            name
            for pattern in self.patterns
            if isinstance(pattern, RoutePattern)
            for name, converter in pattern.converters.items()
            if converter.regex == "[0-9]+"
        }

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("admin/")

    @property
    def is_api(self) -> bool:
        return self.route.startswith(("api/", "open311/"))

    @property
    def model_admin(self):
        return getattr(self.callback, "model_admin", None)

    def url(self, values: dict[str, str]) -> str:
        """The path with `values` put in for the arguments (each converter's own to_url)."""
        parts = []
        for pattern in self.patterns:
            if isinstance(pattern, RoutePattern):
                text = str(pattern)
                for name, converter in pattern.converters.items():
                    text = re.sub(
                        rf"<(?:[^>:]+:)?{name}>",
                        lambda _m, n=name, c=converter: str(c.to_url(values[n])),
                        text,
                    )
                parts.append(text)
            else:
                text = pattern.regex.pattern
                for name in pattern.regex.groupindex:
                    text = re.sub(rf"\(\?P<{name}>[^)]*\)", lambda _m, n=name: str(values[n]), text)
                text = text.lstrip("^").rstrip("$").replace("/?", "").replace("\\.", ".").replace("\\Z", "")
                parts.append(text)
        return "/" + "".join(parts)


def endpoints() -> list[Endpoint]:
    """Every URL pattern the project answers, in the resolver's order."""
    found = []

    def walk(patterns, chain: tuple, namespace: str):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = (
                    ":".join(filter(None, [namespace, pattern.namespace])) if pattern.namespace else namespace
                )
                walk(pattern.url_patterns, chain + (pattern.pattern,), inner)
            elif isinstance(pattern, URLPattern):
                full = chain + (pattern.pattern,)
                route = "".join(str(p) for p in full)
                name = (
                    f"{namespace}:{pattern.name}" if namespace and pattern.name else (pattern.name or route)
                )
                found.append(
                    Endpoint(
                        route=route,
                        name=name,
                        patterns=full,
                        callback=pattern.callback,
                        default_args=tuple(sorted(pattern.default_args.items())),
                    )
                )

    walk(get_resolver().url_patterns, (), "")
    return found


def resolved(url: str) -> ResolverMatch | None:
    try:
        return resolve(urlsplit(url).path)
    except Resolver404:
        return None


def is_match(endpoint: Endpoint, match: ResolverMatch | None) -> bool:
    # The resolver drops the '^' of an included regex when it joins routes.
    return (
        match is not None
        and match.func is endpoint.callback
        and match.route.replace("^", "") == endpoint.route.replace("^", "")
    )


def resolves_to(endpoint: Endpoint, url: str) -> bool:
    return is_match(endpoint, resolved(url))


# --- path samples ---------------------------------------------------------------------------------


class MissingSample(LookupError):
    pass


def _pks(model_path: str, limit: int = 1, **filters) -> list:
    from django.apps import apps

    model = apps.get_model(model_path)
    return list(model._default_manager.filter(**filters).order_by("pk").values_list("pk", flat=True)[:limit])


def _born_by_months(months: int):
    from django.utils import timezone

    from huizhi.care.kinds import born_by

    return born_by(timezone.localdate(), months)


def _first_of(model_path: str, attribute: str) -> list:
    """`attribute` of the model's first row: the parent a second path argument's row belongs to."""
    from django.apps import apps

    model = apps.get_model(model_path)
    return list(model._default_manager.order_by("pk").values_list(attribute, flat=True)[:1])


def _one_per(model_path: str, attribute: str) -> list:
    from django.apps import apps

    model = apps.get_model(model_path)
    first = {}
    for value, pk in model._default_manager.order_by("pk").values_list(attribute, "pk"):
        first.setdefault(value, pk)
    return list(first.values())


def _codes(kind: str, limit: int = 1) -> list[str]:
    from huizhi.places.models import Place

    return list(Place.objects.filter(kind=kind).order_by("code").values_list("code", flat=True)[:limit])


def _category_codes() -> list[str]:
    from huizhi.cases.models import Category

    return list(
        Category.objects.filter(parent__isnull=False).order_by("code").values_list("code", flat=True)[:1]
    )


def _admin_object(endpoint: Endpoint) -> list:
    model_admin = endpoint.model_admin
    if model_admin is None:  # admin:view_on_site names a content type and an object of it
        return _pks("cases.Case")
    return list(model_admin.model._default_manager.order_by("pk").values_list("pk", flat=True)[:1]) or ["1"]


def _content_type(_endpoint) -> list:
    from django.contrib.contenttypes.models import ContentType

    from huizhi.cases.models import Case

    return [ContentType.objects.get_for_model(Case).pk]


def _app_label(endpoint: Endpoint) -> list[str]:
    return sorted({model._meta.app_label for model in admin_site._registry})[:1]


def _token(_endpoint) -> list[str]:
    return [f"HZ{pk:07d}" for pk in _pks("cases.Case")] + ["HZ", "HZ" + "9" * 12]


# What row each path argument names. Keyed by "namespace:name:argument" where the meaning depends on
# the view (a `pk` is a case here and a station there), else by the argument's name alone.
PATH_SAMPLES: dict[str, Callable[[Endpoint], list]] = {
    # site
    "places:grid_detail:code": lambda e: _codes("grid"),
    "cases:detail:pk": lambda e: _one_per("cases.Case", "status"),
    "cases:act:pk": lambda e: _pks("cases.Case"),
    "cases:supervise:pk": lambda e: _pks("cases.Case"),
    "cases:rate:pk": lambda e: _pks("cases.Case", status="closed"),
    "cases:call_reporter:pk": lambda e: _pks("cases.Case"),
    "cases:call_unit:pk": lambda e: _pks("cases.Case", status="dispatched"),
    "cases:answer_notice:pk": lambda e: _pks("cases.SupervisionNotice"),
    "cases:photo:pk": lambda e: _pks("cases.CasePhoto"),
    "cases:category_edit:code": lambda e: _category_codes(),
    "registry:resident:pk": lambda e: _pks("registry.Resident"),
    "registry:import_result:pk": lambda e: _pks("registry.ImportJob"),
    "registry:import_rejected:pk": lambda e: _pks("registry.ImportJob"),
    "registry:import_progress:pk": lambda e: _pks("registry.ImportJob"),
    "registry:decide_claim:pk": lambda e: _pks("registry.ResidencyClaim"),
    "wall:draft:pk": lambda e: _pks("wall.Post", stage="draft"),
    "wall:my_post:pk": lambda e: _pks("wall.Post", author__username="resident"),
    "wall:item:pk": lambda e: _one_per("wall.Post", "stage"),
    "wall:support:pk": lambda e: _pks("wall.Post", stage="public"),
    "wall:claim:pk": lambda e: _pks("wall.Post", stage="public"),
    "wall:respond:pk": lambda e: _pks("wall.Claim", limit=1) and _pks("wall.Post", claims__isnull=False),
    "wall:photo:pk": lambda e: _pks("wall.PostPhoto"),
    "wall:after_photo:pk": lambda e: _pks("cases.CasePhoto"),
    "wall:wall:code": lambda e: _codes("community", limit=6),
    "wall:echo:code": lambda e: _codes("community"),
    "wall:template_edit:pk": lambda e: _pks("wall.ResponseTemplate"),
    "wall:triage:pk": lambda e: _one_per("wall.Post", "stage"),
    "care:station:pk": lambda e: _pks("care.CareStation"),
    "care:home_service:pk": lambda e: _pks("care.CareStation"),
    "care:session:pk": lambda e: _pks("care.CareSession"),
    "care:session_check_in:pk": lambda e: _pks("care.SessionEnrolment"),
    "care:watched:pk": lambda e: _pks("care.WatchedResident"),
    "care:watch_remove:pk": lambda e: _pks("care.WatchedResident"),
    "care:watcher_remove:pk": lambda e: _pks("care.Watcher"),
    "care:watch_call:pk": lambda e: _pks("care.WatchedResident"),
    "care:childcare_enrol:pk": lambda e: _pks("care.ChildcareClass"),
    "care:carer_add:pk": lambda e: _pks("care.ChildcareClass"),
    "care:carer_remove:pk": lambda e: _pks("care.ChildcareCarer"),
    "care:childcare_check_in:pk": lambda e: _pks("care.ChildcareEnrolment"),
    "care:childcare_roster:pk": lambda e: _pks("care.ChildcareClass"),
    "care:alert_clear:pk": lambda e: _pks("care.CareAlert"),
    "care:summer_term:pk": lambda e: _pks("care.SummerTerm"),
    "care:summer_session:pk": lambda e: _pks("care.SummerSession"),
    "care:summer_sign_in:pk": lambda e: _pks("care.SummerSession"),
    "care:summer_sign_out:pk": lambda e: _pks("care.SummerSession"),
    "care:volunteer:pk": lambda e: _pks("care.Volunteer"),
    "care:hours_confirm:pk": lambda e: _pks("care.VolunteerHours", confirmed_at__isnull=True),
    "care:enrol_session:pk": lambda e: _pks("care.CareSession"),
    "care:enrol_summer:pk": lambda e: _pks("care.SummerTerm"),
    "care:childcare_apply:child": lambda e: _pks("registry.Resident", birth_date__gt=_born_by_months(36)),
    "care:childcare_application_accept:pk": lambda e: _pks("care.ChildcareApplication"),
    "care:childcare_application_refuse:pk": lambda e: _pks("care.ChildcareApplication"),
    "meetings:detail:pk": lambda e: _pks("meetings.Meeting"),
    "meetings:invite:pk": lambda e: _pks("meetings.Meeting"),
    "meetings:agenda:pk": lambda e: _pks("meetings.Meeting"),
    "meetings:attendance:pk": lambda e: _pks("meetings.Meeting"),
    "meetings:minutes:pk": lambda e: _pks("meetings.Meeting"),
    "meetings:decide:pk": lambda e: _pks("meetings.Meeting"),
    "meetings:sign_in:pk": lambda e: _pks("meetings.Meeting"),
    "meetings:commend:pk": lambda e: _pks("meetings.Meeting", kind="commendation"),
    "meetings:commendations:code": lambda e: _codes("community"),
    # a decision and the meeting it was taken at
    "meetings:progress:pk": lambda e: _first_of("meetings.Decision", "meeting_id"),
    "meetings:progress:decision_id": lambda e: _pks("meetings.Decision"),
    "meetings:spawn_case:pk": lambda e: _first_of("meetings.Decision", "meeting_id"),
    "meetings:spawn_case:decision_id": lambda e: _pks("meetings.Decision"),
    "stats:download:key": lambda e: ["sources", "no_such_table"],
    "notices:public:code": lambda e: _codes("community", limit=2),
    "notices:withdraw:pk": lambda e: _pks("notices.Notice"),
    "fieldwork:visit:pk": lambda e: _pks("registry.Household"),
    "fieldwork:patrol_detail:pk": lambda e: _pks("fieldwork.Patrol"),
    "fieldwork:spot_check:pk": lambda e: _pks("fieldwork.SpotFix"),
    "projects:detail:pk": lambda e: _one_per("projects.Project", "status"),
    "projects:milestone_add:pk": lambda e: _one_per("projects.Project", "status"),
    "projects:progress:pk": lambda e: _one_per("projects.Project", "status"),
    "projects:complete:pk": lambda e: _one_per("projects.Project", "status"),
    "projects:milestone_done:pk": lambda e: (
        _pks("projects.Milestone", done_at__isnull=True) + _pks("projects.Milestone", done_at__isnull=False)
    ),
    "projects:resource_edit:pk": lambda e: _one_per("projects.Resource", "status"),
    "projects:from_decision:decision_id": lambda e: _pks("meetings.Decision", limit=2),
    "network:group:pk": lambda e: _pks("places.Group"),
    "network:take_on:pk": lambda e: _pks("wall.Post", shown_on_wall=True),
    "intake:support:pk": lambda e: (
        _pks("cases.Case", status="dispatched") + _pks("cases.Case", status="closed")
    ),
    # REST
    "api:category-detail:code": lambda e: _category_codes(),
    "api:place-detail:code": lambda e: _codes("community") + _codes("unit"),
    "api:case-detail:pk": lambda e: _pks("cases.Case"),
    "api:case-transitions:pk": lambda e: _one_per("cases.Case", "status"),
    # Open311
    "open311:service:code": lambda e: _category_codes(),
    "open311:request:pk": lambda e: _pks("cases.Case"),
    "open311:token:token": _token,
    # admin
    "admin:auth_user_password_change:id": lambda e: _pks("accounts.User"),
    # by argument name
    "format": lambda e: ["json"],
    "fmt": lambda e: ["json", "xml"],
    "path": lambda e: ["no/such/resource.json", "requests"],
    "url": lambda e: ["no/such/page/"],  # the admin's catch-all
    "object_id": _admin_object,
    "content_type_id": _content_type,
    "app_label": _app_label,
}


def sample_for(endpoint: Endpoint, kwarg: str) -> Callable[[Endpoint], list]:
    sampler = PATH_SAMPLES.get(f"{endpoint.name}:{kwarg}") or PATH_SAMPLES.get(kwarg)
    if sampler is None:
        raise MissingSample(
            f"{endpoint.route} ({endpoint.name}): no sample for the path argument {kwarg!r}; "
            f"add one to PATH_SAMPLES in {__name__}"
        )
    return sampler


def path_values(endpoint: Endpoint) -> list[dict]:
    """The argument sets to visit the endpoint with: each sample of each argument once (not their
    product), the first sample of the others alongside."""
    samples = {kwarg: list(sample_for(endpoint, kwarg)(endpoint)) for kwarg in endpoint.kwargs}
    for kwarg, values in samples.items():
        if not values:  # no such row in the data: the endpoint is still visited, on its 404 path
            samples[kwarg] = [987654321] if kwarg in endpoint.int_kwargs else ["none"]
    if not samples:
        return [{}]
    base = {kwarg: values[0] for kwarg, values in samples.items()}
    sets = [base]
    for kwarg, values in samples.items():
        sets += [{**base, kwarg: value} for value in values[1:]]
    return sets


def hostile_path_values(endpoint: Endpoint) -> list[dict]:
    """Path arguments that name no row: too big for the column, NUL, huge, non-ASCII."""
    if not endpoint.kwargs:
        return []
    base = path_values(endpoint)[0]
    sets = []
    for kwarg in endpoint.kwargs:
        if kwarg in {"format", "fmt", "app_label"}:
            continue  # their pattern allows only a few fixed words
        if kwarg in endpoint.int_kwargs:
            sets.append({**base, kwarg: 10**30})
        else:
            sets += [{**base, kwarg: value} for value in ("a%00b", "9" * 30, "汇治", "x" * 5000)]
    return sets


# --- what a view reads ------------------------------------------------------------------------------


class _Reads:
    names: set[str] | None = None


_READS = _Reads()
_IGNORED_NAMES = {"csrfmiddlewaretoken"}
_READERS = ("get", "getlist", "__getitem__", "__contains__", "pop")
_MISSING = object()


def _recording(original):
    def recorded(self, key, *args, **kwargs):
        if _READS.names is not None and isinstance(key, str) and key not in _IGNORED_NAMES:
            _READS.names.add(key)
        return original(self, key, *args, **kwargs)

    return recorded


@contextmanager
def reads() -> Iterator[set[str]]:
    """The names read from any query or form dictionary while the block runs."""
    own = {name: QueryDict.__dict__.get(name, _MISSING) for name in _READERS}
    names: set[str] = set()
    _READS.names = names
    for name in _READERS:
        setattr(QueryDict, name, _recording(getattr(QueryDict, name)))
    try:
        yield names
    finally:
        _READS.names = None
        for name, original in own.items():
            if original is _MISSING:
                delattr(QueryDict, name)
            else:
                setattr(QueryDict, name, original)


# --- forms on a page ------------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str
    value: str
    hidden: bool = False
    file: bool = False


@dataclass
class Form:
    action: str  # the path it goes to
    method: str
    fields: list[Field]
    page: str = ""  # the page it was found on

    def key(self) -> tuple:
        """The same form wherever it appears (a different case, page or role) is one form."""
        fixed = tuple(
            sorted(
                (f.name, _fixed(f.value)) for f in self.fields if f.hidden and f.name not in _IGNORED_NAMES
            )
        )
        visible = tuple(sorted(f.name for f in self.fields if not f.hidden))
        return (self.method, _shape(self.action), fixed, visible)


def _shape(path: str) -> str:
    """A path with its numbers as '#': the same form on two cases is one form."""
    return re.sub(r"\d+", "#", path)


def _fixed(value: str) -> str:
    """A hidden value as far as telling forms apart goes: a path ("next") is any path."""
    return "/…" if value.startswith("/") else _shape(value)


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[dict, list[dict]]] = []
        self.links: list[str] = []
        self._form = None
        self._select = None
        self._textarea = None
        self._option = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "form":
            self._form = (attrs, [])
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        controls = self._form[1]
        if tag == "input" and attrs.get("name"):
            controls.append({"tag": "input", **attrs})
        elif tag == "button" and attrs.get("name"):
            controls.append({"tag": "button", **attrs})
        elif tag == "select" and attrs.get("name"):
            self._select = {"tag": "select", "options": [], "selected": None, **attrs}
            controls.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = {"value": attrs.get("value"), "text": "", "selected": "selected" in attrs}
            self._select["options"].append(self._option)
        elif tag == "textarea" and attrs.get("name"):
            self._textarea = {"tag": "textarea", "text": "", **attrs}
            controls.append(self._textarea)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "option":
            self._option = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._option is not None:
            self._option["text"] += data
        elif self._textarea is not None:
            self._textarea["text"] += data


def _default_for(control: dict) -> tuple[str, str]:
    """A valid-looking value for a control left empty on the page, and its kind."""
    tag, name = control["tag"], control["name"]
    html_type = control.get("type", "text").lower() if tag == "input" else tag
    if tag == "select":
        options = [
            o for o in control["options"] if (o["value"] if o["value"] is not None else o["text"]).strip()
        ]
        chosen = next((o for o in control["options"] if o["selected"]), None) or (
            options[0] if options else None
        )
        value = (
            ""
            if chosen is None
            else (chosen["value"] if chosen["value"] is not None else chosen["text"].strip())
        )
        return value, "choice"
    if tag == "textarea":
        return control["text"].strip() or "楼道里堆放杂物，请尽快处理。", "text"
    value = control.get("value") or ""
    kind = kind_of(name, html_type)
    if value:
        return value, kind
    now = timezone.localtime()
    defaults = {
        "date": now.date().isoformat(),
        "datetime-local": (now + timezone.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "time": "09:00",
        "month": now.strftime("%Y-%m"),
        "number": "1",
        "tel": "13912345678",
        "email": "someone@example.com",
        "password": "huizhi-demo",
    }
    if html_type in defaults:
        return defaults[html_type], kind
    return {"date": now.date().isoformat(), "number": "1"}.get(kind, "测试"), kind


def forms_on(html: str, page: str) -> tuple[list[Form], list[str]]:
    """The forms of a page (one per named submit button) and the query names its links use."""
    parser = _FormParser()
    try:
        parser.feed(html)
    except Exception:  # noqa: BLE001 — a page the parser cannot read has no forms for us
        return [], []
    forms = []
    for attrs, controls in parser.forms:
        action = urlsplit(attrs.get("action") or page).path or urlsplit(page).path
        method = (attrs.get("method") or "get").lower()
        fields, buttons, radios = [], [], set()
        for control in controls:
            html_type = control.get("type", "").lower()
            if control["tag"] == "button" or html_type in {"submit", "image"}:
                buttons.append(Field(control["name"], "choice", control.get("value", ""), hidden=True))
                continue
            if html_type in {"checkbox", "radio"}:
                if html_type == "radio" and control["name"] in radios:
                    continue
                if html_type == "checkbox" and "checked" not in control:
                    pass  # sent checked: the branch a ticked box takes is the one worth trying
                radios.add(control["name"])
                fields.append(Field(control["name"], "choice", control.get("value", "on")))
                continue
            if html_type == "file":
                fields.append(Field(control["name"], "file", "", file=True))
                continue
            value, kind = _default_for(control)
            fields.append(Field(control["name"], kind, value, hidden=html_type == "hidden"))
        for button in buttons or [None]:
            forms.append(Form(action, method, fields + ([button] if button else []), page=page))
    link_names = set()
    for href in parser.links:
        parts = urlsplit(href)
        if parts.query and (not parts.path or parts.path == urlsplit(page).path):
            link_names |= set(QueryDict(parts.query).keys())
    return forms, sorted(link_names)


# --- roles and sending ------------------------------------------------------------------------------


@dataclass
class Role:
    name: str
    client: Client
    cookies: SimpleCookie
    is_superuser: bool = False
    api_only: bool = False  # an API key: only /api and /open311 know it
    key: str = ""  # the raw API key, for views that read it from the body (Open311)

    def restore(self):
        """The cookies as they were after signing in: a request rolled back (its session row with
        it) must not leave the next one signed out."""
        self.client.cookies = SimpleCookie()
        self.client.cookies.load(self.cookies.output(header="", sep=";"))


def _where(frame) -> str:
    return f"{frame.filename.split('site-packages/')[-1].split('/work/main/')[-1]}:{frame.lineno}"


@dataclass
class Failure:
    method: str
    url: str
    role: str
    payload: str
    status: int
    error: str
    where: str  # the exception's type and line: failures that share it are one bug

    def __str__(self):
        return f"{self.status} {self.method} {self.url} as {self.role}\n    payload: {self.payload}\n    {self.error}"


def _short(value, limit: int = 160) -> str:
    text = value if isinstance(value, str) else repr(value)
    text = text.encode("unicode_escape").decode("ascii")
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} chars)"


def describe(data) -> str:
    if data is None:
        return "(none)"
    if isinstance(data, dict):
        return "{" + ", ".join(f"{k}={_short(v, 60)}" for k, v in data.items()) + "}"
    return _short(data)


@dataclass
class Sweep:
    failures: list[Failure] = field(default_factory=list)
    sent: int = 0
    hit: set = field(default_factory=set)  # (route, method) pairs sent at least once

    def send(
        self, role: Role, method: str, url: str, endpoint: Endpoint | None = None, *, data=None, **extra
    ):
        """One request, rolled back afterwards so every request meets the same data. A 5xx or an
        exception becomes a Failure; the response is returned for the caller to read."""
        self.sent += 1
        if endpoint is not None:
            self.hit.add((endpoint.route, method.upper()))
        with transaction.atomic():
            role.restore()
            call = getattr(role.client, method.lower())
            try:
                response = call(url, data, **extra) if data is not None else call(url, **extra)
            except Exception as error:  # noqa: BLE001 — a crash outside the handler is a failure too
                self._fail(method, url, role, data, 500, error)
                transaction.set_rollback(True)
                return None
            transaction.set_rollback(True)
        if response.status_code >= 500:
            exc = getattr(response, "exc_info", None)
            self._fail(method, url, role, data, response.status_code, exc[1] if exc else None)
        return response

    def _fail(self, method, url, role, data, status, error):
        if error is None:
            text = where = "(no exception: the view answered 5xx itself)"
        else:
            frames = traceback.extract_tb(error.__traceback__)
            last = f" at {_where(frames[-1])}" if frames else ""
            ours = [f for f in frames if "/huizhi/" in f.filename and "site-packages" not in f.filename]
            origin = f" (from {_where(ours[-1])})" if ours and ours[-1] is not frames[-1] else ""
            where = f"{type(error).__name__}{last}{origin}"
            text = f"{type(error).__name__}: {_short(str(error), 200)}{last}{origin}"
        self.failures.append(
            Failure(method.upper(), _short(url, 200), role.name, describe(data), status, text, where)
        )

    def report(self) -> str:
        by_place: dict[str, list[Failure]] = {}
        for failure in self.failures:
            by_place.setdefault(failure.where, []).append(failure)
        lines = [
            f"{len(self.failures)} responses of {self.sent} were server errors, {len(by_place)} distinct:"
        ]
        for failures in by_place.values():
            first = failures[0]
            lines.append(f"\n{first}")
            if len(failures) > 1:
                others = sorted({f"{f.method} {_shape(urlsplit(f.url).path)}" for f in failures[1:]})
                lines.append(f"    (and {len(failures) - 1} more like it: {', '.join(others[:6])})")
        return "\n".join(lines)


def query(url: str, params: dict) -> str:
    return f"{url}?{urlencode(params, doseq=True)}" if params else url


def nested_json(depth: int = 10_000) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def nested_array(depth: int = 10_000) -> str:
    return "[" * depth + "]" * depth


def huge_array() -> str:
    return json.dumps([1] * 100_000)


# --- the sweep ----------------------------------------------------------------------------------------


@dataclass
class Visit:
    """One endpoint with one set of path values, and what the probe learned of it."""

    endpoint: Endpoint
    url: str
    reached_by: list = field(default_factory=list)
    get_names: set = field(default_factory=set)
    post_names: set = field(default_factory=set)
    methods: set = field(default_factory=set)  # what its Allow headers offer
    get_only: bool = False


LOGIN_PATHS = ("/accounts/login/", "/admin/login/", "/wall/login/")
JSON_HOSTILE: list = [
    NUL,
    HUGE,
    10**30,
    -(10**30),
    1e308,
    -1,
    True,
    None,
    [],
    {},
    [[[[NUL]]]],
    {"a": {"b": NUL}},
]


def reached(response) -> bool:
    """Whether the role got to the view's work: not refused, not sent to sign in, not a 405."""
    if response is None or response.status_code in (401, 403, 404, 405):
        return False
    if response.status_code in (301, 302):
        return not urlsplit(response["Location"]).path.startswith(LOGIN_PATHS)
    return True


def allowed_methods(response) -> set[str]:
    if response is None or not response.has_header("Allow"):
        return set()
    return {m.strip().upper() for m in response["Allow"].split(",") if m.strip()}


class Runner:
    """Probe every endpoint as every role that may try it, then send the hostile rounds to what each
    role reaches.

    `eligible(endpoint)` says who tries an endpoint; `values` gives valid values for field names a
    view reads without offering a form (an Open311 `service_code`, a JSON `category`), so that one
    hostile field at a time gets past the others; `light(endpoint)` marks endpoints that get the
    probe and two rounds only (the admin's many generic pages)."""

    def __init__(self, sweep: Sweep, eligible, values: dict, light=lambda endpoint: False):
        self.sweep, self.eligible, self.values, self.light = sweep, eligible, values, light
        self.visits: list[Visit] = []
        self.forms: dict[tuple, tuple[Form, Role]] = {}
        self.link_names: dict[str, set[str]] = {}

    def run(self, endpoints: list[Endpoint], document: dict | None = None) -> None:
        self.probe(endpoints)
        self.hostile_queries()
        self.hostile_paths()
        self.hostile_forms()
        self.hostile_bodies()
        self.other_methods()
        if document:
            self.hostile_json(document)

    def answered(self) -> set[tuple[str, str]]:
        """(route, method) for every method an endpoint answers: GET, POST unless it said 405, and
        whatever its Allow headers offer."""
        answered = set()
        for visit in self.visits:
            route = visit.endpoint.route
            answered |= {(route, "GET")} | ({(route, "POST")} if not visit.get_only else set())
            answered |= {(route, m) for m in visit.methods - {"HEAD", "OPTIONS"}}
        return answered

    def other_methods(self) -> None:
        """PUT, PATCH and DELETE wherever an Allow header offers them, with hostile JSON bodies."""
        for visit in self.first_visits():
            for method in sorted(visit.methods & {"PUT", "PATCH", "DELETE"}):
                for role in self.pick(visit):
                    for body in (nested_json(), json.dumps({"x": NUL})):
                        self.sweep.send(
                            role,
                            method,
                            visit.url,
                            visit.endpoint,
                            data=body,
                            content_type="application/json",
                        )

    # probing

    def probe(self, endpoints: list[Endpoint]) -> None:
        for endpoint in endpoints:
            for values in path_values(endpoint):
                url = endpoint.url(values)
                assert resolves_to(endpoint, url), f"{endpoint.route}: {url} resolves elsewhere"
                self.visits.append(self._probe(endpoint, url))

    def _probe(self, endpoint: Endpoint, url: str) -> Visit:
        visit = Visit(endpoint, url)
        for role in self.eligible(endpoint):
            with reads() as names:
                response = self.sweep.send(role, "get", url, endpoint)
            visit.get_names |= names
            visit.methods |= allowed_methods(response)
            if reached(response):
                visit.reached_by.append(role)
                self._learn(role, url, response)
        # POST once as whoever reached it; as everyone when nobody did (a view that takes POST only).
        # A light endpoint a role reached gets its POSTs from the forms it offers, or in hostile_bodies.
        posters = [] if self.light(endpoint) and visit.reached_by else visit.reached_by[:1]
        for role in posters or ([] if visit.reached_by else self.eligible(endpoint)):
            with reads() as names:
                response = self.sweep.send(role, "post", url, endpoint, data={})
            visit.post_names |= names
            visit.methods |= allowed_methods(response)
            if response is not None and response.status_code == 405:
                visit.get_only = True
                break
            if not visit.reached_by and reached(response):
                visit.reached_by.append(role)
        return visit

    def _learn(self, role: Role, url: str, response) -> None:
        if "html" not in response.get("Content-Type", "") or response.status_code != 200:
            return
        forms, links = forms_on(response.content.decode("utf-8", "replace"), url)
        self.link_names.setdefault(urlsplit(url).path, set()).update(links)
        for form in forms:
            self.forms.setdefault(form.key(), (form, role))

    # who and where

    def pick(self, visit: Visit) -> list[Role]:
        """Who sends the hostile rounds: the first scoped role that reached the view (scopes take
        the longer paths) and the superuser if it did; else the first and last who may try."""
        scoped = [r for r in visit.reached_by if not r.is_superuser][:1]
        superuser = [r for r in visit.reached_by if r.is_superuser][:1]
        fallback = self.eligible(visit.endpoint)
        return (scoped + superuser) or list({id(r): r for r in fallback[:1] + fallback[-1:]}.values())

    def first_visits(self) -> list[Visit]:
        """One visit per endpoint: the first someone reached, else the first."""
        chosen: dict[str, Visit] = {}
        for visit in self.visits:
            current = chosen.get(visit.endpoint.route)
            if current is None or (not current.reached_by and visit.reached_by):
                chosen[visit.endpoint.route] = visit
        return list(chosen.values())

    def _visits_of(self, route: str) -> list[Visit]:
        return [v for v in self.visits if v.endpoint.route == route]

    def _endpoint_of(self, path: str) -> Endpoint | None:
        match = resolved(path)  # once, not once per endpoint: the admin's forms alone are hundreds
        for visit in self.first_visits():
            if is_match(visit.endpoint, match):
                return visit.endpoint
        return None

    # hostile rounds

    def query_names(self, route: str) -> list[str]:
        names = set(COMMON_NAMES)
        for visit in self._visits_of(route):
            path = urlsplit(visit.url).path
            names |= visit.get_names | self.link_names.get(path, set())
            for form, _role in self.forms.values():
                if form.method == "get" and form.action == path:
                    names |= {f.name for f in form.fields}
        return sorted(names - _IGNORED_NAMES)

    def hostile_queries(self) -> None:
        """Every name the view reads (and the common ones), all hostile, one round per family."""
        for visit in self.first_visits():
            names = self.query_names(visit.endpoint.route)
            for number, role in enumerate(self.pick(visit)):
                # The second role (the superuser) gets one round that mixes the families.
                for params in self._rounds(names, visit.endpoint) if number == 0 else [_mixed(names)]:
                    self.sweep.send(role, "get", query(visit.url, params), visit.endpoint)

    def _rounds(self, names: list[str], endpoint: Endpoint) -> list[dict]:
        """All names hostile, one round per family; a light endpoint gets one round that mixes them
        (the i-th name takes the i-th family)."""
        if self.light(endpoint):
            return [_mixed(names)]
        return [{name: values[kind_of(name)] for name in names} for values in ROUNDS]

    def hostile_paths(self) -> None:
        """Path arguments that name nothing: too big for the column, NUL, huge."""
        for visit in self.first_visits():
            sets = hostile_path_values(visit.endpoint)
            for values in sets[:1] if self.light(visit.endpoint) else sets:
                url = visit.endpoint.url(values)
                if not resolves_to(visit.endpoint, url):
                    continue  # a value its pattern refuses never reaches the view
                for role in self.pick(visit)[:1]:
                    self.sweep.send(role, "get", url, visit.endpoint)
                    if not visit.get_only:
                        self.sweep.send(role, "post", url, visit.endpoint, data={"x": NUL})

    def hostile_forms(self) -> None:
        """Every form a page offers, posted as the role that saw it (on a light endpoint, one of the
        forms that differ only in which submit button: the admin's save, save and continue, ...)."""
        seen = set()
        for key, (form, role) in self.forms.items():
            endpoint = self._endpoint_of(form.action) if form.method == "post" else None
            if endpoint is None:
                continue
            light = self.light(endpoint)
            if light and (key[0], key[1], key[3]) in seen:
                continue
            seen.add((key[0], key[1], key[3]))
            self.post_rounds(role, form.action, endpoint, form.fields, thorough=not light)

    def hostile_bodies(self) -> None:
        """Endpoints that take POST but no page offers a form for: the names they are seen to read
        (found again after each try, as a view reads further once the first names pass), and the
        common ones."""
        offered = {_shape(form.action) for form, _role in self.forms.values() if form.method == "post"}
        for visit in self.first_visits():
            if visit.get_only or _shape(urlsplit(visit.url).path) in offered:
                continue
            light = self.light(visit.endpoint)
            for role in self.pick(visit)[:1]:
                names = set(visit.post_names)
                for _attempt in range(1 if light else 4):
                    with reads() as read:
                        self.sweep.send(role, "post", visit.url, visit.endpoint, data=self._valid(names))
                    if read <= names:
                        break
                    names |= read
                fields = [
                    Field(n, kind_of(n), str(self._valid({n})[n])) for n in sorted(names - _IGNORED_NAMES)
                ]
                extra = [Field(n, kind_of(n), "") for n in COMMON_NAMES if n not in names]
                self.post_rounds(role, visit.url, visit.endpoint, fields + extra, thorough=False)
                self.post_rounds(role, visit.url, visit.endpoint, fields, thorough=not light, rounds=False)

    def _valid(self, names) -> dict:
        return {n: self.values.get(n, _default_value(n)) for n in sorted(set(names) - _IGNORED_NAMES)}

    def post_rounds(self, role, url, endpoint, fields, thorough: bool = True, rounds: bool = True) -> None:
        """The form as the page fills it, then every field hostile round by round (hidden ones too in
        two of them: a client is free to change them), then each field alone out of range."""
        fields = [f for f in fields if not f.file]
        baseline = {f.name: f.value for f in fields}
        send = self.sweep.send
        if self.light(endpoint):
            if rounds:
                send(role, "post", url, endpoint, data={})
                visible = [f.name for f in fields if not f.hidden]
                for shift in range(3 if visible else 0):
                    send(role, "post", url, endpoint, data={**baseline, **_mixed(visible, shift)})
            return
        if rounds:
            send(role, "post", url, endpoint, data=baseline)
            for values in ROUNDS if thorough else ROUNDS[:3]:
                data = {f.name: (f.value if f.hidden else values[f.kind]) for f in fields}
                send(role, "post", url, endpoint, data=data)
            for values in ROUNDS[:2]:
                send(role, "post", url, endpoint, data={f.name: values[f.kind] for f in fields})
        if not thorough:
            return
        for f in fields:
            if f.hidden and f.kind == "choice":
                continue  # a submit button's value: the rounds above cover it
            for value in ONE_AT_A_TIME[f.kind]:
                send(role, "post", url, endpoint, data={**baseline, f.name: value})

    def hostile_json(self, document: dict) -> None:
        """JSON bodies for every operation the OpenAPI document gives one: bodies no parser should
        choke on, then each field of a valid body hostile in turn; and for each value of a choice
        the body has (a transition's action), the date fields out of range."""
        for path, item in document.get("paths", {}).items():
            pattern = re.compile(
                "^" + "[^/]+".join(re.escape(part) for part in re.split(r"\{[^}]+\}", path)) + "$"
            )
            for method, operation in item.items():
                schema = _json_body(document, operation)
                if schema is None:
                    continue
                visits = [v for v in self.visits if v.endpoint.is_api and pattern.match(urlsplit(v.url).path)]
                for number, visit in enumerate(visits):
                    for role in self.pick(visit):
                        self._json_rounds(role, visit, method.upper(), document, schema, first=number == 0)

    def _json_rounds(self, role, visit, method, document, schema, first: bool) -> None:
        def send(body):
            text = body if isinstance(body, str | bytes) else json.dumps(body, ensure_ascii=False)
            return self.sweep.send(
                role, method, visit.url, visit.endpoint, data=text, content_type="application/json"
            )

        properties = {n: _deref(document, p) for n, p in schema.get("properties", {}).items()}
        properties = {n: p for n, p in properties.items() if not p.get("readOnly")}
        baseline = {n: self.values.get(n, _json_sample(p)) for n, p in properties.items()}
        dates = [n for n, p in properties.items() if p.get("format") in ("date", "date-time")]
        if first:
            for body in (
                nested_json(),
                nested_array(),
                huge_array(),
                "null",
                "1e999",
                '"\\u0000"',
                "{",
                b"\xff\xfe",
            ):
                send(body)
            send(baseline)
            for name in properties:
                extra = DATES_OUT_OF_RANGE if name in dates else []
                for value in JSON_HOSTILE + extra:
                    send({**baseline, name: value})
        for name, prop in properties.items():
            for choice in prop.get("enum") or []:
                if not choice or choice == baseline.get(name):
                    continue
                response = send({**baseline, name: choice})
                if response is None or response.status_code in (403, 404, 409):
                    continue  # not this role's step, or not from this state: dates cannot matter
                for date_name in dates:
                    for value in DATES_OUT_OF_RANGE:
                        send({**baseline, name: choice, date_name: value})


def _mixed(names: list[str], shift: int = 0) -> dict:
    """One round that mixes the families: the i-th name takes the (i + shift)-th."""
    return {name: ROUNDS[(i + shift) % len(ROUNDS)][kind_of(name)] for i, name in enumerate(names)}


def _deref(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        node = document
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    for combined in ("allOf", "oneOf", "anyOf"):
        if combined in schema:
            merged = {k: v for k, v in schema.items() if k != combined}
            for part in schema[combined]:
                part = _deref(document, part)
                merged = {
                    **part,
                    **merged,
                    "properties": {**part.get("properties", {}), **merged.get("properties", {})},
                }
            schema = merged
    return schema


def _json_body(document: dict, operation: dict) -> dict | None:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    return _deref(document, content["application/json"]["schema"])


def _json_sample(prop: dict):
    if prop.get("enum"):
        return next((v for v in prop["enum"] if v), prop["enum"][0])
    if prop.get("format") == "date-time":
        return (timezone.now() + timezone.timedelta(days=1)).isoformat()
    if prop.get("format") == "date":
        return timezone.localdate().isoformat()
    return {"integer": 1, "number": 1.0, "boolean": True, "array": [], "object": {}}.get(
        prop.get("type"), "测试"
    )


def _default_value(name: str) -> str:
    return {"date": timezone.localdate().isoformat(), "number": "1"}.get(kind_of(name), "测试")
