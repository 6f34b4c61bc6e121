"""The grid worker in the street names the place by "near me" or by typing, on a 390 px phone
(issue 18): the picker lists the closest compounds and buildings with their distance, the tap
fills the form, and the report lands at that place."""

import re

import pytest
from playwright.sync_api import expect

from huizhi.cases.models import Case
from huizhi.places.models import Place
from tests.browser.helpers import PHONE, login

pytestmark = pytest.mark.browser


def test_a_worker_files_at_the_compound_found_near_them(new_page, shot):
    building = Place.objects.get(parent__name="扬天小区", name="11栋")
    compound = building.parent
    worker = new_page(
        **PHONE,
        geolocation={"longitude": building.lon, "latitude": building.lat},
        permissions=["geolocation"],
    )
    login(worker, "gridworker")
    worker.goto("/m/report/")
    form = worker.locator("#report-form")
    expect(form.locator("select[name=place]")).to_have_count(0)  # no dropdown of the street's places

    form.locator(".place-picker-near").click()
    options = form.locator(".place-picker-options button")
    expect(options.first).to_be_visible()
    labels = options.all_inner_texts()
    assert len(labels) == 10
    # The demo's buildings stand on their compound's point: the compound comes first among equals.
    assert labels[0] == "扬天小区 · 0 m", labels
    metres = [int(re.search(r"· (\d+) ", label).group(1)) for label in labels]
    assert metres == sorted(metres) and max(metres) <= 600
    shot(worker, "near-me-lists-the-closest-places")

    form.locator(".place-picker-options button", has_text="扬天小区 · 0 m").click()
    expect(form.locator("input[name=place_text]")).to_have_value("扬天小区")
    form.locator("select[name=category]").select_option(index=1)
    form.locator("input[name=title]").fill("11栋楼道灯不亮")
    form.locator("textarea[name=description]").fill("11栋二单元楼道灯坏了，晚上上楼看不见。")
    # The page is no wider than the phone: nothing scrolls sideways unseen.
    assert worker.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
    shot(worker, "the-place-is-picked")
    with worker.expect_navigation():
        form.locator("button[type=submit]").click()
    case_id = int(re.search(r"/console/cases/(\d+)/$", worker.url).group(1))
    assert Case.objects.get(pk=case_id).place_id == compound.pk


def test_words_that_name_several_places_come_back_with_the_choices(new_page, shot):
    """Without picking from the list (as without the script), the server resolves the typed words."""
    worker = new_page(**PHONE)
    login(worker, "gridworker")
    worker.goto("/m/report/")
    form = worker.locator("#report-form")
    form.locator("select[name=category]").select_option(index=1)
    form.locator("input[name=title]").fill("楼道堆物")
    form.locator("textarea[name=description]").fill("楼道里堆了很多纸箱。")
    form.locator("input[name=place_text]").fill("扬天")
    with worker.expect_navigation() as navigation:
        form.locator("button[type=submit]").click()
    assert navigation.value.status == 400
    error = worker.locator("#report-form .error").first
    expect(error).to_contain_text("扬天小区 1栋")
    expect(worker.locator("input[name=place_text]")).to_have_value("扬天")
    shot(worker, "several-places-named")
