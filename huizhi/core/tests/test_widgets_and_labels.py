"""Two replacements for Django's own, kept because they are cheaper on long lists: LongSelect
(a select's options in one template) and ChoiceLabels (get_FOO_display from a table made once).
Each must give exactly what Django's gives."""

import pytest
from django import forms
from django.utils import translation

from huizhi.cases.models import Case, CaseEvent
from huizhi.cases.states import Action, Status
from huizhi.core.models import _choice_labels
from huizhi.core.widgets import LongSelect
from huizhi.places.kinds import OrganisationKind, PlaceKind
from huizhi.places.models import Organisation, Place

CHOICES = [
    ("", "—"),
    ("规则建议", [(7, '维修队 <甲> & "乙"')]),
    ("物业公司", [(3, "花园物业"), (4, "无人物业（无在用账号）")]),
    (9, "单列的一项"),
]


@pytest.mark.parametrize("value", [None, 4, "7", 9])
def test_a_long_select_writes_the_same_markup_as_djangos(value):
    attrs = {"id": "id_unit", "required": True}
    theirs = forms.Select(choices=CHOICES).render("unit", value, attrs=attrs)
    ours = LongSelect(choices=CHOICES).render("unit", value, attrs=attrs)
    assert ours == theirs
    assert "&lt;甲&gt; &amp; &quot;乙&quot;" in ours  # labels escaped, as Django's are


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_choice_labels_are_djangos_in_each_language(language):
    with translation.override(language):
        for status in Status:
            case = Case(status=status)
            assert case.get_status_display() == str(status.label)
        assert Case(status="no-such-status").get_status_display() == "no-such-status"
        assert CaseEvent(action=Action.ACCEPT).get_action_display() == str(Action.ACCEPT.label)
        unit = Organisation(kind=OrganisationKind.PROPERTY_COMPANY)
        assert unit.get_kind_display() == str(OrganisationKind.PROPERTY_COMPANY.label)
        for kind in PlaceKind:  # the statistics' scope list names each place's kind
            assert Place(kind=kind).get_kind_display() == str(kind.label)


def test_a_place_reads_its_kind_from_the_table(monkeypatch):
    """The scope list of the statistics names 200 places' kinds: read from the table made once,
    not from the field's choices at each call (as Django's get_kind_display does)."""
    Place(kind=PlaceKind.GRID).get_kind_display()  # the table made
    field = type(Place._meta.get_field("kind"))

    def unread(_field):
        raise AssertionError("the field's choices read again")

    monkeypatch.setattr(field, "flatchoices", property(unread))
    assert [Place(kind=kind).get_kind_display() for kind in PlaceKind] == [str(k.label) for k in PlaceKind]


def test_the_label_table_is_made_once_per_field():
    Case(status=Status.REPORTED).get_status_display()
    made = _choice_labels.cache_info().misses
    for status in Status:
        Case(status=status).get_status_display()
    assert _choice_labels.cache_info().misses == made
