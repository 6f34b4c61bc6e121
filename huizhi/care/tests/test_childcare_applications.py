"""Parents apply for a 0–3 place themselves: for a child of their household, at a class of their
community whose age band fits; the centre's staff accept (the child is enrolled through the enrolment
service and its checks) or refuse with a reason; the parent reads the answer on their care page."""

import pytest
from django.urls import reverse
from django.utils import timezone

from huizhi.care import services
from huizhi.care.kinds import AgeBand, ApplicationStatus
from huizhi.care.models import ChildcareApplication, ChildcareEnrolment
from huizhi.care.tests.conftest import (
    HUAYUAN,
    building_in,
    make_class,
    make_resident,
    months_ago,
    page,
    person,
    resident_user,
    years_ago,
)
from huizhi.care.tests.test_services import refused
from huizhi.cases.models import Notification
from huizhi.registry.models import Resident
from huizhi.registry.services import household_for_unit

pytestmark = pytest.mark.django_db
REL = Resident.Relationship


@pytest.fixture
def family():
    from huizhi.care.tests.conftest import FENGHUANG_GRID_1

    home = household_for_unit(building=building_in(FENGHUANG_GRID_1), room="T-apply")
    account = resident_user("apply_parent")
    parent = make_resident(
        birth=years_ago(31),
        household=home,
        name="申请妈妈",
        account=account,
        relationship=REL.HEAD,
        mobile="13912340020",
    )
    toddler = make_resident(birth=months_ago(20), household=home, name="申请宝宝", relationship=REL.CHILD)
    big_sister = make_resident(birth=years_ago(9), household=home, name="申请姐姐", relationship=REL.CHILD)
    return account, parent, toddler, big_sister


@pytest.fixture
def toddler_class(centre):
    return make_class(centre, AgeBand.TODDLER, carers=2, name="申请托小班")


def _apply(client, child, klass, **more):
    data = {"klass": klass.pk, "starts_on": timezone.localdate().isoformat(), "relationship": "妈妈", **more}
    return client.post(reverse("care:childcare_apply", args=[child.pk]), data)


def _applied(family, klass):
    """The family's parent has applied for the toddler at `klass`, starting today (the service)."""
    account, parent, toddler, _ = family
    return services.childcare_apply(
        actor=account,
        parent=parent,
        child=toddler,
        klass_id=klass.pk,
        starts_on=timezone.localdate(),
        relationship="妈妈",
    )


def test_a_parent_applies_and_sees_it_waiting(en_client, family, toddler_class, centre):
    account, parent, toddler, big_sister = family
    infant_class = make_class(centre, AgeBand.INFANT, carers=1, name="申请乳儿班")
    en_client.force_login(account)
    mine = page(en_client.get(reverse("care:mine")))
    assert f'data-place-child="{toddler.pk}"' in mine and f'data-place-child="{big_sister.pk}"' not in mine
    assert reverse("care:childcare_apply", args=[toddler.pk]) in mine
    form = page(en_client.get(reverse("care:childcare_apply", args=[toddler.pk])))
    assert f'value="{toddler_class.pk}"' in form and f'value="{infant_class.pk}"' not in form  # the band only

    response = _apply(
        en_client,
        toddler,
        toddler_class,
        other_adult="外婆",
        other_relationship="外婆",
        other_mobile="13912340021",
    )
    assert response.status_code == 302
    application = ChildcareApplication.objects.get(child=toddler)
    assert application.status == ApplicationStatus.PENDING and application.applied_by == account
    assert application.parent == parent and application.other_mobile == "13912340021"
    mine = page(en_client.get(reverse("care:mine")))
    assert 'data-status="pending"' in mine and "waiting for the centre" in mine
    assert reverse("care:childcare_apply", args=[toddler.pk]) not in mine  # one waiting application
    with refused("duplicate"):
        services.childcare_apply(
            actor=account,
            parent=parent,
            child=toddler,
            klass_id=toddler_class.pk,
            starts_on=timezone.localdate(),
            relationship="妈妈",
        )


def test_a_parent_cannot_apply_for_someone_else_s_child_or_a_wrong_class(
    en_client, family, toddler_class, centre
):
    account, parent, toddler, big_sister = family
    stranger_child = make_resident(birth=months_ago(20))
    en_client.force_login(account)
    assert en_client.get(reverse("care:childcare_apply", args=[stranger_child.pk])).status_code == 404
    assert en_client.get(reverse("care:childcare_apply", args=[big_sister.pk])).status_code == 404
    older_class = make_class(centre, AgeBand.OLDER, carers=1, name="申请托大班")
    response = _apply(en_client, toddler, older_class)  # not offered: the form refuses the choice
    assert response.status_code == 200 and 'class="error field-error"' in page(response)
    with refused("not_allowed"):  # someone else signed in cannot apply in this parent's name
        services.childcare_apply(
            actor=person("resident"),
            parent=parent,
            child=toddler,
            klass_id=toddler_class.pk,
            starts_on=timezone.localdate(),
            relationship="妈妈",
        )
    with refused("wrong_age"):
        services.childcare_apply(
            actor=account,
            parent=parent,
            child=toddler,
            klass_id=older_class.pk,
            starts_on=timezone.localdate(),
            relationship="妈妈",
        )
    assert not ChildcareApplication.objects.filter(child=toddler).exists()


def test_staff_accept_and_the_child_is_enrolled(en_client, staff, family, toddler_class):
    account, parent, toddler, _ = family
    application = _applied(family, toddler_class)
    en_client.force_login(staff)
    listing = page(en_client.get(reverse("care:childcare_applications")))
    assert f'data-application="{application.pk}"' in listing and "申请宝宝" in listing
    response = en_client.post(reverse("care:childcare_application_accept", args=[application.pk]))
    assert response.status_code == 302
    application.refresh_from_db()
    enrolment = ChildcareEnrolment.objects.get(child=toddler)
    assert application.status == ApplicationStatus.ACCEPTED and application.enrolment == enrolment
    assert application.decided_by == staff and application.decided_at is not None
    adult = enrolment.adults.get()
    assert (adult.name, adult.relationship, adult.mobile) == ("申请妈妈", "妈妈", "13912340020")
    assert Notification.objects.filter(user=account, text__contains="申请宝宝").exists()
    en_client.force_login(account)
    assert 'data-status="enrolled"' in page(en_client.get(reverse("care:mine")))
    with refused("wrong_state"):
        services.childcare_application_accept(actor=staff, application_id=application.pk)


def test_staff_refuse_with_a_reason_the_parent_reads(en_client, staff, family, toddler_class):
    account, parent, toddler, _ = family
    application = _applied(family, toddler_class)
    en_client.force_login(staff)
    url = reverse("care:childcare_application_refuse", args=[application.pk])
    en_client.post(url, {"reason": ""})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING  # no reason, no refusal
    en_client.post(url, {"reason": "本学期名额已满，下学期优先"})
    application.refresh_from_db()
    assert (
        application.status == ApplicationStatus.REFUSED
        and application.refusal_reason == "本学期名额已满，下学期优先"
    )
    assert not ChildcareEnrolment.objects.filter(child=toddler).exists()
    en_client.force_login(account)
    mine = page(en_client.get(reverse("care:mine")))
    assert 'data-status="refused"' in mine and "本学期名额已满" in mine
    assert reverse("care:childcare_apply", args=[toddler.pk]) in mine  # they may apply again


def test_a_full_class_refuses_the_acceptance_and_nothing_changes(en_client, staff, family, centre):
    klass = make_class(centre, AgeBand.TODDLER, carers=0, name="无保育员班")  # no carer: no room at 1:5
    application = _applied(family, klass)
    with refused("ratio"):
        services.childcare_application_accept(actor=staff, application_id=application.pk)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING and application.enrolment is None


@pytest.mark.parametrize(
    ("username", "status"),
    [("huayuan_staff", 404), ("street", 403), ("fenghuang_gridworker", 403), ("apply_parent", 403)],
)
def test_only_the_centre_s_runners_decide(client, family, toddler_class, username, status):
    account, parent, toddler, _ = family
    application = _applied(family, toddler_class)
    client.force_login(person(username))
    for name, data in (
        ("care:childcare_application_accept", {}),
        ("care:childcare_application_refuse", {"reason": "不行"}),
    ):
        assert client.post(reverse(name, args=[application.pk]), data).status_code == status
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING
    with refused("not_allowed"):
        services.childcare_application_refuse(
            actor=person(username), application_id=application.pk, reason="不行"
        )


def test_a_household_in_another_community_is_not_offered_this_centre(en_client, centre):
    home = household_for_unit(building=building_in(HUAYUAN + "001"), room="T-apply2")
    account = resident_user("apply_parent_huayuan")
    make_resident(birth=years_ago(30), household=home, account=account, relationship=REL.HEAD)
    kid = make_resident(birth=months_ago(20), household=home, relationship=REL.CHILD)
    klass = make_class(centre, AgeBand.TODDLER, carers=2, name="凤凰托小班乙")
    en_client.force_login(account)
    form = page(en_client.get(reverse("care:childcare_apply", args=[kid.pk])))
    assert f'value="{klass.pk}"' not in form
