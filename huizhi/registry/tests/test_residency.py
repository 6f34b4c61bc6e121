"""A resident claims a room; staff of that community confirm it (linking the registered person)
or reject it with a reason; staff elsewhere cannot decide; the resident never sees the registry."""

import pytest
from django.urls import reverse

from huizhi.accounts.models import User
from huizhi.accounts.services import user_create
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.registry.models import ResidencyClaim, Resident
from huizhi.registry.services.residency import ResidencyError, residency_claim, residency_decide

pytestmark = pytest.mark.django_db


def building_11() -> Place:
    return Place.objects.get(kind=PlaceKind.BUILDING, name="11栋", parent__name="扬天小区")


def registered(room="101") -> Resident:
    return Resident.objects.filter(household__unit__parent=building_11(), household__unit__name=room).first()


def test_claim_confirm_links_the_person_to_the_account():
    person = registered()
    user = user_create(username="r-claim", password=None, mobile="13944440001")
    claim = residency_claim(actor=user, building=building_11(), room="101", name=person.name)
    staff = User.objects.get(username="huayuan_staff")
    residency_decide(actor=staff, claim_id=claim.pk, resident=person)
    person.refresh_from_db()
    claim.refresh_from_db()
    assert person.account == user and claim.status == ResidencyClaim.Status.CONFIRMED


@pytest.mark.parametrize("room", ["", "999", "x" * 21])
def test_a_room_that_is_not_there_is_refused(room):
    user = user_create(username="r-claim2", password=None, mobile="13944440002")
    with pytest.raises(ResidencyError):
        residency_claim(actor=user, building=building_11(), room=room, name="张三")
    assert not ResidencyClaim.objects.filter(user=user).exists()


def test_only_staff_of_the_community_decide_and_rejection_needs_a_reason():
    user = user_create(username="r-claim3", password=None, mobile="13944440003")
    claim = residency_claim(actor=user, building=building_11(), room="101", name="某人")
    for username in ("fenghuang_staff", "gridworker", "representative"):
        with pytest.raises(ResidencyError) as refused:
            residency_decide(
                actor=User.objects.get(username=username), claim_id=claim.pk, resident=registered()
            )
        assert refused.value.code == "not_allowed"
    staff = User.objects.get(username="huayuan_staff")
    with pytest.raises(ResidencyError):
        residency_decide(actor=staff, claim_id=claim.pk, resident=None, reason="")
    with pytest.raises(ResidencyError):  # a person of another room
        residency_decide(actor=staff, claim_id=claim.pk, resident=registered("302"))
    residency_decide(actor=staff, claim_id=claim.pk, resident=None, reason="登记信息中没有此人")
    claim.refresh_from_db()
    assert claim.status == ResidencyClaim.Status.REJECTED and claim.reason == "登记信息中没有此人"


def test_pages(client):
    person = registered()
    user = user_create(username="r-claim4", password=None, mobile="13944440004")
    client.force_login(user)
    page = client.post(
        reverse("registry:my_home"), {"building": building_11().pk, "room": "101", "name": "王五"}
    )
    assert page.status_code == 302
    assert (
        person.name not in client.get(reverse("registry:my_home")).content.decode()
    )  # no registry data shown
    assert client.get(reverse("registry:claims")).status_code == 403
    client.force_login(User.objects.get(username="huayuan_staff"))
    listing = client.get(reverse("registry:claims")).content.decode()
    assert "王五" in listing and person.name in listing
    claim = ResidencyClaim.objects.get(user=user)
    client.post(reverse("registry:decide_claim", args=[claim.pk]), {"resident": person.pk})
    person.refresh_from_db()
    assert person.account == user
    client.force_login(User.objects.get(username="fenghuang_staff"))
    assert "王五" not in client.get(reverse("registry:claims")).content.decode()


def test_an_export_keeps_a_formula_typed_as_a_name_as_text(tmp_path):
    """A name someone typed as =HYPERLINK(…) reaches the exported sheet as text, not a live formula."""
    import io

    from openpyxl import load_workbook

    from huizhi.registry.services import residents_export

    person = registered()
    Resident.objects.filter(pk=person.pk).update(name='=HYPERLINK("http://x.example","点我")')
    staff = User.objects.get(username="huayuan_staff")
    data = residents_export(
        actor=staff, residents=Resident.objects.filter(pk=person.pk), reveal=False, reason=""
    )
    sheet = load_workbook(io.BytesIO(data)).active
    names = [(row[3].value, row[3].data_type) for row in sheet.iter_rows(min_row=2)]
    assert names == [('=HYPERLINK("http://x.example","点我")', "s")]  # the same text, never a formula


def test_a_decision_naming_no_real_resident_id_is_a_message_not_a_500(client):
    user = user_create(username="r-claim5", password=None, mobile="13944440005")
    claim = residency_claim(actor=user, building=building_11(), room="101", name="王五")
    client.force_login(User.objects.get(username="huayuan_staff"))
    # "²" passes str.isdigit() but not int(): read as no choice, i.e. a rejection, which needs a reason.
    response = client.post(reverse("registry:decide_claim", args=[claim.pk]), {"resident": "²"}, follow=True)
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.status == ResidencyClaim.Status.PENDING
    assert [str(m) for m in response.context["messages"]]
