"""The fuzz sweep (issue 11): NUL bytes, out-of-range dates, huge, negative, non-ASCII and SQL-ish
values, nested and malformed JSON, sent to every endpoint the URL resolver knows, as the roles that
reach it; no answer may be a server error.

Nothing is listed by hand: endpoints come from `get_resolver()`, the names a view reads are recorded
while it runs, form fields are read off the pages, JSON bodies off the OpenAPI document. Only the
rows a path argument names are mapped by hand (fuzzing.PATH_SAMPLES), and a new argument without
one fails `test_every_path_argument_has_a_sample`. The machinery is in fuzzing.py.

Every request runs in a savepoint that is rolled back, so each one meets the demo as it was. All
failures are collected and shown together, grouped by the line that raised, each with its URL, role,
payload and the exception's last line. Run on PostgreSQL too (NUL bytes fail only there):

    HUIZHI_DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_fuzz .venv/bin/pytest huizhi/core/tests/test_fuzz.py
"""

import contextlib
import json
import logging

import pytest
from django.test import Client

from huizhi.accounts.models import User
from huizhi.api.keys import api_key_create
from huizhi.api.throttling import PerClientThrottle
from huizhi.cases.models import Case
from huizhi.cases.states import Status
from huizhi.cases.tests import factories as f
from huizhi.core.tests import fuzzing
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Organisation, Place
from huizhi.registry.models import ImportJob
from huizhi.registry.services.residency import ResidencyError, residency_claim

pytestmark = [
    pytest.mark.django_db,
    # NUL in a cache key is fine for locmem and Redis; only memcached would mind.
    pytest.mark.filterwarnings("ignore::django.core.cache.backends.base.CacheKeyWarning"),
]

# Who tries each endpoint. The first scoped role that reaches a view and the superuser send its
# hostile rounds; the others are there so that each role's forms are found (the repair crew's
# "start", the commissioner's supervision notice, a watcher's visit log).
SITE_ROLES = [
    "street",
    "huayuan_staff",
    "fenghuang_staff",
    "gridworker",
    "repair_crew",
    "commissioner",
    "care_operator",
    "liaison",
    "resident",
    "care_party",
    "admin",
    "anonymous",
]
API_ROLES = ["api key", "huayuan_staff", "gridworker", "resident", "admin", "anonymous"]
HUAYUAN = "341102001003"


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def quiet():
    """The sweep makes thousands of refused and failed requests; their log lines say nothing the
    report does not."""
    logging.disable(logging.CRITICAL)
    yield
    logging.disable(logging.NOTSET)


@pytest.fixture
def unthrottled(monkeypatch):
    # The sweep sends far more than a client's per-minute budget; a 429 would hide the view.
    monkeypatch.setattr(PerClientThrottle, "THROTTLE_RATES", {"client": "1000000/minute"})


@pytest.fixture
def every_kind_of_row():
    """Rows the demo has none of, so that each path argument names a real one: a case in every
    state (through the real transitions), a residency claim, an import job."""
    present = set(Case.objects.values_list("status", flat=True))
    for status in Status.values:
        if status not in present and status in f.PATHS:
            f.case_in(status)
    unit = Place.objects.filter(kind=PlaceKind.UNIT, parent__kind=PlaceKind.BUILDING).order_by("code").first()
    with contextlib.suppress(ResidencyError):  # the demo has one already: that one is the sample
        residency_claim(
            actor=User.objects.get(username="resident"), building=unit.parent, room=unit.name, name="钱玉兰"
        )
    # A finished job as the import would leave it (the import itself is tested in registry).
    ImportJob.objects.create(
        user=User.objects.get(username="huayuan_staff"), file_name="居民.xlsx", status="done"
    )


def _role(username: str) -> fuzzing.Role:
    client = Client(raise_request_exception=False)
    if username != "anonymous":
        client.force_login(User.objects.get(username=username))
    return fuzzing.Role(username, client, client.cookies, is_superuser=username == "admin")


@pytest.fixture
def roles(every_kind_of_row) -> dict[str, fuzzing.Role]:
    found = {name: _role(name) for name in SITE_ROLES}
    _key, raw = api_key_create(name="模糊测试", place=Place.objects.get(code=HUAYUAN))
    client = Client(raise_request_exception=False, HTTP_X_API_KEY=raw)
    found["api key"] = fuzzing.Role("api key", client, client.cookies, api_only=True, key=raw)
    return found


def valid_values(raw_key: str) -> dict:
    """Valid values for names a view reads without offering a form, so that one hostile field at a
    time gets past the others (a case filed through Open311 or the REST API)."""
    compound = Place.objects.get(kind=PlaceKind.COMPOUND, name="扬天小区")
    crew = Organisation.objects.get(name="花园街社区红色汇治维修队")
    return {
        "api_key": raw_key,
        "service_code": f.GARBAGE,
        "category": f.GARBAGE,
        "place": compound.code,
        "address_id": compound.code,
        "lat": compound.lat,
        "long": compound.lon,
        "lon": compound.lon,
        "title": "楼道堆放杂物",
        "description": "3单元楼道堆放杂物，影响通行。",
        "address_string": "扬天小区11栋",
        "email": "someone@example.com",
        "first_name": "张",
        "last_name": "三",
        "unit": crew.pk,
    }


# --- the table of samples stays complete ------------------------------------------------------------


def test_every_path_argument_has_a_sample(every_kind_of_row):
    missing, elsewhere = [], []
    for endpoint in fuzzing.endpoints():
        try:
            sets = fuzzing.path_values(endpoint)
        except fuzzing.MissingSample as error:
            missing.append(str(error))
            continue
        elsewhere += [endpoint.url(v) for v in sets if not fuzzing.resolves_to(endpoint, endpoint.url(v))]
    assert not missing, "\n".join(missing)
    assert not elsewhere, f"these paths resolve to another view: {elsewhere}"


def test_every_sample_names_a_path_argument():
    used = set()
    for endpoint in fuzzing.endpoints():
        for kwarg in endpoint.kwargs:
            used |= {f"{endpoint.name}:{kwarg}", kwarg}
    assert set(fuzzing.PATH_SAMPLES) <= used, f"stale samples: {set(fuzzing.PATH_SAMPLES) - used}"


# --- the sweep ------------------------------------------------------------------------------------------


AREAS = {
    "site": lambda e: not e.is_api and not e.is_admin,
    "api": lambda e: e.is_api,
    "admin": lambda e: e.is_admin,
}


@pytest.mark.parametrize("area", list(AREAS))
def test_no_input_gives_a_server_error(area, roles, quiet, unthrottled):
    site = [roles[name] for name in SITE_ROLES]
    api = [roles[name] for name in API_ROLES]
    admin = [roles["admin"]]

    def eligible(endpoint):
        return admin if endpoint.is_admin else api if endpoint.is_api else site

    sweep = fuzzing.Sweep()
    runner = fuzzing.Runner(sweep, eligible, valid_values(roles["api key"].key), light=lambda e: e.is_admin)
    endpoints = [e for e in fuzzing.endpoints() if AREAS[area](e)]
    document = None
    if area == "api":
        response = roles["admin"].client.get("/api/v1/schema/", {"format": "json"})
        assert response.status_code == 200
        document = json.loads(response.content)
    runner.run(endpoints, document)

    assert endpoints and len(runner.visits) >= len(endpoints)
    unanswered = runner.answered() - sweep.hit
    assert not unanswered, f"answered but never sent: {sorted(unanswered)}"
    if sweep.failures:
        pytest.fail(sweep.report(), pytrace=False)
