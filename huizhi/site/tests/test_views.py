"""The front page, the console home and the navigation every page carries."""

import pytest

from huizhi.accounts.models import User

pytestmark = pytest.mark.django_db


def test_home_lists_the_communities(client):
    page = client.get("/").content.decode()
    for name in ["凤凰社区", "三里亭社区", "花园街社区", "琅琊新村社区", "丰乐社区", "醉翁社区"]:
        assert name in page


def test_console_lists_the_users_roles_and_only_permitted_navigation(client):
    client.force_login(User.objects.get(username="huayuan_staff"))
    response = client.get("/console/")
    assert "花园街社区" in response.content.decode()
    urls = {item["url"] for item in response.context["navigation"]}
    assert {"/console/", "/console/overview/", "/console/grids/"} <= urls
    assert "/m/grids/" not in urls


def test_signing_out_lands_on_the_front_page(client):
    client.force_login(User.objects.get(username="huayuan_staff"))
    response = client.post("/accounts/logout/")  # LOGOUT_REDIRECT_URL names site:home
    assert response.status_code == 302 and response["Location"] == "/"


def test_visitors_have_no_navigation(client):
    assert client.get("/").context["navigation"] == []
