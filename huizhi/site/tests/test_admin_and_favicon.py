"""The admin speaks as the product does, its community filters list communities, and the icon is found."""

import re

import pytest
from django.urls import reverse

from huizhi.accounts.models import User
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.wall.models import Post

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.get(username="admin"))
    return client


def offered(page: str, parameter: str) -> set[int]:
    return {int(value) for value in re.findall(rf"(?:\?|&amp;){parameter}=(\d+)", page)}


@pytest.mark.parametrize(
    "changelist",
    [
        "admin:wall_post_changelist",
        "admin:meetings_meeting_changelist",
        "admin:meetings_agendaitem_changelist",
    ],
)
def test_the_community_filter_offers_the_communities_and_nothing_else(admin_client, changelist):
    communities = set(Place.objects.filter(kind=PlaceKind.COMMUNITY).values_list("pk", flat=True))
    assert len(communities) >= 2
    assert Place.objects.count() > 1000  # the demo's buildings and units, which the filter once listed

    response = admin_client.get(reverse(changelist))

    assert response.status_code == 200
    assert offered(response.content.decode(), "community") == communities
    # Every building and room as a filter link made the page 25,000 px tall and about a megabyte.
    assert len(response.content) < 200_000


def test_choosing_a_community_lists_only_its_posts(admin_client):
    post = Post.objects.order_by("pk").first()
    other = Post.objects.exclude(community=post.community).count()
    assert other  # the demo has posts in more than one community

    response = admin_client.get(reverse("admin:wall_post_changelist"), {"community": post.community_id})

    assert response.status_code == 200
    assert response.context["cl"].result_count == Post.objects.filter(community=post.community).count()


def test_the_admin_names_the_product_and_the_third_party_apps_in_the_readers_language(admin_client):
    english = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<title>Data maintenance | huizhi administration</title>" in english
    assert "huizhi administration</a>" in english  # the header
    assert "Sign-in lockouts" in english and "Background tasks" in english
    assert "Django" not in english and "Axes" not in english and "Tasks Database Backend" not in english

    chinese = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "Django" not in chinese and "Axes" not in chinese


def test_favicon_ico_sends_browsers_to_the_icon_every_page_links(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert b"<svg" in b"".join(icon.streaming_content if icon.streaming else [icon.content])

    page = client.get(reverse("site:home")).content.decode()
    assert f'<link rel="icon" href="{response["Location"]}" type="image/svg+xml">' in page
