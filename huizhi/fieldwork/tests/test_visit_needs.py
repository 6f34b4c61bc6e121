"""A need met on a household visit becomes, in the same step, a case, a home-service request to the
community's care station, or a topic for the community's consultation meetings; each refused
part leaves nothing half saved, and the topic carries the worker's words, never the visit notes."""

import pytest
from django.utils import timezone

from huizhi.care.kinds import ServiceKind
from huizhi.care.models import CareStation, HomeServiceRequest
from huizhi.cases.models import Case, Category
from huizhi.cases.states import Source, Status
from huizhi.fieldwork.models import NeedOutcome, Visit
from huizhi.fieldwork.services import FieldworkError, visit_log
from huizhi.meetings.models import AgendaItem
from huizhi.meetings.services import MeetingError, agenda_item_propose
from huizhi.places.kinds import OrganisationKind
from tests.factories import CategoryFactory, OrganisationFactory, SubcategoryFactory

pytestmark = pytest.mark.no_demo

NEED = "独居老人家中水龙头漏水，需要维修。张大爷腿脚不便。"
TOPIC = "11栋老人多，楼道需加装扶手"


@pytest.fixture
def station(world):
    # The demo (present when demo tests share the run) has the home-service category already.
    if not Category.objects.filter(code="1101").exists():
        SubcategoryFactory(parent=CategoryFactory(code="11"), code="1101", name="上门服务")
    operator = OrganisationFactory(
        kind=OrganisationKind.SERVICE_OPERATOR, place=world.community, name="颐养公司"
    )
    station = CareStation.objects.create(
        name="测试养老服务站",
        community=world.community,
        community_code=world.community.code,
        operator=operator,
    )
    return station


def _log(world, **given):
    arguments = {
        "actor": world.gridworker,
        "household": world.elder_household,
        "visited_on": timezone.localdate(),
        "met": world.elder,
        "needs": NEED,
    }
    return visit_log(**(arguments | given))


def _counts():
    return (
        Visit.objects.count(),
        Case.objects.count(),
        HomeServiceRequest.objects.count(),
        AgendaItem.objects.count(),
    )


def test_a_need_becomes_a_home_service_request_waiting_for_staff(world, station):
    visit = _log(world, need_becomes=NeedOutcome.CARE, service_kind=ServiceKind.REPAIR)
    request = HomeServiceRequest.objects.select_related("case").get(pk=visit.care_request_id)
    assert request.station == station and request.resident == world.elder
    assert request.requested_by == world.gridworker and request.description == NEED
    # Filed by a grid worker, the request waits for the community's staff, routed to the operator.
    assert request.case.source == Source.CARE and request.case.status == Status.REPORTED
    assert request.case.handling_unit == station.operator
    assert visit.case_id is None and visit.agenda_item_id is None


def test_a_need_becomes_a_topic_on_the_communitys_list_in_the_workers_words(world):
    visit = _log(world, need_becomes=NeedOutcome.AGENDA, topic=TOPIC)
    item = AgendaItem.objects.get(pk=visit.agenda_item_id)
    assert item.community == world.community and item.source == AgendaItem.Source.VISIT
    assert item.status == AgendaItem.Status.PENDING and item.created_by == world.gridworker
    assert item.title == TOPIC
    # The building is named (a meeting must know where); the visit's notes and the room are not.
    assert world.building.name in item.summary
    assert "张" not in item.summary and "101" not in item.summary and NEED not in item.summary


def test_the_case_outcome_still_files_a_welfare_visit_case(world):
    visit = _log(world, need_becomes=NeedOutcome.CASE, category=world.category)
    assert Case.objects.get(pk=visit.case_id).source == Source.VISIT


@pytest.mark.parametrize(
    "given, field",
    [
        ({"need_becomes": NeedOutcome.CARE, "service_kind": "nonsense"}, "service_kind"),
        ({"need_becomes": NeedOutcome.CARE, "service_kind": ServiceKind.REPAIR, "met": None}, "met"),
        ({"need_becomes": NeedOutcome.CARE, "service_kind": ServiceKind.REPAIR, "needs": ""}, "needs"),
        ({"need_becomes": NeedOutcome.AGENDA, "topic": ""}, "topic"),
        ({"need_becomes": NeedOutcome.AGENDA, "topic": "  \n "}, "topic"),
        ({"need_becomes": NeedOutcome.AGENDA, "topic": "议题\x00"}, "topic"),
        ({"need_becomes": NeedOutcome.AGENDA, "topic": "长" * 121}, "topic"),
        # Found from outside: the household's own people or door named in a topic read to outsiders.
        ({"need_becomes": NeedOutcome.AGENDA, "topic": "ELDER 要求加装扶手"}, "topic"),
        ({"need_becomes": NeedOutcome.AGENDA, "topic": "101室老人要求加装扶手"}, "topic"),
        ({"need_becomes": NeedOutcome.AGENDA, "topic": "101老人要求加装扶手"}, "topic"),
        ({"need_becomes": "everything"}, "need_becomes"),
    ],
)
def test_a_refused_outcome_saves_nothing(world, station, given, field):
    if given.get("topic", "").startswith("ELDER"):
        given = given | {"topic": given["topic"].replace("ELDER", world.elder.name)}
    before = _counts()
    with pytest.raises(FieldworkError) as refused:
        _log(world, **given)
    assert refused.value.field == field
    assert _counts() == before


def test_a_home_service_is_for_an_elderly_resident_and_the_refusal_names_no_one(world, station):
    before = _counts()
    with pytest.raises(FieldworkError) as refused:
        _log(
            world,
            household=world.family_household,
            met=world.family,
            need_becomes=NeedOutcome.CARE,
            service_kind=ServiceKind.REPAIR,
        )
    assert refused.value.code == "wrong_age"
    assert world.family.name not in str(refused.value)
    assert _counts() == before


def test_a_community_without_a_care_station_refuses_the_request(world):
    before = _counts()
    with pytest.raises(FieldworkError) as refused:
        _log(world, need_becomes=NeedOutcome.CARE, service_kind=ServiceKind.REPAIR)
    assert refused.value.field == "need_becomes"
    assert _counts() == before


def test_topics_are_proposed_by_the_places_grid_worker_or_staff_only(world):
    for allowed in (world.gridworker, world.staff):
        item = agenda_item_propose(actor=allowed, place=world.building, title=TOPIC)
        assert item.community == world.community
    for refused in (
        world.other_worker,
        world.other_staff,
        world.resident,
        world.commissioner,
        world.street_admin,
    ):
        with pytest.raises(MeetingError) as error:
            agenda_item_propose(actor=refused, place=world.building, title=TOPIC)
        assert error.value.code == "not_allowed", refused


def test_a_grid_worker_requests_home_service_only_for_residents_of_their_grids(world, station):
    from huizhi.care.permissions import can_request_home_service, can_request_home_service_for

    assert can_request_home_service_for(world.gridworker, station, world.elder)
    assert not can_request_home_service(world.gridworker, station)  # not for anyone: the resident's grid
    assert not can_request_home_service_for(world.gridworker, station, world.far_away)
    assert not can_request_home_service_for(world.other_worker, station, world.elder)
    assert can_request_home_service_for(world.staff, station, world.far_away)


def test_a_number_typed_into_a_topic_is_masked(world):
    visit = _log(world, need_becomes=NeedOutcome.AGENDA, topic="楼道扶手，联系13912345678")
    assert AgendaItem.objects.get(pk=visit.agenda_item_id).title == "楼道扶手，联系139****5678"
