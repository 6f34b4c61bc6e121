"""`get_item` (`{% load lookup %}`), the one dict lookup every template shares."""

from django.template import Context, Template


def render(source: str, **context) -> str:
    return Template("{% load lookup %}" + source).render(Context(context))


def test_a_label_is_looked_up_and_a_missing_one_shows_the_key_itself():
    labels = {"age_80": "八十岁以上"}
    shown = "{{ labels|get_item:key|default_if_none:key }}"
    assert render(shown, labels=labels, key="age_80") == "八十岁以上"
    assert render(shown, labels=labels, key="unknown_tag") == "unknown_tag"


def test_a_missing_entry_or_mapping_is_none_not_an_error():
    """The wall's answer block asks for a case's outcome that may not exist, on pages that may not
    pass the mapping at all (it reaches the filter as "")."""
    asked = "{% with found=outcomes|get_item:case_id %}{% if found %}{{ found }}{% else %}none{% endif %}{% endwith %}"
    assert render(asked, outcomes={7: "answered"}, case_id=7) == "answered"
    assert render(asked, outcomes={7: "answered"}, case_id=8) == "none"
    assert render(asked, case_id=7) == "none"
    assert render(asked, outcomes=None, case_id=None) == "none"
