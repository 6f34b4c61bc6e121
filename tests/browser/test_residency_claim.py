"""A resident says where they live, and community staff confirm it (DESIGN §5: 我的家).

On a phone, a resident signs in with a texted code, opens "My home" and names a room: one that
does not exist is refused with the reason, a real one in 扬天小区 11栋 waits for confirmation.
花园街社区's staff match the claim to the registered person; the resident then sees it confirmed.

Steps are found by ids, names and data attributes; messages and statuses are asserted in the
Chinese of huizhi/locale/zh_Hans/LC_MESSAGES/django.po.
"""

import re

from playwright.sync_api import expect

from huizhi.accounts.services import user_find_by_mobile
from huizhi.core.sms import MemorySmsBackend
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.registry.models import ResidencyClaim, Resident
from tests.browser.helpers import login, pick_place

MOBILE = "13933330031"
COMPOUND, BUILDING = "扬天小区", "11栋"
NO_SUCH_ROOM = "909"


def _texted_code(mobile: str) -> str:
    texts = [text for to, text in MemorySmsBackend.outbox if mobile in to]
    assert texts, f"no text message went to {mobile}: {MemorySmsBackend.outbox}"
    match = re.search(r"(?<!\d)(\d{6})(?!\d)", texts[-1])
    assert match, f"no six-digit code in {texts[-1]!r}"
    return match.group(1)


def _room_and_person() -> tuple[Place, Place, Resident]:
    """The building, its first room, and a person registered in that room with no account yet."""
    building = Place.objects.get(kind=PlaceKind.BUILDING, name=BUILDING, parent__name=COMPOUND)
    for unit in Place.objects.filter(kind=PlaceKind.UNIT, parent=building).order_by("code"):
        person = (
            Resident.objects.filter(household__unit=unit, is_active=True, account__isnull=True)
            .order_by("pk")
            .first()
        )
        if person is not None:
            return building, unit, person
    raise AssertionError(f"the demo registers no one in {COMPOUND} {BUILDING}")


def test_resident_claims_a_room_and_staff_confirm_it(phone_page, new_page, shot, settings, monkeypatch):
    settings.HUIZHI_SMS_BACKEND = "huizhi.core.sms.MemorySmsBackend"
    monkeypatch.setattr(MemorySmsBackend, "outbox", [])
    building, unit, person = _room_and_person()
    assert not Place.objects.filter(parent=building, name__endswith=NO_SUCH_ROOM).exists()

    # 1. "My home" asks the resident to sign in with their mobile first.
    resident = phone_page
    resident.goto("/me/home/")
    expect(resident).to_have_url(re.compile(r"/wall/login/\?next=/me/home/$"))
    resident.locator("input[name=mobile]").fill(MOBILE)
    with resident.expect_navigation():
        resident.locator("#send-code").click()
    expect(resident.locator("ul.messages li.success")).to_be_visible()
    resident.locator("input[name=code]").fill(_texted_code(MOBILE))
    shot(resident, "resident-enters-texted-code")
    with resident.expect_navigation():
        resident.locator("#verify-code").click()
    expect(resident).to_have_url("/me/home/")
    expect(resident.locator("h1")).to_have_text("我的家")
    expect(resident.locator("[data-claim]")).to_have_count(0)
    shot(resident, "my-home-empty")

    # 2. A room that does not exist in the building is refused with the reason.
    form = resident.locator("main form")
    pick_place(form, "building", f"{COMPOUND[:2]} {BUILDING[:-1]}", f"{COMPOUND} {BUILDING}")
    form.locator("input[name=room]").fill(NO_SUCH_ROOM)
    form.locator("input[name=name]").fill(person.name)
    shot(resident, "resident-writes-a-room-that-does-not-exist")
    with resident.expect_navigation() as navigation:
        form.locator("button.primary").click()
    assert navigation.value.status == 400
    error = resident.locator("main form .error[role=alert]")
    expect(error).to_contain_text(f"没有{NO_SUCH_ROOM}室")
    expect(error).to_contain_text("请按门牌填写")
    expect(resident.locator("[data-claim]")).to_have_count(0)
    shot(resident, "no-such-room-refused")

    # 3. The real room: the claim waits for the community's staff.
    form = resident.locator("main form")
    pick_place(form, "building", f"{COMPOUND[:2]} {BUILDING[:-1]}", f"{COMPOUND} {BUILDING}")
    form.locator("input[name=room]").fill(unit.name)
    form.locator("input[name=name]").fill(person.name)
    with resident.expect_navigation():
        form.locator("button.primary").click()
    expect(resident).to_have_url("/me/home/")
    expect(resident.locator("ul.messages li.success")).to_have_text(
        "已提交，社区工作人员将对照人房信息确认。"
    )
    account = user_find_by_mobile(MOBILE)
    assert account is not None, "signing in by code made the resident an account"
    claim = ResidencyClaim.objects.get(user=account)
    assert (claim.unit_id, claim.status, claim.name_given) == (unit.pk, "pending", person.name)
    card = resident.locator(f"[data-claim='{claim.pk}']")
    expect(card.locator("strong")).to_have_text(f"{COMPOUND} {BUILDING} {unit.name}")
    expect(card.locator(".status")).to_have_text("待确认")
    shot(resident, "claim-pending")

    # 4. 花园街社区's staff match it to the registered person.
    desk = new_page()
    login(desk, "huayuan_staff")
    desk.goto("/console/registry/claims/")
    row = desk.locator(f"tr[data-claim='{claim.pk}']")
    expect(row).to_contain_text(f"{COMPOUND} {BUILDING} {unit.name}")
    expect(row).to_contain_text(person.name)
    choice = row.locator("select[name=resident]")
    expect(choice.locator(f"option[value='{person.pk}']")).to_contain_text(person.name)
    choice.select_option(str(person.pk))
    shot(desk, "staff-choose-the-registered-person")
    with desk.expect_navigation():
        row.locator("button").click()
    expect(desk).to_have_url("/console/registry/claims/")
    expect(desk.locator("ul.messages li.success")).to_have_text("已保存。")
    expect(desk.locator(f"tr[data-claim='{claim.pk}']")).to_have_count(0)
    shot(desk, "staff-claim-confirmed")
    claim.refresh_from_db()
    person.refresh_from_db()
    assert (claim.status, claim.resident_id, person.account_id) == ("confirmed", person.pk, account.pk)

    # 5. The resident sees their home confirmed.
    resident.reload()
    card = resident.locator(f"[data-claim='{claim.pk}']")
    expect(card.locator(".status")).to_have_text("已确认")
    shot(resident, "my-home-confirmed")
