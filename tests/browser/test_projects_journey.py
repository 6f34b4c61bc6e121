"""A need met by a member unit, through the browser (DESIGN §8): residents raise a need on 三里亭社区's
problem wall and staff send it to consultation and record it on the community's 需求清单 → the
member unit 琅琊供电所 offers a resource on its phone at /me/lists/ and takes the need up with it →
staff add a milestone, mark it done and publish progress → the echo wall shows it. Screenshots at
390 px (the unit's phone, the public) and desktop (staff), each checked by axe.
"""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Page, expect

from huizhi.accounts.models import User
from huizhi.cases.models import Category
from huizhi.places.models import Place
from huizhi.projects import services
from huizhi.projects.models import Need, Project, Resource
from huizhi.site.demo import projects as demo
from huizhi.wall import services as wall
from huizhi.wall.models import TriageDecision
from huizhi.wall.tests.helpers import resident
from tests.browser.helpers import PHONE, login

NEED = "4栋老人上下楼需要扶手"
RESOURCE = "党员志愿者安装楼道扶手"
PROGRESS = "3单元1至6楼扶手已装好，其余单元下周安装。"


def _success(page: Page):
    return page.locator("ul.messages li.success")


def _open(page: Page, details_selector: str):
    details = page.locator(details_selector)
    if details.get_attribute("open") is None:
        details.locator("summary").first.click()
    return details


def _need_from_the_wall() -> Need:
    building = Place.objects.get(name="4栋", parent__name="三里亭人家")
    community = building.parent.parent.parent
    author = resident("13911997766")
    draft = wall.post_draft(
        actor=author,
        category=Category.objects.get(code="1104"),
        title="4栋楼道没有扶手，老人上下楼怕摔",
        description="4栋住的老人多，楼道没有扶手，上下楼很吃力，希望加装。",
        place=building,
    )
    post = wall.post_submit(actor=author, post_id=draft.pk)
    staff = User.objects.get(username="sanliting_staff")
    wall.post_triage(
        actor=staff, post_id=post.pk, outcome=TriageDecision.AGENDA, text="提交协商议事，寻找共建单位。"
    )
    return services.need_record(
        actor=staff,
        community=community,
        place=building,
        title=NEED,
        description="居民在问题墙反映：4栋楼道没有扶手，老人上下楼困难。",
        source=Need.Source.WALL,
        source_post=post,
    )


def test_a_member_unit_takes_up_a_need_and_its_progress_reaches_the_echo_wall(new_page, shot):
    units = demo._units()  # 琅琊供电所 and its account, as the demo has them (made if not yet loaded)
    unit, account = units["琅琊供电所"]
    need = _need_from_the_wall()
    community = need.community

    # 1. The member unit, on its phone, offers a resource from its own lists.
    phone = new_page(**PHONE)
    login(phone, account.username)
    phone.goto("/me/lists/")
    expect(phone.locator(f"li[data-need='{need.pk}']")).to_contain_text(NEED)
    offer = _open(phone, "#resources details.action")
    form = offer.locator("#resource-form")
    form.locator("select[name=kind]").select_option("volunteers")
    form.locator("input[name=title]").fill(RESOURCE)
    form.locator("textarea[name=description]").fill("所党支部12名党员志愿者，自带工具，材料由所里承担。")
    form.locator("input[name=capacity]").fill("12")
    shot(phone, "unit-offers-a-resource")
    with phone.expect_navigation():
        form.locator("button.primary").click()
    expect(_success(phone)).to_be_visible()
    resource = Resource.objects.get(organisation=unit, title=RESOURCE)
    expect(phone.locator(f"li[data-resource='{resource.pk}']")).to_contain_text(RESOURCE)
    shot(phone, "unit-lists-with-the-resource")

    # 2. It takes the need up with the resource: a planned project, the need matched.
    with phone.expect_navigation():
        phone.locator(f"a[data-match-need='{need.pk}']").click()
    match = phone.locator("#match-form")
    expect(match.locator("select[name=need]")).to_have_value(str(need.pk))
    match.locator("select[name=resource]").select_option(str(resource.pk))
    today = timezone.localdate()
    match.locator("input[name=starts_on]").fill(today.isoformat())
    match.locator("input[name=ends_on]").fill((today + timedelta(days=30)).isoformat())
    match.locator("input[name=funding_source]").fill("琅琊供电所党建共建经费")
    match.locator("input[name=funding_amount]").fill("6800")
    shot(phone, "unit-matches-the-need")
    with phone.expect_navigation():
        match.locator("button.primary").click()
    expect(_success(phone)).to_contain_text(NEED)
    project = Project.objects.get(need=need)
    assert (project.resource_id, project.proposing_organisation_id) == (resource.pk, unit.pk)
    expect(phone.locator("#project-status")).to_have_attribute("data-status", "planned")
    expect(phone.locator("#echo-item")).to_be_visible()
    shot(phone, "unit-sees-the-planned-project")
    need.refresh_from_db()
    assert need.status == Need.Status.MATCHED

    # 3. Staff add a milestone, mark it done and publish progress on the echo wall.
    staff = new_page()
    login(staff, "sanliting_staff")
    staff.goto("/console/projects/")
    expect(staff.locator(f"li[data-project='{project.pk}']")).to_contain_text(NEED)
    shot(staff, "staff-project-list")
    with staff.expect_navigation():
        staff.locator(f"li[data-project='{project.pk}'] a").click()
    milestone = _open(staff, "#milestones details.action").locator("#milestone-form")
    milestone.locator("input[name=title]").fill("3单元扶手安装")
    milestone.locator("input[name=due_on]").fill((today + timedelta(days=7)).isoformat())
    shot(staff, "staff-add-a-milestone")
    with staff.expect_navigation():
        milestone.locator("button.primary").click()
    row = staff.locator("li.milestone", has_text="3单元扶手安装")
    with staff.expect_navigation():
        row.locator("button").click()
    expect(staff.locator("li.milestone", has_text="3单元扶手安装")).to_have_attribute("data-done", "yes")
    expect(staff.locator("#project-status")).to_have_attribute("data-status", "under_way")
    progress = _open(staff, "#timeline details.action >> nth=0").locator("#progress-form")
    progress.locator("textarea[name=note]").fill(PROGRESS)
    expect(progress.locator("input[name=publish]")).to_be_checked()
    shot(staff, "staff-publish-progress")
    with staff.expect_navigation():
        progress.locator("button.primary").click()
    expect(_success(staff)).to_be_visible()
    expect(staff.locator("#timeline li[data-event=progress]")).to_contain_text(PROGRESS)
    shot(staff, "staff-sees-the-timeline")

    # 4. Anyone reads it on the community's echo wall, under the residents' item; no one's name.
    public = new_page(**PHONE)
    public.goto(f"/wall/{community.code}/echo/")
    card = public.locator(f"li[data-post='{need.source_post_id}']")
    expect(card).to_contain_text(PROGRESS)
    expect(card).to_contain_text(NEED)
    expect(card).not_to_contain_text(account.full_name)
    expect(public.locator("main")).not_to_contain_text(re.compile("13911997766"))
    shot(public, "echo-wall-shows-the-progress")
