"""The fuzz sweep over the projects' pages alone, with the demo's projects loaded and the roles that
keep them (a member unit, the studio's representative, 三里亭社区's staff) added to the sweep's."""

import pytest

from huizhi.core.tests import fuzzing
from huizhi.core.tests.test_fuzz import (  # noqa: F401 — the sweep's fixtures
    SITE_ROLES,
    _role,
    every_kind_of_row,
    quiet,
    roles,
    unthrottled,
    valid_values,
)
from huizhi.projects.models import Project
from huizhi.site.demo import projects as demo

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore::django.core.cache.backends.base.CacheKeyWarning"),
]


@pytest.mark.usefixtures("quiet", "unthrottled")
def test_no_input_to_the_project_pages_gives_a_server_error(request):
    given = request.getfixturevalue("roles")
    if not Project.objects.filter(title=demo.STATION).exists():
        demo.load()
    names = [*SITE_ROLES, "sanliting_power", "representative", "sanliting_staff"]
    site = [given.get(name) or _role(name) for name in names]
    sweep = fuzzing.Sweep()
    runner = fuzzing.Runner(sweep, lambda e: site, valid_values(given["api key"].key), light=lambda e: False)
    endpoints = [e for e in fuzzing.endpoints() if (e.name or "").startswith("projects:")]
    runner.run(endpoints, None)
    assert len(endpoints) == 14 and len(runner.visits) >= len(endpoints)
    if sweep.failures:
        pytest.fail(sweep.report(), pytrace=False)
