"""Addresses reversed once per process (huizhi.core.links) are the addresses reverse() gives."""

import pytest
from django.urls import NoReverseMatch, get_script_prefix, reverse, set_script_prefix

from huizhi.core.links import link, link_to
from huizhi.site.context_processors import NAVIGATION


@pytest.fixture
def served_under_a_prefix():
    before = get_script_prefix()
    set_script_prefix("/huizhi/")
    yield
    set_script_prefix(before)


@pytest.mark.parametrize("pk", [1, 7, 42, 987654321, 10**15])
@pytest.mark.parametrize("viewname", ["cases:detail", "wall:item", "wall:draft", "meetings:detail"])
def test_link_to_is_reverse_with_the_number(viewname, pk):
    assert link_to(viewname, pk) == reverse(viewname, args=[pk])


def test_every_navigation_entry_is_its_reversed_address():
    for _group, _label, name, _perm in NAVIGATION:
        assert link(name) == reverse(name)


def test_an_app_served_under_a_prefix_gets_its_prefixed_addresses(served_under_a_prefix):
    assert link_to("cases:detail", 5) == reverse("cases:detail", args=[5]) == "/huizhi/console/cases/5/"
    assert link("cases:queue") == reverse("cases:queue") and link("cases:queue").startswith("/huizhi/")


def test_a_number_that_is_not_one_is_refused():
    with pytest.raises(ValueError):
        link_to("cases:detail", "5/../../admin")
    with pytest.raises(NoReverseMatch):
        link("cases:detail")  # it takes a number
