"""The demo's projects (DESIGN §12): 朱家和工作室's elderly-care station complete with its funding and
every milestone, the 4栋 roof repair under way, both on their community's echo wall when they have a
wall item, and lists with rows in each community."""

import pytest

from huizhi.projects.models import Need, Project, Resource
from huizhi.site.demo import projects as demo
from huizhi.wall.models import Post, Response

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded():
    # Until the demo loader calls it, the test loads it on top of the demo (rolled back after).
    if not Project.objects.filter(title=demo.STATION).exists():
        demo.load()


def test_the_studios_elderly_care_station_is_complete_and_on_the_echo_wall(loaded):
    station = Project.objects.get(title=demo.STATION)
    assert (station.status, station.source, station.proposing_organisation.name) == (
        "complete",
        "studio",
        "朱家和工作室",
    )
    assert "区民政局专项资金" in station.funding_source and station.funding_amount == 350000
    assert station.milestones.count() == 4 and not station.milestones.filter(done_at__isnull=True).exists()
    assert station.need.status == Need.Status.CLOSED and station.need.source == "visit"
    post = Post.objects.on_echo_wall().get(pk=station.wall_post_id)
    lines = list(Response.objects.filter(post=post).values_list("text", flat=True))
    assert any("开业" in line for line in lines)


def test_the_roof_repair_is_the_meetings_decision_carried_out_with_a_member_units_funds(loaded):
    roof = Project.objects.get(title=demo.ROOF)
    assert roof.decision is not None and "屋顶漏水" in roof.decision.text
    assert roof.status == "complete" and roof.community.name == "三里亭社区"
    assert roof.decision.status == "done"
    assert roof.milestones.count() == 2 and not roof.milestones.filter(done_at__isnull=True).exists()
    assert roof.funding_amount == 80000 and "琅琊供电所" in roof.funding_source
    assert roof.events.get(action="progress").published
    # On 三里亭社区's echo wall, under the problem-wall item that raised the leak.
    lines = Response.objects.filter(post=roof.decision.agenda_item.source_post).values_list("text", flat=True)
    assert any("防水材料已进场" in line for line in lines) and any("不再漏水" in line for line in lines)


def test_each_demo_community_has_needs_and_resources(loaded):
    for name in demo.LISTS:
        assert Need.objects.filter(community__name=name, status="open").exists()
    assert Resource.objects.filter(status="available").count() >= 4
