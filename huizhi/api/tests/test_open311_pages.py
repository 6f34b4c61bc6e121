"""Open311 GET requests a page at a time (the page / page_size extension): a walk over the pages
meets every request of the list exactly once and in the unpaged order, cases and published wall
items together; a page never holds more than MAX_RESULTS; bad values are refused in the spec's
error shape, in both formats."""

import json
import re

import defusedxml.ElementTree as SafeET
import pytest

from huizhi.api.keys import api_key_create
from huizhi.api.open311 import reading
from huizhi.api.tests.test_open311 import HUAYUAN, community, get, report, spec_errors
from huizhi.cases.models import Case

pytestmark = pytest.mark.django_db

LINK_NEXT = re.compile(r'^<(?P<url>[^>]+)>; rel="next"$')


@pytest.fixture
def huayuan_key() -> str:
    return api_key_create(name="滁州12345热线", place=community(HUAYUAN))[1]


def ids(response, fmt: str) -> list[str]:
    assert response.status_code == 200, response.content.decode()
    if fmt == "json":
        return [item["service_request_id"] for item in json.loads(response.content)]
    tree = SafeET.fromstring(response.content)
    return [element.findtext("service_request_id") for element in tree.findall("request")]


def walk(client, fmt: str, key: str | None, size: int, **params) -> list[list[str]]:
    """Every page by number, from 1 until an empty one; at most 50 pages."""
    pages = []
    for number in range(1, 51):
        page = ids(get(client, f"requests.{fmt}", key, page=number, page_size=size, **params), fmt)
        assert len(page) <= size
        if not page:
            return pages
        pages.append(page)
    raise AssertionError("the pages never end")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_without_a_key_pages_walk_cases_and_wall_items_once_in_the_unpaged_order(client, fmt):
    for _ in range(3):
        report()  # public cases, beside the demo's published wall items
    whole = ids(get(client, f"requests.{fmt}"), fmt)
    assert any(i.startswith("WP") for i in whole) and any(i.isdigit() for i in whole)
    pages = walk(client, fmt, None, 2)
    walked = [i for page in pages for i in page]
    assert len(pages) > 2 and all(len(page) == 2 for page in pages[:-1])
    assert len(walked) == len(set(walked))  # none twice
    assert walked == whole  # none skipped, in the order of the unpaged list


def test_with_a_key_pages_walk_every_case_once_even_when_many_share_a_moment(client, huayuan_key):
    made = [report() for _ in range(7)]
    # Five filed in the very same microsecond: only the id tells them apart.
    Case.objects.filter(pk__in=[c.pk for c in made[1:6]]).update(created_at=made[0].created_at)
    whole = ids(get(client, "requests.json", huayuan_key), "json")
    walked = [i for page in walk(client, "json", huayuan_key, 3) for i in page]
    assert walked == whole and len(set(walked)) == len(walked)
    assert {str(c.pk) for c in made} <= set(walked)


def test_the_link_header_leads_to_the_next_page_until_the_last(client, huayuan_key):
    for _ in range(5):
        report()
    whole = ids(get(client, "requests.xml", huayuan_key), "xml")
    walked, response = [], get(client, "requests.xml", huayuan_key, page_size=2)
    for _ in range(50):
        walked += ids(response, "xml")
        if not response.has_header("Link"):
            break
        url = LINK_NEXT.fullmatch(response["Link"])["url"]
        assert huayuan_key not in url  # never repeated in a link: the keyed client sends it again
        response = client.get(url, HTTP_X_API_KEY=huayuan_key)
    assert walked == whole and len(walked) >= 5


def test_page_size_is_capped_at_the_most_an_answer_holds(client, huayuan_key, monkeypatch):
    monkeypatch.setattr(reading, "MAX_RESULTS", 3)
    made = [report() for _ in range(5)]
    newest = [str(c.pk) for c in reversed(made)]
    assert ids(get(client, "requests.json", huayuan_key, page_size=1000), "json") == newest[:3]
    assert ids(get(client, "requests.json", huayuan_key), "json") == newest[:3]  # the default
    assert ids(get(client, "requests.json", huayuan_key, page=2, page_size=1000), "json")[:2] == newest[3:]


@pytest.mark.parametrize("key", [True, False], ids=["key", "public"])
def test_without_a_page_size_a_page_holds_the_default_and_links_the_next(
    client, huayuan_key, monkeypatch, key
):
    """A client that names no page_size reads the newest DEFAULT_PAGE_SIZE (a feed polled for
    what is new), and the Link header leads on; page_size takes up to MAX_RESULTS."""
    monkeypatch.setattr(reading, "DEFAULT_PAGE_SIZE", 2)
    made = [report() for _ in range(4)]
    newest = [str(c.pk) for c in reversed(made)]
    reader = huayuan_key if key else None
    response = get(client, "requests.json", reader)
    assert ids(response, "json") == newest[:2]
    assert "page=2" in response["Link"] and "page_size=2" in response["Link"]
    assert ids(get(client, "requests.json", reader, page_size=3), "json") == newest[:3]
    assert len(ids(get(client, "requests.json", reader, page_size=1000), "json")) >= 4


def test_a_page_past_the_end_is_empty_not_an_error(client, huayuan_key):
    report()
    for page in ("999", "9" * 40):
        assert ids(get(client, "requests.json", huayuan_key, page=page), "json") == []


def test_a_list_of_ids_ignores_paging_as_it_ignores_every_other_argument(client, huayuan_key):
    first, second = report(), report()
    listed = get(client, "requests.json", huayuan_key, service_request_id=f"{first.pk},{second.pk}", page=2)
    assert set(ids(listed, "json")) == {str(first.pk), str(second.pk)}


BAD_PAGING = [
    ("page", "0"),
    ("page", "-1"),
    ("page", "2.5"),
    ("page", "two"),
    ("page", "٣"),  # an Arabic-Indic three: a digit to str.isdigit(), not to the spec
    ("page_size", "0"),
    ("page_size", "+5"),
    ("page_size", "1e3"),
]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(("name", "value"), BAD_PAGING)
def test_bad_paging_is_a_400_in_the_spec_shape(client, settings, huayuan_key, fmt, name, value):
    settings.LANGUAGE_CODE = "en"
    descriptions = spec_errors(get(client, f"requests.{fmt}", huayuan_key, **{name: value}), fmt, 400)
    assert any(text.startswith(f"{name} is a whole number") for text in descriptions), descriptions


def test_the_first_page_is_the_newest(client, huayuan_key):
    made = [report() for _ in range(3)]
    page = ids(get(client, "requests.json", huayuan_key, page_size=2), "json")
    assert page == [str(made[2].pk), str(made[1].pk)]
