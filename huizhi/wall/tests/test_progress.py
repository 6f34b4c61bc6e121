"""What a resident reads of their report's progress, and what the public item page shows (issue 19).

The reporter's own pages (their post, their case) say what was done and by whom: the handling
unit's result text and its 'after' photo, each step as a sentence naming the community or the unit,
never a staff member. The public item page has its own heading and the published steps alone.
"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from huizhi.accounts.models import User
from huizhi.cases.models import CasePhoto
from huizhi.cases.services import case_transition, supervision_notice_issue
from huizhi.places.models import Organisation
from huizhi.wall import services
from huizhi.wall.models import TriageDecision
from huizhi.wall.tests import helpers as h

pytestmark = pytest.mark.django_db

CREW = "花园街社区红色汇治维修队"
STAFF_NAMES = ("陈静", "张师傅", "huayuan_staff", "repair_crew")


@pytest.fixture
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _steps(page: str) -> list[str]:
    progress = re.search(r'<ol class="timeline steps" id="progress">(.*?)</ol>', page, re.S)
    assert progress, "no progress list on the page"
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", li)).strip()
        for li in re.findall(r"<li[^>]*>(.*?)</li>", progress.group(1), re.S)
    ]


def test_the_authors_post_page_says_who_did_what_with_the_result_and_after_photo(english):
    author = h.resident("13900001201")
    post = h.closed_case_post(author)
    after = CasePhoto.objects.get(event__case=post.case, event__action="report_result")
    english.force_login(author)

    page = h.body(english.get(reverse("wall:my_post", args=[post.pk])))

    steps = _steps(page)
    assert any("Published on the wall" in s for s in steps)
    assert any(f"花园街社区 asked {CREW} to handle it" in s for s in steps)
    assert any(f"{CREW} started work on it" in s for s in steps)
    assert any(f"{CREW} reported what was done" in s and "已加固井盖" in s for s in steps)
    assert any("花园街社区 checked the work and closed it" in s for s in steps)
    assert reverse("cases:photo", args=[after.pk]) in page
    assert english.get(reverse("cases:photo", args=[after.pk])).status_code == 200
    assert not any(name in " ".join(steps) for name in STAFF_NAMES)
    assert "→" not in " ".join(steps)
    assert " ".join(steps).count("已立案。") == 1  # the answer on making the case, said once


def test_the_reporters_case_page_reads_as_progress_without_staff_names_or_supervision(english):
    author = h.resident("13900001202")
    post = h.publish(author, title="井盖松动")
    post = services.post_triage(
        actor=h.staff(), post_id=post.pk, outcome=TriageDecision.CASE, text="已立案。"
    )
    crew = Organisation.objects.get(name=CREW)
    case_transition(actor=h.staff(), case_id=post.case_id, action="dispatch", unit=crew)
    supervision_notice_issue(
        actor=User.objects.get(username="commissioner"),
        case_id=post.case_id,
        requirement="请尽快处置",
        reply_due_at=timezone.now() + timedelta(hours=2),
    )
    english.force_login(author)

    page = h.body(english.get(reverse("cases:detail", args=[post.case_id])))

    steps = _steps(page)
    assert steps[0].endswith("You reported it")
    assert any("花园街社区 accepted it" in s and "已立案。" in s for s in steps)
    assert any(f"asked {CREW} to handle it" in s for s in steps)
    assert not any("upervision" in s for s in steps)
    assert "请尽快处置" not in page and "刘文斌" not in page
    assert not any(name in " ".join(steps) for name in STAFF_NAMES)

    # Staff still read the full timeline, with who acted and the supervision notice.
    english.force_login(h.staff())
    staff_page = h.body(english.get(reverse("cases:detail", args=[post.case_id])))
    assert 'id="progress"' not in staff_page
    assert 'data-event="supervise"' in staff_page and "请尽快处置" in staff_page


def test_the_public_item_page_has_a_heading_and_the_published_steps(english):
    author = h.resident("13900001203")
    post = h.closed_case_post(author)

    page = h.body(english.get(reverse("wall:item", args=[post.pk])))

    assert re.findall(r"<h1>(.*?)</h1>", page) == ["井盖松动"]
    steps = _steps(page)
    assert any("Published on the wall" in s for s in steps)
    assert any(f"花园街社区 asked {CREW} to handle it" in s for s in steps)
    assert any("花园街社区 checked the work and closed it" in s for s in steps)
    text = " ".join(steps)
    assert not any(name in text for name in STAFF_NAMES)
    assert author.mobile not in page
    # Notes are the author's: the public reads the result once, in the answer above the steps.
    assert "已立案。" not in text and "已加固井盖" not in text


def test_a_number_typed_into_a_units_result_is_masked_for_the_reporter(english):
    # Found from outside: the reporter read staff and unit notes as typed; the API masks them.
    author = h.resident("13900001209")
    post = h.closed_case_post(author)
    # (as the unit would have typed it: events are append-only, so the row is rewritten in SQL)
    post.case.events.filter(action="report_result").update(note="已加固井盖，联系张师傅13912345678")
    english.force_login(author)
    page = h.body(english.get(reverse("wall:my_post", args=[post.pk])))
    assert "13912345678" not in page and "139****5678" in page
