"""The staff lists of projects, needs and resources: searched by title (?q=), paged (needs and
resources each on their own page number, the filters kept in the pager's links), odd input a
clean answer, and scope kept."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from huizhi.projects import services, views
from huizhi.projects.tests.helpers import dates, need_in, resource_of

pytestmark = [pytest.mark.django_db, pytest.mark.no_demo]


def _shown(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def _project(world, title: str):
    return services.need_match(
        actor=world.staff,
        need_id=need_in(world, title=f"{title}的事").pk,
        resource_id=resource_of(world, title=f"{title}的钱").pk,
        title=title,
        **dates(),
    )


def test_the_project_search_finds_by_title_and_excludes_the_rest(client, world):
    meals = _project(world, "老人助餐点")
    lights = _project(world, "楼道照明")
    client.force_login(world.staff)
    text = _shown(client.get(reverse("projects:index"), {"q": " 助餐 "}))
    assert f'data-project="{meals.pk}"' in text and f'data-project="{lights.pk}"' not in text
    assert 'value="助餐"' in text
    assert "No projects match." in _shown(client.get(reverse("projects:index"), {"q": "没有"}))


def test_the_needs_and_resources_search_finds_by_title_and_excludes_the_rest(client, world):
    meals, stairs = need_in(world, title="老人助餐"), need_in(world, title="楼道扶手")
    funds, hall = resource_of(world, title="助餐资金"), resource_of(world, title="活动室", kind="venue")
    client.force_login(world.staff)
    text = _shown(client.get(reverse("projects:lists"), {"q": "助餐"}))
    assert f'data-need="{meals.pk}"' in text and f'data-need="{stairs.pk}"' not in text
    assert f'data-resource="{funds.pk}"' in text and f'data-resource="{hall.pk}"' not in text
    text = _shown(client.get(reverse("projects:lists"), {"q": "没有这个"}))
    assert "No needs match." in text and "No resources match." in text


def test_the_second_pages_show_the_rest_and_keep_the_filters(client, world, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    needs = [need_in(world, title=f"需求{n}") for n in range(3)]
    resources = [resource_of(world, title=f"资源{n}") for n in range(3)]
    projects = [_project(world, f"项目{n}") for n in range(3)]
    client.force_login(world.staff)
    code = world.community.code
    first = client.get(reverse("projects:lists"), {"community": code, "q": "需求"})
    assert len(first.context["needs"]) == 2
    assert f"community={code}&amp;q=%E9%9C%80%E6%B1%82&amp;needs_page=2#needs" in _shown(first)
    second = client.get(reverse("projects:lists"), {"community": code, "q": "需求", "needs_page": "2"})
    seen = {n.pk for n in first.context["needs"]} | {n.pk for n in second.context["needs"]}
    assert len(second.context["needs"]) == 1 and seen == {n.pk for n in needs}
    second = client.get(reverse("projects:lists"), {"q": "资源", "resources_page": "2"})
    assert [r.pk for r in second.context["resources"]] == [resources[0].pk]  # newest first
    first = client.get(reverse("projects:index"), {"status": "planned", "q": "项目"})
    assert "status=planned&amp;q=%E9%A1%B9%E7%9B%AE&amp;page=2" in _shown(first)
    second = client.get(reverse("projects:index"), {"status": "planned", "q": "项目", "page": "2"})
    assert [p.pk for p in second.context["projects"]] == [projects[0].pk]


NUL_REFUSED = "The request contains a NUL character, which no field accepts."
ROWS, NO_MATCH = "the list's rows", "no match"  # what a 200 shows


@pytest.mark.parametrize("url", ["projects:index", "projects:lists"])
@pytest.mark.parametrize(
    ("query", "status", "shown"),
    [
        # Not a number, below one, or past the end: the nearest page there is, with its rows.
        pytest.param(
            {"page": "x", "needs_page": "-3", "resources_page": "9" * 400}, 200, ROWS, id="bad-pages"
        ),
        pytest.param({"page": "99999", "needs_page": "99999"}, 200, ROWS, id="pages-past-the-end"),
        # Searched for as typed (the first 50 characters), matching nothing here.
        pytest.param({"q": "助" * 500}, 200, NO_MATCH, id="overlong-search"),
        pytest.param({"q": "%' OR 1=1 --"}, 200, NO_MATCH, id="sql-like-search"),
        # Refused at the door (core.guards): PostgreSQL text cannot hold a NUL.
        pytest.param({"q": "a\x00b"}, 400, NUL_REFUSED, id="nul-byte"),
    ],
)
def test_odd_page_numbers_and_searches_are_a_clean_answer(client, world, url, query, status, shown):
    need = need_in(world, title="楼道扶手")
    project = _project(world, "老人助餐点")
    row = f'data-project="{project.pk}"' if url == "projects:index" else f'data-need="{need.pk}"'
    client.force_login(world.staff)
    response = client.get(reverse(url), query)
    assert response.status_code == status
    text = response.content.decode()
    if shown == ROWS:
        assert row in text
    elif shown == NO_MATCH:
        assert row not in text and "No projects match." in text
        assert f'value="{escape(query["q"][:50])}"' in text  # the search kept in its box, cut at 50
    else:  # refused, with the reason
        assert shown in text and row not in text


def test_another_communitys_staff_never_find_these_needs_by_searching(client, world):
    need = need_in(world, title="老人助餐")
    client.force_login(world.other_staff)
    for url in ("projects:index", "projects:lists"):
        text = _shown(client.get(reverse(url), {"q": "助餐"}))
        assert f'data-need="{need.pk}"' not in text and "老人助餐" not in text
