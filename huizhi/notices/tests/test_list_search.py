"""The staff's notices list: searched by title (?q=), paged (the search kept in the pager's links),
odd input a clean answer, and scope kept."""

import pytest
from django.urls import reverse

from huizhi.accounts.roles import Role
from huizhi.notices import views
from huizhi.notices.tests.test_notices import publish
from tests.factories import CommunityFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.no_demo]


@pytest.fixture(autouse=True)
def pages_in_english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def _shown(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_the_search_finds_by_title_and_excludes_the_rest(client, world):
    water = publish(world.staff, world.compound, title="停水通知")
    works = publish(world.staff, world.compound, title="道路施工")
    client.force_login(world.staff)
    text = _shown(client.get(reverse("notices:console"), {"q": " 停水 "}))
    assert f'data-notice="{water.pk}"' in text and f'data-notice="{works.pk}"' not in text
    assert 'value="停水"' in text
    text = _shown(client.get(reverse("notices:console"), {"q": "没有这个"}))
    assert "No notices match." in text and "data-notice=" not in text


def test_the_second_page_shows_the_rest_and_keeps_the_search(client, world, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    notices = [publish(world.staff, world.compound, title=f"停水通知{n}") for n in range(3)]
    publish(world.staff, world.compound, title="道路施工")
    client.force_login(world.staff)
    first = client.get(reverse("notices:console"), {"q": "停水"})
    assert [n.pk for n, _ in first.context["rows"]] == [notices[2].pk, notices[1].pk]
    assert "q=%E5%81%9C%E6%B0%B4&amp;page=2" in _shown(first)
    second = client.get(reverse("notices:console"), {"q": "停水", "page": "2"})
    assert [n.pk for n, _ in second.context["rows"]] == [notices[0].pk]


NUL_REFUSED = "The request contains a NUL character, which no field accepts."
ROWS, NO_MATCH = "the list's rows", "no match"  # what a 200 shows


@pytest.mark.parametrize(
    ("query", "status", "shown"),
    [
        # Not a number, below one, or past the end: the nearest page there is, with its rows.
        pytest.param({"page": "x"}, 200, ROWS, id="page-not-a-number"),
        pytest.param({"page": "-1"}, 200, ROWS, id="page-below-one"),
        pytest.param({"page": "9" * 400}, 200, ROWS, id="page-of-400-digits"),
        # Searched for as typed (the first 50 characters), matching nothing.
        pytest.param({"q": "停" * 500}, 200, NO_MATCH, id="overlong-search"),
        pytest.param({"q": "%' OR 1=1 --"}, 200, NO_MATCH, id="sql-like-search"),
        # Refused at the door (core.guards): PostgreSQL text cannot hold a NUL.
        pytest.param({"q": "a\x00b"}, 400, NUL_REFUSED, id="nul-byte"),
    ],
)
def test_odd_page_numbers_and_searches_are_a_clean_answer(client, world, query, status, shown):
    notice = publish(world.staff, world.compound)
    client.force_login(world.staff)
    response = client.get(reverse("notices:console"), query)
    assert response.status_code == status
    text = response.content.decode()
    if shown == ROWS:
        assert f'data-notice="{notice.pk}"' in text
    elif shown == NO_MATCH:
        assert response.context["query"] == query["q"][:50]
        assert "No notices match." in text and "data-notice=" not in text
    else:  # refused, with the reason
        assert shown in text and "data-notice=" not in text


def test_another_communitys_staff_never_find_these_notices_by_searching(client, world):
    notice = publish(world.staff, world.compound, title="停水通知")
    client.force_login(UserFactory(role=Role.COMMUNITY_STAFF, over=CommunityFactory(parent=world.street)))
    text = _shown(client.get(reverse("notices:console"), {"q": "停水"}))
    assert f'data-notice="{notice.pk}"' not in text and "停水通知" not in text
