"""The childcare enrolment form offers only children in the class's age band (filtered before
submitting), each adult who may collect the child carries a mobile (encrypted at rest, masked on the
register), and the carers line reads as names."""

import re

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from huizhi.care.kinds import AgeBand
from huizhi.care.models import AuthorisedAdult, ChildcareEnrolment
from huizhi.care.tests.conftest import make_class, make_resident, months_ago, page

pytestmark = pytest.mark.django_db


def _options(html: str) -> set[int]:
    select = re.search(r'<select name="child"[^>]*>(.*?)</select>', html, re.S).group(1)
    return {int(v) for v in re.findall(r'<option value="(\d+)"', select)}


def test_the_form_offers_only_children_in_the_class_s_age_band(en_client, staff, centre):
    infant, toddler, older = (make_resident(birth=months_ago(m)) for m in (8, 18, 30))
    too_young = make_resident(birth=months_ago(5))
    en_client.force_login(staff)
    offered = {}
    for band in AgeBand.values:
        klass = make_class(centre, band, carers=2)
        offered[band] = _options(page(en_client.get(reverse("care:childcare_enrol", args=[klass.pk]))))
    assert (
        infant.pk in offered[AgeBand.INFANT]
        and infant.pk not in offered[AgeBand.TODDLER] | offered[AgeBand.OLDER]
    )
    assert (
        toddler.pk in offered[AgeBand.TODDLER]
        and toddler.pk not in offered[AgeBand.INFANT] | offered[AgeBand.OLDER]
    )
    assert (
        older.pk in offered[AgeBand.OLDER]
        and older.pk not in offered[AgeBand.INFANT] | offered[AgeBand.TODDLER]
    )
    assert all(too_young.pk not in pks for pks in offered.values())


def test_the_band_edges_are_whole_months(centre):
    from huizhi.care import selectors

    klass = make_class(centre, AgeBand.TODDLER, carers=1)
    just_in = make_resident(birth=months_ago(12))  # 12 months today: the toddler class's first day
    just_out = make_resident(birth=months_ago(24))  # 24 months today: the older class's
    offered = set(selectors.children_for_class(klass).values_list("pk", flat=True))
    assert just_in.pk in offered and just_out.pk not in offered


def _enrol_post(child, **adult):
    return {
        "child": child.pk,
        "starts_on": timezone.localdate().isoformat(),
        "adult_1": "张丽",
        "relationship_1": "妈妈",
        **adult,
    }


def test_an_adult_who_may_collect_needs_a_mobile(en_client, staff, centre):
    klass = make_class(centre, AgeBand.OLDER, carers=1)
    child = make_resident(birth=months_ago(30))
    en_client.force_login(staff)
    url = reverse("care:childcare_enrol", args=[klass.pk])
    for bad in ({}, {"mobile_1": "12345"}):
        response = en_client.post(url, _enrol_post(child, **bad))
        assert response.status_code == 200 and "mobile" in page(response).lower()
    assert not ChildcareEnrolment.objects.filter(child=child).exists()

    response = en_client.post(url, _enrol_post(child, mobile_1="139 1234 0005"))
    assert response.status_code == 302
    adult = AuthorisedAdult.objects.get(enrolment__child=child)
    assert adult.mobile == "13912340005"
    with connection.cursor() as cursor:  # encrypted at rest
        cursor.execute("SELECT mobile FROM care_authorisedadult WHERE id = %s", [adult.pk])
        assert "13912340005" not in cursor.fetchone()[0]


def test_the_register_shows_adults_mobiles_masked(en_client, staff, centre):
    from huizhi.care import services

    klass = make_class(centre, AgeBand.OLDER, carers=1)
    child = make_resident(birth=months_ago(30))
    enrolment = services.childcare_enrol(
        actor=staff,
        klass_id=klass.pk,
        child=child,
        starts_on=timezone.localdate(),
        adults=[("张丽", "妈妈", "13912340006")],
    )
    services.childcare_check_in(actor=staff, enrolment_id=enrolment.pk)
    en_client.force_login(staff)
    text = page(en_client.get(reverse("care:childcare")))
    assert "139****0006" in text and "13912340006" not in text


def test_the_carers_line_reads_as_names(en_client, staff, centre):
    klass = make_class(centre, AgeBand.OLDER, carers=2)
    en_client.force_login(staff)
    text = page(en_client.get(reverse("care:childcare")))
    section = text[text.index(f'data-class="{klass.pk}"') :]
    line = re.search(r"<p [^>]*data-carers>(.*?)</p>", section, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", line).strip() == "Carers: 保育员0、保育员1"
    # Taking a carer off is still offered, by name.
    assert "Take 保育员0 off the class" in section
