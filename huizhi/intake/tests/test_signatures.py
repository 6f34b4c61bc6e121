"""The duplicate lookup's copy of each open case (CaseSignature) follows the case through the loop."""

from collections import Counter

import pytest

from huizhi.cases.states import Status
from huizhi.intake.duplicates import cosine, cosines, find_duplicates, pack, shingles
from huizhi.intake.models import CaseSignature
from tests.factories import CaseFactory, advance, case_in, small_street

pytestmark = [pytest.mark.no_demo, pytest.mark.django_db]


def test_packed_signatures_score_exactly_as_the_counts_do():
    mine = shingles("11栋下水道堵了", "楼下污水冒出来 𠮷𠮷 abc")
    others = [
        shingles("11栋下水道堵塞污水外溢", ""),
        shingles("广场舞音响太吵", "每天晚上"),
        Counter(),
        shingles("11栋下水道堵了", "楼下污水冒出来 𠮷𠮷 abc"),
    ]
    scores = cosines(mine, [pack(o) for o in others])
    assert scores.tolist() == pytest.approx([cosine(mine, o) for o in others])
    assert scores[3] == pytest.approx(1.0) and scores[2] == 0.0


def test_the_signature_is_written_on_report_and_gone_when_the_case_closes():
    world = small_street()
    case = CaseFactory(
        place=world.building, category=world.category, actor=world.gridworker, title="11栋下水道堵塞污水外溢"
    )
    row = CaseSignature.objects.get(case=case)
    assert row.community_code == world.community.code
    assert row.compound_code == world.building.code[: len(row.compound_code)] and row.compound_code
    assert bytes(row.signature) == pack(shingles(case.title, case.description))
    assert [d.pk for d in find_duplicates("11栋下水道堵了污水外溢", "", place=world.building)] == [case.pk]

    for action in ("accept", "dispatch", "start", "report_result", "verify"):
        case = advance(case, action, world)
    assert case.status == Status.CLOSED
    assert not CaseSignature.objects.filter(case=case).exists()
    assert find_duplicates("11栋下水道堵了污水外溢", "", place=world.building) == []


def test_a_lingering_signature_of_a_closed_case_is_never_offered():
    world = small_street()
    closed = case_in(Status.CLOSED, world, title="11栋下水道堵塞污水外溢")
    # As if the subscriber had failed when it closed: the copy is stale, the case table decides.
    CaseSignature.objects.create(
        case=closed,
        community_code=world.community.code,
        compound_code="",
        created_at=closed.created_at,
        signature=pack(shingles(closed.title, closed.description)),
    )
    assert find_duplicates("11栋下水道堵塞污水外溢", "", place=world.building) == []


def test_each_later_step_of_an_open_case_writes_its_signature_afresh():
    """Missing (a case older than the signatures) or stale, the row is written again by the next
    step, in one upsert."""
    world = small_street()
    case = CaseFactory(
        place=world.building, category=world.category, actor=world.gridworker, title="11栋路灯不亮"
    )
    CaseSignature.objects.filter(case=case).delete()
    case = advance(case, "accept", world)
    assert bytes(CaseSignature.objects.get(case=case).signature) == pack(
        shingles(case.title, case.description)
    )

    CaseSignature.objects.filter(case=case).update(signature=b"stale", compound_code="")
    case = advance(case, "dispatch", world)
    row = CaseSignature.objects.get(case=case)
    assert bytes(row.signature) == pack(shingles(case.title, case.description)) and row.compound_code
    assert CaseSignature.objects.filter(case=case).count() == 1
