"""No page says the same heading twice (issue 18's "duplicated headings"): across the pages every
demo role opens, a heading never repeats the heading just above it, and a page has one <h1>."""

import re
from html import unescape

import pytest

from huizhi.site.tests.test_empty_choices import ROLES, pages_as

pytestmark = pytest.mark.django_db

HEADING = re.compile(r"<h([1-3])\b[^>]*>(.*?)</h\1>", re.S)
TAG = re.compile(r"<[^>]+>")


def headings(html: str) -> list[tuple[int, str]]:
    main = html.split('<main id="main"', 1)[-1]
    return [
        (int(level), " ".join(unescape(TAG.sub("", text)).split())) for level, text in HEADING.findall(main)
    ]


@pytest.mark.parametrize("username", ROLES)
def test_no_heading_repeats_the_one_above_it_and_each_page_has_one_h1(client, username):
    found = []
    for url, html in pages_as(client, username):
        found_here = headings(html)
        if [level for level, _ in found_here].count(1) != 1:
            found.append(f"{url}: {[t for lv, t in found_here if lv == 1]} h1")
        for (_, above), (_, text) in zip(found_here, found_here[1:], strict=False):
            if text and text == above:
                found.append(f"{url}: “{text}” twice")
    assert found == [], found
