"""Forms guide the person filling them (issue 19): every field that must be filled says so with a
star in its label (core/_field.html's `req` mark), and a form sent back with a missing value says
what is wrong right beside that field (an element whose id ends `_error`), with status 400."""

import re
from html.parser import HTMLParser

import pytest

from huizhi.accounts.models import User
from huizhi.site.tests.test_empty_choices import ROLES, pages_as

pytestmark = pytest.mark.django_db

CONTROLS = {"input", "select", "textarea"}
NOT_FILLED_IN = {"hidden", "submit", "button", "reset", "image"}
VOID = {"input", "br", "img", "hr", "meta", "link", "source", "wbr", "col", "area", "embed"}


class RequiredFields(HTMLParser):
    """The required fields of a page's POST forms, each with whether its label carries the star.

    A field's label is the <label> around it, the <label for=its id>, or — for a radio or check
    box in a group — the <legend> of its <fieldset>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.in_post_form = False
        self.labels = []  # open <label>s: {"for": id, "req": bool}
        self.fieldsets = []  # open <fieldset>s: {"req": bool}
        self.in_legend = False
        self.starred_for = set()  # ids named by a <label for> that carries the star
        self.pending = []  # (name, id, label-or-None, fieldset-or-None)
        self.fields = []  # (name, starred) once the page is read

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_post_form = (attrs.get("method") or "").lower() == "post"
        elif tag == "label":
            self.labels.append({"for": attrs.get("for"), "req": False})
        elif tag == "fieldset":
            self.fieldsets.append({"req": False})
        elif tag == "legend":
            self.in_legend = True
        elif tag == "span" and "req" in (attrs.get("class") or "").split():
            if self.in_legend and self.fieldsets:
                self.fieldsets[-1]["req"] = True
            elif self.labels:
                self.labels[-1]["req"] = True
        elif tag in CONTROLS and self.in_post_form and "required" in attrs:
            kind = (attrs.get("type") or "text").lower() if tag == "input" else tag
            if kind in NOT_FILLED_IN or "hidden" in attrs:
                return
            in_group = kind in {"radio", "checkbox"} and self.fieldsets
            self.pending.append(
                (
                    attrs.get("name"),
                    attrs.get("id"),
                    None if in_group else (self.labels[-1] if self.labels else None),
                    self.fieldsets[-1] if in_group else None,
                )
            )

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_post_form = False
        elif tag == "label" and self.labels:
            label = self.labels.pop()
            if label["req"] and label["for"]:
                self.starred_for.add(label["for"])
        elif tag == "fieldset" and self.fieldsets:
            self.fieldsets.pop()
        elif tag == "legend":
            self.in_legend = False

    def close(self):
        super().close()
        for name, id_, label, fieldset in self.pending:
            if fieldset is not None:
                starred = fieldset["req"]
            else:
                starred = (label is not None and label["req"]) or id_ in self.starred_for
            self.fields.append((name, starred))


def unstarred_required_fields(html: str) -> list[str]:
    parser = RequiredFields()
    parser.feed(html)
    parser.close()
    return sorted({name for name, starred in parser.fields if not starred})


def test_the_parser_finds_a_label_without_its_star():
    html = (
        '<form method="post"><label>名称<input name="a" required></label>'
        '<label>说明<span class="req" aria-hidden="true"> *</span><textarea name="b" required>'
        '</textarea></label><label for="id_c">类别</label><select name="c" id="id_c" required>'
        '</select><fieldset><legend>方式<span class="req"> *</span></legend>'
        '<label class="check"><input type="radio" name="d" required> 电话</label></fieldset>'
        '<input type="hidden" name="e" required></form>'
        '<form method="get"><label>搜索<input name="q" required></label></form>'
    )
    assert unstarred_required_fields(html) == ["a", "c"]


@pytest.mark.parametrize("username", ROLES)
def test_every_required_field_is_starred(client, username):
    opened, found = 0, []
    for url, html in pages_as(client, username):
        opened += 1
        if missing := unstarred_required_fields(html):
            found.append(f"{url} {missing}")
    assert opened
    assert found == [], found


class FormFields(HTMLParser):
    """What a browser sends for one form (its id) when nothing is filled in: hidden inputs with
    their values, every other text field, list and text area empty, no box ticked; and the names
    and ids of the fields marked required."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside = form_id, False
        self.data, self.required = {}, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        elif self.inside and tag in CONTROLS and attrs.get("name"):
            kind = (attrs.get("type") or "text").lower() if tag == "input" else tag
            if kind in {"submit", "button", "reset", "image"}:
                return
            if kind not in {"radio", "checkbox", "file"}:
                self.data[attrs["name"]] = (attrs.get("value") or "") if kind == "hidden" else ""
            if "required" in attrs and kind != "hidden":
                # A radio's id is the group's with _0, _1… after it; the group's error is the group's.
                field_id = re.sub(r"_\d+$", "", attrs["id"]) if kind == "radio" else attrs["id"]
                self.required[attrs["name"]] = field_id

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def read_form(html: str, form_id: str) -> FormFields:
    form = FormFields(form_id)
    form.feed(html)
    form.close()
    return form


def first_visit_page(client) -> str:
    return re.search(r'href="(/m/visits/\d+/)"', client.get("/m/visits/").content.decode()).group(1)


EMPTY_FORMS = [
    # (who, page or how to find it, the form's id)
    ("gridworker", "/m/report/", "report-form"),
    ("gridworker", first_visit_page, "visit-form"),
    ("street", "/console/notices/new/", None),
    ("huayuan_staff", "/console/meetings/new/", "meeting-form"),
    ("resident", "/wall/post/", "report-form"),
]


@pytest.mark.parametrize(("username", "page", "form_id"), EMPTY_FORMS)
def test_an_empty_form_says_beside_each_required_field_what_is_missing(client, username, page, form_id):
    client.force_login(User.objects.get(username=username))
    url = page(client) if callable(page) else page
    html = client.get(url).content.decode()
    if form_id is None:  # a page with one form that has no id
        form_id = "the-form"
        html = html.replace('<form method="post"', f'<form id="{form_id}" method="post"', 1)
    form = read_form(html, form_id)
    assert form.required, f"{url}: no required field in #{form_id}"

    response = client.post(url, form.data)

    assert response.status_code == 400
    answer = response.content.decode()
    for name, field_id in form.required.items():
        error = answer.find(f'id="{field_id}_error"')
        assert error != -1, f"{url}: no error beside {name}"
        # Beside the field: between the field and its error there is no other field.
        field = answer.find(f'id="{field_id}"')
        field = field if field != -1 else answer.find(f'id="{field_id}_0"')
        assert -1 < field < error, f"{url}: {name} is not shown again before its error"
        between = answer[field:error]
        assert set(re.findall(r'name="([^"]+)"', between)) <= {name}, (
            f"{url}: {name}'s error is not beside it"
        )
