"""The admin reads in Chinese: the index, and every registered model's list and add page, shows
no English word a street-office user would have to read (issue 18, "the admin fully in Chinese")."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin

from huizhi.accounts.models import User

pytestmark = pytest.mark.django_db

# Latin words that stay as they are on a Chinese page: the product's and standards' names, codes
# and units people read as written. Usernames and other data are not words of the page: the
# demo's usernames are Latin (admin, huayuan_staff …), so a row's own values are skipped below.
ALLOWED = {
    "huizhi",  # the product's name
    "admin",  # the demo superuser's username, greeted in the top bar
    "open311",  # the standard the API follows
    "api",
    "sms",
    "json",
    "url",
    "pdf",
    "xlsx",
    "csv",
    "http",
    "https",
    "django",  # "Django 管理" in the browser's title of third-party pages
    "gcj",  # the coordinate system GCJ-02
    "wgs",  # WGS-84
    "ldap",  # Django's help text names single sign-on and LDAP
    "control",  # keys on the keyboard: 按住 Control 键或 Mac 上的 Command 键
    "command",
    "mac",
    "png",
    "jpeg",
    "jpg",
    "webp",
}

# Codes a help text or an audit row quotes ("report", fieldwork.patrol.start) and values a library
# stores for what it could not read (<unknown>).
CODE = re.compile(r'"[^"]*"|<\w+>|\w+(?:\.\w+)+')
WORD = re.compile(r"(?<![A-Za-z0-9_@.\-/])[A-Za-z]{3,}(?![A-Za-z0-9_@\-/])")


class VisibleText(HTMLParser):
    """The text a reader sees: no scripts or styles; the values of cells and inputs (data) apart."""

    SKIPPED = {"script", "style", "textarea", "select"}

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self.skipping: list[str] = []
        self.data_depth = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in self.SKIPPED:
            self.skipping.append(tag)
        # Rows of the change list are data (usernames, codes); their column headers are not.
        elif tag in ("td", "th") and self.data_depth == 0 and _is_result_cell(attributes):
            self.data_depth = 1
        elif self.data_depth:
            self.data_depth += 1 if tag not in VOID else 0
        for name in ("placeholder", "title", "aria-label"):
            if attributes.get(name) and not self.skipping and not self.data_depth:
                self.texts.append(attributes[name])
        if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
            self.texts.append(attributes["value"])

    def handle_endtag(self, tag):
        if self.skipping and tag == self.skipping[-1]:
            self.skipping.pop()
        elif self.data_depth:
            self.data_depth -= 1

    def handle_data(self, data):
        if not self.skipping and not self.data_depth:
            self.texts.append(data)


VOID = {"br", "img", "input", "hr", "meta", "link", "wbr", "source"}


def _is_result_cell(attributes: dict) -> bool:
    classes = (attributes.get("class") or "").split()
    return any(c.startswith("field-") for c in classes) or "action-checkbox" in classes


def english_words(html: str) -> set[str]:
    parser = VisibleText()
    parser.feed(html)
    found = set()
    for text in parser.texts:
        for word in WORD.findall(CODE.sub(" ", text)):
            if word.lower() not in ALLOWED:
                found.add(word)
    return found


def pages() -> list[str]:
    urls = ["/admin/"]
    for model in admin.site._registry:
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        urls += [base, f"{base}add/"]
    return urls


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.get(username="admin"))
    return client


def test_a_word_finder_finds_english_and_spares_codes():
    html = (
        "<h1>Select case to change</h1><script>var x = 'hidden';</script>"
        '<td class="field-username">huayuan_staff</td><p>GCJ-02 坐标 JSON</p>'
        '<p>如 ["report"]，fieldwork.patrol.start</p><p>Done.</p>'
    )
    assert english_words(html) == {"Select", "case", "change", "Done"}


def test_every_admin_page_is_in_chinese(admin_client):
    english: dict[str, set[str]] = {}
    for url in pages():
        response = admin_client.get(url)
        if url.endswith("/add/") and response.status_code == 403:
            continue  # the admin refuses to add these (written by the services only)
        assert response.status_code == 200, url
        if words := english_words(response.content.decode()):
            english[url] = words
    assert english == {}, "\n".join(f"{url}: {sorted(words)}" for url, words in english.items())
