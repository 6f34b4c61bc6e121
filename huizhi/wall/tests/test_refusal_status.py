"""The status a wall page answers a refused action with comes from the one mapping
(`core.errors.http_status`), and is the same the wall's own maps gave for every code its staff
pages can meet: 403 not allowed, 409 already dealt with, 400 the rest. (The post page's 429 for a
resident over the posting limit: test_security.py.)"""

import pytest
from django.urls import reverse

from huizhi.accounts.models import User
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.wall import services
from huizhi.wall.models import Post

pytestmark = pytest.mark.django_db

# Every code post_triage raises, its own or passed on from the case services it calls.
TRIAGE = {
    "not_allowed": 403,
    "wrong_state": 409,
    "bad_input": 400,
    "outside": 400,
    "outside_scope": 400,
    "bad_photo": 400,
    "not_available": 400,
}
TEMPLATES = {"not_allowed": 403, "bad_input": 400}


def refusing(code: str):
    def refuse(**_kwargs):
        raise services.WallError("refused", code=code)

    return refuse


@pytest.mark.parametrize(("code", "status"), TRIAGE.items())
def test_a_refused_triage_answers_with_the_status_it_always_had(client, monkeypatch, code, status):
    client.force_login(User.objects.get(username="huayuan_staff"))
    post = Post.objects.get(title="垃圾箱破损")
    monkeypatch.setattr(services, "post_triage", refusing(code))
    response = client.post(reverse("wall:triage", args=[post.pk]), {"outcome": "answer", "text": "已更换"})
    assert response.status_code == status
    assert "refused" in response.content.decode()  # the refusal is shown on the page it answers


@pytest.mark.parametrize(("code", "status"), TEMPLATES.items())
def test_a_refused_wording_answers_with_the_status_it_always_had(client, monkeypatch, code, status):
    client.force_login(User.objects.get(username="huayuan_staff"))
    huayuan = Place.objects.get(kind=PlaceKind.COMMUNITY, name="花园街社区")
    monkeypatch.setattr(services, "response_template_save", refusing(code))
    form = {"community": huayuan.pk, "category": "", "outcome": "answer", "text": "感谢您的反映。"}
    response = client.post(reverse("wall:templates"), form)
    assert response.status_code == status
