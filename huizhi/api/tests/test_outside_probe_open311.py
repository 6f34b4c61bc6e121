"""Outside probes of Open311's paging: the Link header never repeats a secret the request carried in
its query (a client that follows and logs the link would write the key down), and paging values a
page never sends are the spec's 400, never a 500."""

import pytest

from huizhi.api.keys import api_key_create
from huizhi.api.tests.test_open311 import BASE, HUAYUAN, community, get, report, spec_errors
from huizhi.api.tests.test_open311_pages import LINK_NEXT, ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def huayuan_key() -> str:
    return api_key_create(name="滁州12345热线", place=community(HUAYUAN))[1]


def test_the_link_header_leaves_the_api_key_out_and_a_keyed_client_sends_it_again(client, huayuan_key):
    for _ in range(3):
        report()
    response = get(client, "requests.json", huayuan_key, page_size=1, status="open")
    link = response["Link"]
    assert huayuan_key not in link and "api_key" not in link
    url = LINK_NEXT.fullmatch(link)["url"]
    assert "status=open" in url and "page=2" in url and "page_size=1" in url  # the rest of the query stays
    keyed = client.get(url, HTTP_X_API_KEY=huayuan_key)  # as a keyed client sends it: a header
    assert ids(keyed, "json") == ids(
        get(client, "requests.json", huayuan_key, page=2, page_size=1, status="open"), "json"
    )


@pytest.mark.parametrize("value", ["-1", "0", "１", "²", "1e3", "+2"])
def test_paging_values_no_page_sends_are_the_specs_400(client, value):
    for name in ("page", "page_size"):
        spec_errors(client.get(f"{BASE}/requests.json", {name: value}), "json", 400)


def test_a_page_of_thousands_of_digits_is_past_the_end(client):
    report()
    assert ids(client.get(f"{BASE}/requests.json", {"page": "9" * 5000}), "json") == []
    assert ids(client.get(f"{BASE}/requests.json", {"page_size": "9" * 5000}), "json")  # capped, not refused
