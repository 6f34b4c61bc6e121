"""The console's meeting lists: searched by title (?q=), paged (coming up and held each on their
own page number, the search kept in the pager's links), odd input a clean answer, and scope kept."""

import pytest
from django.urls import reverse

from huizhi.meetings import views
from huizhi.meetings.tests.helpers import person, schedule

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def pages_in_english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def _shown(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_the_search_finds_by_title_and_excludes_the_rest(client):
    leak = schedule(title="4栋顶楼漏水协商议事会", in_days=2)
    parking = schedule(title="停车位协商议事会", in_days=3)
    client.force_login(person("sanliting_staff"))
    text = _shown(client.get(reverse("meetings:index"), {"q": " 漏水 "}))
    assert f'data-meeting="{leak.pk}"' in text and f'data-meeting="{parking.pk}"' not in text
    assert 'value="漏水"' in text  # the search stays in its box, stripped
    text = _shown(client.get(reverse("meetings:index"), {"q": "没有这个会"}))
    assert "No meetings match." in text and "data-meeting=" not in text


def test_the_second_page_shows_the_rest_and_keeps_the_search(client, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    meetings = [schedule(title=f"议事会{n}", in_days=2 + n) for n in range(3)]
    schedule(title="别的会", in_days=9)
    client.force_login(person("sanliting_staff"))
    first = client.get(reverse("meetings:index"), {"q": "议事会"})
    assert [m.pk for m in first.context["upcoming"]] == [m.pk for m in meetings[:2]]
    assert "q=%E8%AE%AE%E4%BA%8B%E4%BC%9A&amp;page=2" in _shown(first)
    second = client.get(reverse("meetings:index"), {"q": "议事会", "page": "2"})
    assert [m.pk for m in second.context["upcoming"]] == [meetings[2].pk]


NUL_REFUSED = "The request contains a NUL character, which no field accepts."
ROWS, NO_MATCH = "the lists' rows", "no match"  # what a 200 shows


@pytest.mark.parametrize(
    ("query", "status", "shown"),
    [
        # Not a number, below one, or past the end: the nearest page there is, with its rows.
        pytest.param({"page": "x"}, 200, ROWS, id="page-not-a-number"),
        pytest.param({"page": "-1"}, 200, ROWS, id="page-below-one"),
        pytest.param({"page": "9" * 400}, 200, ROWS, id="page-of-400-digits"),
        pytest.param({"held_page": "99999"}, 200, ROWS, id="held-page-past-the-end"),
        # Searched for as typed (the first 50 characters), matching nothing.
        pytest.param({"q": "议" * 500}, 200, NO_MATCH, id="overlong-search"),
        pytest.param({"q": "%' OR 1=1 --"}, 200, NO_MATCH, id="sql-like-search"),
        # Refused at the door (core.guards): PostgreSQL text cannot hold a NUL.
        pytest.param({"q": "a\x00b"}, 400, NUL_REFUSED, id="nul-byte"),
    ],
)
def test_odd_page_numbers_and_searches_are_a_clean_answer(client, query, status, shown):
    meeting = schedule()
    client.force_login(person("sanliting_staff"))
    response = client.get(reverse("meetings:index"), query)
    assert response.status_code == status
    text = response.content.decode()
    if shown == ROWS:
        held = response.context["past"].object_list
        assert f'data-meeting="{meeting.pk}"' in text  # coming up
        assert held and all(f'data-meeting="{m.pk}"' in text for m in held)  # the demo's held meetings
    elif shown == NO_MATCH:
        assert response.context["query"] == query["q"][:50]
        assert "No meetings match." in text and "data-meeting=" not in text
    else:  # refused, with the reason
        assert shown in text and "data-meeting=" not in text


def test_another_communitys_staff_never_find_these_meetings_by_searching(client):
    leak = schedule(title="4栋顶楼漏水协商议事会")
    client.force_login(person("huayuan_staff"))
    text = _shown(client.get(reverse("meetings:index"), {"q": "漏水"}))
    assert f'data-meeting="{leak.pk}"' not in text and "4栋顶楼漏水" not in text
