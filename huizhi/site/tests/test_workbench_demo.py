"""The workbench on the demo street: every printed login that works in the console lands there,
sees its tiles with the counts of its own places, and the page stays a bounded number of queries."""

import pytest
from django.contrib.auth import authenticate
from django.db import connection
from django.test.utils import CaptureQueriesContext

from huizhi.accounts.models import User
from huizhi.cases.selectors import QueueFilter, case_queue
from huizhi.site.demo import DEMO_PASSWORD, demo_logins

pytestmark = pytest.mark.django_db


def test_every_console_login_of_the_demo_lands_on_its_workbench_in_bounded_queries(client, rf):
    for login, _role, _scope in demo_logins():
        # A login is a username or a resident's mobile: sign in as the login page would.
        user = authenticate(rf.post("/accounts/login/"), username=login, password=DEMO_PASSWORD)
        client.force_login(user)
        if not user.has_perm("accounts.use_console"):
            assert client.get("/").status_code == 200, login  # residents and liaisons: the front page
            continue
        assert client.get("/")["Location"] == "/console/", login
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/console/")
        assert response.status_code == 200, login
        assert len(queries) <= 20, (login, len(queries))
        tiles = {tile.key: tile for tile in response.context["tiles"]}
        opened = case_queue(user, QueueFilter(status="open", clock="overdue")).count()
        assert tiles["overdue"].count == opened, login


def test_the_demo_staff_see_the_reported_cases_of_their_community(client):
    user = User.objects.get(username="huayuan_staff")
    client.force_login(user)
    tiles = {tile.key: tile for tile in client.get("/console/").context["tiles"]}
    assert tiles["to_accept"].count == case_queue(user, QueueFilter(status="reported")).count()
