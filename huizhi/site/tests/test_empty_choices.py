"""No choice list offers "---------" (Django's own empty choice) to a street-office user: an empty
choice says what it means in words, 「— 请选择 —」 and the like (issue 18)."""

import re

import pytest
from django.apps import apps

from huizhi.accounts.models import User
from huizhi.site.demo.people import ACCOUNTS

pytestmark = pytest.mark.django_db

DASHES = "---------"
DASHED_SELECT = re.compile(r'<select name="([^"]+)"[^>]*>\s*<option value=""[^>]*>-{9}<')

PAGES = [
    "/console/cases/",
    "/console/cases/new/",
    "/m/report/",
    "/m/tasks/",
    "/console/supervision/",
    "/console/callbacks/",
    "/console/recurring/",
    "/console/categories/",
    "/console/categories/grid-dispatch/",
    "/inbox/",
    "/wall/",
    "/wall/post/",
    "/wall/mine/",
    "/console/wall/",
    "/console/wall/templates/",
    "/m/patrol/",
    "/m/visits/",
    "/console/patrols/",
    "/console/patrols/spot-checks/",
    "/console/visits/cadence/",
    "/console/notices/",
    "/console/notices/new/",
    "/me/areas/",
    "/console/meetings/",
    "/console/meetings/new/",
    "/console/meetings/decisions/overdue/",
    "/console/meetings/venues/",
    "/console/projects/",
    "/console/projects/new/",
    "/console/projects/match/",
    "/console/projects/lists/",
    "/me/lists/",
    "/console/care/station/",
    "/console/care/watch/",
    "/m/care/watch/",
    "/console/care/childcare/",
    "/console/care/childcare/applications/",
    "/console/stats/",
    "/console/stats/map/",
    "/console/care/summer/",
    "/console/care/volunteers/",
    "/care/",
    "/console/registry/residents/",
    "/console/registry/households/",
    "/console/registry/import/",
    "/console/registry/access-log/",
    "/console/registry/claims/",
    "/m/households/",
    "/m/group/",
    "/me/home/",
    "/console/network/",
    "/m/liaison/",
    "/me/partner/",
]

# Pages of one thing, each for the first of its kind (demo rows).
DETAIL_PAGES = {
    "cases.Case": "/console/cases/{pk}/",
    "meetings.Meeting": "/console/meetings/{pk}/",
    "projects.Project": "/console/projects/{pk}/",
    "registry.Household": "/m/visits/{pk}/",
    "care.CareStation": "/console/care/station/{pk}/",
    "care.CareSession": "/console/care/sessions/{pk}/",
    "care.WatchedResident": "/console/care/watch/{pk}/",
    "care.SummerTerm": "/console/care/summer/{pk}/",
    "care.SummerSession": "/console/care/summer/sessions/{pk}/",
    "care.Volunteer": "/console/care/volunteers/{pk}/",
    "places.Group": "/console/network/groups/{pk}/",
    "fieldwork.Patrol": "/console/patrols/{pk}/",
}


def every_page() -> list[str]:
    pages = list(PAGES)
    for model_name, url in DETAIL_PAGES.items():
        for row in (
            apps.get_model(model_name)._default_manager.order_by("pk").values_list("pk", flat=True)[:3]
        ):
            pages.append(url.format(pk=row))
    return pages


# Every demo role but the administrator (the admin's own pages are tested apart).
ROLES = [account[0] for account in ACCOUNTS if account[0] != "admin"]


def pages_as(client, username: str):
    """(url, html) of each page of `every_page()` that opens as an HTML page for `username`; the
    page checks of issue 18 and 19 (empty choices, headings, required marks) read them all."""
    client.force_login(User.objects.get(username=username))
    for url in every_page():
        response = client.get(url)
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            yield url, response.content.decode()


@pytest.mark.parametrize("username", ROLES)
def test_no_page_offers_dashes_as_an_empty_choice(client, username):
    opened, found = 0, []
    for url, html in pages_as(client, username):
        opened += 1
        if DASHES in html:
            found.append(f"{url} {DASHED_SELECT.findall(html) or 'outside a list'}")
    assert opened  # every role opens some of these pages
    assert found == [], found
