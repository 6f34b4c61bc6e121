"""The wall's triage offers intake's suggestions for the post's text above the case's category
(issue 17): a post about a blocked drain, posted under another category, is offered 下水管道堵塞."""

import pytest
from django.urls import reverse

from huizhi.intake import store
from huizhi.wall.models import Stage
from huizhi.wall.tests.helpers import body, publish, resident, staff

pytestmark = pytest.mark.django_db

DRAIN = "1105"  # 下水管道堵塞


@pytest.fixture(autouse=True)
def _keywords_only():
    store.forget()  # the demo's keywords, whatever model another test trained
    yield
    store.forget()


def test_the_triage_page_offers_the_drain_category_for_a_post_about_a_blocked_drain(client):
    post = publish(
        resident("13900000123"),
        title="下水道堵了",
        description="11栋门口的下水道堵塞好几天了，污水漫到路上，味道很大。",
    )
    assert post.stage == Stage.OPEN and post.category.code != DRAIN
    client.force_login(staff())
    html = body(client.get(reverse("wall:triage", args=[post.pk])))
    box = html[
        html.index('id="intake-suggestions"') : html.index("</div>", html.index('id="intake-suggestions"'))
    ]
    codes = [part.split('"')[0] for part in box.split('data-category-code="')[1:]]
    assert codes[0] == DRAIN
    assert 'data-for="id_category"' in box  # the buttons set the form's own select
    assert html.index('id="intake-suggestions"') < html.index('name="category"')  # above it


def test_a_post_with_nothing_to_go_on_gets_no_suggestion_box(client):
    post = publish(resident("13900000124"), title="xqzv", description="qwrt zzpf mmnb 0042 plk")
    client.force_login(staff())
    html = body(client.get(reverse("wall:triage", args=[post.pk])))
    assert post.stage == Stage.OPEN and 'name="category"' in html  # the form is there, without a box
    assert 'id="intake-suggestions"' not in html
