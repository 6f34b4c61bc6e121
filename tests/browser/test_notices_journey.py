"""Area notices (DESIGN §15): 花园街社区's staff, on a phone, publish a notice to 扬天小区; a resident
registered in 扬天小区 11栋 finds it in their inbox, and the public notice page shows it without a
name or a room. Screenshots at 390 px."""

import re

from playwright.sync_api import expect

from huizhi.accounts.services import user_create
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.registry.models import Resident
from huizhi.site.demo import DEMO_PASSWORD
from tests.browser.helpers import PHONE, login

TITLE = "扬天小区疫苗接种通知"


def _resident_of_yangtian() -> tuple[str, Resident]:
    """A sign-in for a person the demo registers in 扬天小区 11栋 (as a confirmed claim leaves it)."""
    person = (
        Resident.objects.filter(
            household__unit__parent__parent__name="扬天小区", is_active=True, account__isnull=True
        )
        .order_by("pk")
        .first()
    )
    assert person is not None, "the demo registers no one in 扬天小区"
    user = user_create(username="yangtian_resident", password=DEMO_PASSWORD, full_name=person.name)
    Resident.objects.filter(pk=person.pk).update(account=user)
    return user.username, person


def test_staff_publish_a_notice_and_a_resident_reads_it(new_page, shot):
    username, person = _resident_of_yangtian()
    compound = Place.objects.get(kind=PlaceKind.COMPOUND, name="扬天小区")

    # 1. Staff open the notices page on a phone: the demo's water cut is there.
    staff = new_page(**PHONE)
    login(staff, "huayuan_staff")
    staff.goto("/console/notices/")
    expect(staff.locator("[data-notice]").filter(has_text="扬天小区停水通知")).to_be_visible()
    shot(staff, "staff-notices")

    # 2. A new notice to 扬天小区.
    staff.locator("#new-notice").click()
    staff.locator("select[name=place]").select_option(str(compound.pk))
    staff.locator("input[name=title]").fill(TITLE)
    staff.locator("textarea[name=body]").fill("本周六上午9:00在社区卫生服务站接种流感疫苗，请携带身份证。")
    staff.locator("input[name=valid_from]").fill("2020-01-01T08:00")
    staff.locator("input[name=valid_until]").fill("2099-01-01T08:00")
    shot(staff, "staff-new-notice")
    staff.locator("#publish").click()
    expect(staff).to_have_url(re.compile(r"/console/notices/$"))
    row = staff.locator("[data-notice]").filter(has_text=TITLE)
    expect(row).to_be_visible()
    shot(staff, "staff-published")

    # 3. The resident reads it in the inbox.
    resident = new_page(**PHONE)
    login(resident, username)
    resident.goto("/inbox/")
    expect(resident.locator("main")).to_contain_text(TITLE)
    shot(resident, "resident-inbox")

    # 4. The resident follows their building from "My home".
    resident.goto("/me/home/")
    resident.locator("#follow-my-area").click()
    building = resident.locator("form[data-place]").filter(has_text="11栋")
    building.locator("button[value=follow]").click()
    expect(
        resident.locator("form[data-place]").filter(has_text="11栋").locator("button[value=unfollow]")
    ).to_be_visible()
    shot(resident, "resident-follows")

    # 5. The public notice page, reached from the community's wall: no names, no rooms.
    public = new_page(**PHONE)
    public.goto(f"/wall/{compound.code[:12]}/")
    public.locator(f"a[href='/notices/{compound.code[:12]}/']").first.click()
    expect(public.locator("main")).to_contain_text(TITLE)
    expect(public.locator("main")).not_to_contain_text(person.name)
    shot(public, "public-notices")
