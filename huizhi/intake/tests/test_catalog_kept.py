"""Intake's catalog (active subclasses and their keywords) is read once per process, not on every
report filed, and follows every write of its rows: at once in the writing process, at the next
check in the others."""

import pytest

from huizhi.cases.models import Category
from huizhi.intake.models import CategoryKeywords
from huizhi.intake.services.suggestions import catalog, suggest
from tests.factories import SubcategoryFactory, case_in, small_street

pytestmark = [pytest.mark.no_demo, pytest.mark.django_db]


@pytest.fixture
def street():
    world = small_street()
    world.drain = SubcategoryFactory(parent=world.category.parent, name="下水管道堵塞")
    CategoryKeywords.objects.create(category=world.drain, keywords="返臭 外溢")
    # Alone or beside the demo street (a mixed run loads it): only this world's subclasses are
    # active, so the demo's own drain cannot answer. An update sends no signal: say so.
    mine = [world.drain.pk, world.category.pk]
    Category.objects.filter(parent__isnull=False).exclude(pk__in=mine).update(is_active=False)
    catalog.drop()
    return world


def codes(found) -> list[str]:
    return [c.code for c, _conf in found.categories]


def test_a_report_asks_nothing_of_the_categories_once_they_are_kept(street, django_assert_num_queries):
    suggest("下水道返臭", "")  # the first reads them
    with django_assert_num_queries(0):
        assert codes(suggest("下水道返臭", "楼下污水外溢")) == [street.drain.code]
    # A filing's own queries no longer include the catalog's three.
    with django_assert_num_queries(0):
        suggest("路灯不亮", "")


def test_a_keyword_or_subclass_written_here_is_used_at_once(street):
    assert codes(suggest("化粪池满了", "")) == []
    CategoryKeywords.objects.filter(category=street.drain).delete()
    CategoryKeywords.objects.create(category=street.drain, keywords="化粪池")
    assert codes(suggest("化粪池满了", "")) == [street.drain.code]
    hedge = SubcategoryFactory(parent=street.category.parent, name="绿篱")
    assert codes(suggest("绿篱倒了", "")) == [hedge.code]


def test_a_change_made_by_another_process_is_seen_at_the_next_check(street, monkeypatch):
    monkeypatch.setattr(catalog, "check_every", 3600.0)
    assert codes(suggest("返臭", "")) == [street.drain.code]
    # Another process deactivates the subclass (an update sends no signal here) and, after its
    # commit, bumps the shared version; this process keeps its copy until its next check.
    Category.objects.filter(pk=street.drain.pk).update(is_active=False)
    catalog.announce()
    assert codes(suggest("返臭", "")) == [street.drain.code], "within the check interval: the copy serves"
    monkeypatch.setattr(catalog, "check_every", 0.0)
    assert codes(suggest("返臭", "")) == []


def test_what_a_caller_is_given_is_its_own(street):
    first = suggest("返臭", "").categories[0][0]
    first.name = "changed by a caller"
    assert suggest("返臭", "").categories[0][0].name == "下水管道堵塞"


def test_a_filed_case_records_the_suggestion_from_the_kept_catalog(street):
    case = case_in("reported", street, category=street.drain, title="下水道返臭", description="楼下污水外溢")
    assert case.intake_suggestion.suggested[0][0] == street.drain.code
