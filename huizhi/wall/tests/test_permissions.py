"""Who may do what on the problem wall, for every demo role (and a 大党委 member unit's account):
each row says what the person is allowed and what they are refused."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from huizhi.accounts.models import User
from huizhi.accounts.roles import Role
from huizhi.accounts.services import role_grant, user_create
from huizhi.cases.models import Category
from huizhi.places.kinds import OrganisationKind, PlaceKind
from huizhi.places.models import Organisation, Place
from huizhi.wall import services
from huizhi.wall.models import Claim, Post, Response, ResponseTemplate, Stage, Support, TriageDecision

pytestmark = pytest.mark.django_db

DEMO_USERS = [
    "anonymous",
    "resident",
    "huayuan_staff",
    "fenghuang_staff",
    "representative",
    "repair_crew",
    "street",
    "commissioner",
    "gridworker",
]
EVERYONE = [*DEMO_USERS, "member_unit"]


def member_unit_account() -> User:
    """The account a street-wide 大党委 member unit answers under (handling-unit role over the unit):
    placed at the street, it serves every community of it (huizhi.places.selectors.serves)."""
    street = Place.objects.get(kind=PlaceKind.STREET)
    unit = Organisation.objects.create(
        kind=OrganisationKind.MEMBER_UNIT, name="琅琊街道供电服务中心", place=street
    )
    user = user_create(username="power_company", password=None, full_name="供电公司联络员")
    role_grant(user=user, role=Role.HANDLING_UNIT, organisation=unit)
    return user


def person(name: str):
    if name == "anonymous":
        return AnonymousUser()
    if name == "member_unit":
        return member_unit_account()
    return User.objects.get(username=name)


def signed_in(client, name: str):
    user = person(name)
    if user.is_authenticated:
        client.force_login(user)
    return user


def huayuan_post() -> Post:
    return Post.objects.get(title="垃圾箱破损")  # demo: 花园街社区, open


def fenghuang_post() -> Post:
    """A fresh open 凤凰社区 post (the demo's open one is already claimed)."""
    return publish(new_resident("13977770099"), title="人行道砖松动", community="凤凰社区")


def new_resident(mobile: str) -> User:
    user = user_create(username=f"r-{mobile}", password=None, mobile=mobile)
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now().replace(year=2020))
    user.refresh_from_db()
    return user


def publish(author, *, title="路灯不亮", community="花园街社区", description=None) -> Post:
    place = (
        Place.objects.filter(kind=PlaceKind.COMPOUND, parent__parent__name=community).order_by("code").first()
    )
    draft = services.post_draft(
        actor=author,
        category=Category.objects.filter(parent__isnull=False, is_active=True).order_by("code").first(),
        title=title,
        description=description or f"{title}，请社区处理一下，谢谢。",
        place=place,
    )
    return services.post_submit(actor=author, post_id=draft.pk)


def sent_to_sign_in(response) -> bool:
    return response.status_code == 302 and "login" in response.url


# The triage queue and page


@pytest.mark.parametrize("name", DEMO_USERS)
def test_who_opens_the_triage_queue(client, name):
    signed_in(client, name)
    response = client.get(reverse("wall:queue"))
    if name == "anonymous":
        assert sent_to_sign_in(response)
    elif name in ("huayuan_staff", "fenghuang_staff"):
        assert response.status_code == 200
        # Each community's staff see their own community's posts only.
        assert ("垃圾箱破损" in response.content.decode()) == (name == "huayuan_staff")
        assert ("行道树歪倒" in response.content.decode()) == (name == "fenghuang_staff")
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("name", EVERYONE)
def test_only_huayuan_staff_open_and_triage_a_huayuan_post_page(client, name):
    signed_in(client, name)
    post = huayuan_post()
    url = reverse("wall:triage", args=[post.pk])
    page = client.get(url)
    attempt = client.post(url, {"outcome": "answer", "text": "已处理。"})
    post.refresh_from_db()
    if name == "anonymous":
        assert sent_to_sign_in(page) and sent_to_sign_in(attempt)
    elif name == "huayuan_staff":
        assert page.status_code == 200 and attempt.status_code == 302
        assert post.stage == Stage.ANSWERED
        return
    elif name == "fenghuang_staff":
        assert page.status_code == attempt.status_code == 404
    else:
        assert page.status_code == attempt.status_code == 403
    assert post.stage == Stage.OPEN


@pytest.mark.parametrize("name", EVERYONE)
def test_only_huayuan_staff_may_triage_a_huayuan_post(name):
    actor, post = person(name), huayuan_post()
    if name == "huayuan_staff":
        assert services.post_triage(
            actor=actor, post_id=post.pk, outcome=TriageDecision.AGENDA, text="上会"
        ).stage == (Stage.AGENDA)
        return
    for outcome in TriageDecision.values:
        with pytest.raises(services.WallError) as refused:
            services.post_triage(actor=actor, post_id=post.pk, outcome=outcome, text="不该成功")
        assert refused.value.code == "not_allowed"
    post.refresh_from_db()
    assert post.stage == Stage.OPEN and not post.responses.exists()


@pytest.mark.parametrize("name", EVERYONE)
def test_only_huayuan_staff_may_moderate_a_held_huayuan_post(name):
    post = publish(new_resident("13977770001"), description="专业开锁 电话 139 1234 5678 随叫随到")
    assert post.stage == Stage.HELD
    actor = person(name)
    if name == "huayuan_staff":
        assert services.post_moderate(actor=actor, post_id=post.pk, publish=True).stage == Stage.OPEN
        return
    with pytest.raises(services.WallError) as refused:
        services.post_moderate(actor=actor, post_id=post.pk, publish=True)
    assert refused.value.code == "not_allowed"
    post.refresh_from_db()
    assert post.stage == Stage.HELD


# Claims and responses

# (may claim the 凤凰社区 post, may claim the 花园街社区 post)
CLAIMS = {
    "representative": (True, False),  # a representative of 凤凰社区
    "member_unit": (True, True),  # a 大党委 member unit placed at the street serves all of it
}


@pytest.mark.parametrize("name", EVERYONE)
def test_who_may_claim(client, name):
    actor = signed_in(client, name)
    expected = CLAIMS.get(name, (False, False))
    posts = (fenghuang_post(), publish(new_resident("13977770098"), title="花坛护栏倒了"))
    for post, allowed in zip(posts, expected, strict=True):
        page = client.get(reverse("wall:item", args=[post.pk])).content.decode()
        claim_button = reverse("wall:claim", args=[post.pk])
        assert (claim_button in page) == allowed, post.title
        response = client.post(claim_button)
        if name == "anonymous":
            assert sent_to_sign_in(response)
        elif allowed:
            assert response.status_code == 302 and response.url == reverse("wall:item", args=[post.pk])
        else:
            assert response.status_code == 403
        assert Claim.objects.filter(post=post, user_id=actor.pk).exists() == allowed
        if not allowed and actor.is_authenticated:
            with pytest.raises(services.WallError) as refused:
                services.post_claim(actor=actor, post_id=post.pk)
            assert refused.value.code == "not_allowed"


def test_a_member_unit_of_one_community_takes_on_only_that_communitys_items():
    """Found from outside: any member unit could claim any community's item street-wide."""
    unit = Organisation.objects.get(
        kind=OrganisationKind.MEMBER_UNIT, name="滁州市第一人民医院党委"
    )  # 凤凰社区
    account = user_create(username="hospital_desk", password=None, full_name="医院联络员")
    role_grant(user=account, role=Role.HANDLING_UNIT, organisation=unit)
    assert services.post_claim(actor=account, post_id=fenghuang_post().pk).organisation == unit
    with pytest.raises(services.WallError) as refused:
        services.post_claim(actor=account, post_id=huayuan_post().pk)
    assert refused.value.code == "not_allowed"


def test_a_member_unit_claims_under_its_name_and_once_only():
    unit_account = member_unit_account()
    claim = services.post_claim(actor=unit_account, post_id=huayuan_post().pk)
    assert claim.organisation.kind == OrganisationKind.MEMBER_UNIT and claim.name == claim.organisation.name
    with pytest.raises(services.WallError) as again:
        services.post_claim(actor=unit_account, post_id=huayuan_post().pk)
    assert again.value.code == "already"
    response = services.post_respond(actor=unit_account, post_id=huayuan_post().pk, text="我单位将派人查看。")
    assert response.responder == Response.Responder.MEMBER_UNIT and response.name == claim.organisation.name


def test_a_representative_whose_scope_covers_the_street_may_claim_a_huayuan_post():
    street_rep = user_create(username="street_rep", password=None, full_name="街道代表")
    role_grant(user=street_rep, role=Role.REPRESENTATIVE, place=Place.objects.get(kind=PlaceKind.STREET))
    claim = services.post_claim(actor=street_rep, post_id=huayuan_post().pk)
    assert claim.organisation is None and claim.name == str(street_rep)


def test_no_one_claims_a_post_that_is_not_public():
    held = publish(new_resident("13977770002"), community="凤凰社区", description="加微信 abc12345 上门服务")
    assert held.stage == Stage.HELD
    for actor in (User.objects.get(username="representative"), member_unit_account()):
        with pytest.raises(services.WallError):
            services.post_claim(actor=actor, post_id=held.pk)


@pytest.mark.parametrize("name", EVERYONE)
def test_only_the_claimant_may_respond(client, name):
    post = fenghuang_post()
    services.post_claim(actor=User.objects.get(username="representative"), post_id=post.pk)
    actor = signed_in(client, name)
    response = client.post(reverse("wall:respond", args=[post.pk]), {"text": "我来答复：已联系园林处。"})
    if name == "anonymous":
        assert sent_to_sign_in(response)
    elif name == "representative":
        assert response.status_code == 302
        assert Response.objects.get(post=post).name == str(actor)
        return
    else:
        assert response.status_code == 403
        with pytest.raises(services.WallError) as refused:
            services.post_respond(actor=actor, post_id=post.pk, text="冒名答复")
        assert refused.value.code == "not_allowed"
    assert not Response.objects.filter(post=post).exists()


# Response templates

TEMPLATE_EDITORS = {"huayuan_staff", "fenghuang_staff", "street"}


@pytest.mark.parametrize("name", DEMO_USERS)
def test_who_opens_the_response_wording(client, name):
    signed_in(client, name)
    response = client.get(reverse("wall:templates"))
    if name == "anonymous":
        assert sent_to_sign_in(response)
    elif name in TEMPLATE_EDITORS:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


# (may keep the 花园街社区 wording, may keep the street-wide wording)
TEMPLATE_SAVES = {
    "huayuan_staff": (True, False),
    "fenghuang_staff": (False, False),
    "street": (True, True),
}


@pytest.mark.parametrize("name", EVERYONE)
def test_who_may_keep_which_wording(name):
    actor = person(name)
    own, street_wide = TEMPLATE_SAVES.get(name, (False, False))
    huayuan = Place.objects.get(kind=PlaceKind.COMMUNITY, name="花园街社区")
    for community, allowed in ((huayuan, own), (None, street_wide)):
        before = ResponseTemplate.objects.count()
        template = ResponseTemplate(
            community=community, outcome=TriageDecision.ANSWER, text="感谢您的反映，我们会尽快处理。"
        )
        if allowed:
            services.response_template_save(actor=actor, template=template)
            assert ResponseTemplate.objects.count() == before + 1
        else:
            with pytest.raises(services.WallError) as refused:
                services.response_template_save(actor=actor, template=template)
            assert refused.value.code == "not_allowed"
            assert ResponseTemplate.objects.count() == before


def template_form(community, text="感谢您的反映。") -> dict:
    return {"community": community.pk if community else "", "category": "", "outcome": "answer", "text": text}


def test_community_staff_keep_their_own_wording_through_the_page(client):
    huayuan = Place.objects.get(kind=PlaceKind.COMMUNITY, name="花园街社区")
    fenghuang = Place.objects.get(kind=PlaceKind.COMMUNITY, name="凤凰社区")
    client.force_login(User.objects.get(username="huayuan_staff"))
    before = ResponseTemplate.objects.count()
    assert client.post(reverse("wall:templates"), template_form(huayuan, "花园街的说法")).status_code == 302
    assert ResponseTemplate.objects.filter(community=huayuan, text="花园街的说法").exists()
    # Another community's wording, or the street's, is not theirs to write.
    assert client.post(reverse("wall:templates"), template_form(fenghuang, "越权")).status_code == 400
    assert client.post(reverse("wall:templates"), template_form(None, "越权")).status_code == 403
    assert ResponseTemplate.objects.count() == before + 1
    other = ResponseTemplate.objects.create(
        community=fenghuang, outcome=TriageDecision.ANSWER, text="凤凰的说法"
    )
    assert client.get(reverse("wall:template_edit", args=[other.pk])).status_code == 404
    assert (
        client.post(reverse("wall:template_edit", args=[other.pk]), template_form(huayuan)).status_code == 404
    )
    other.refresh_from_db()
    assert other.community == fenghuang and other.text == "凤凰的说法"


def test_street_leadership_keep_the_street_wide_wording_through_the_page(client):
    client.force_login(User.objects.get(username="street"))
    assert client.post(reverse("wall:templates"), template_form(None, "全街道的说法")).status_code == 302
    assert ResponseTemplate.objects.filter(community__isnull=True, text="全街道的说法").exists()


def test_a_resident_cannot_write_wording(client):
    client.force_login(User.objects.get(username="resident"))
    before = ResponseTemplate.objects.count()
    assert client.post(reverse("wall:templates"), template_form(None, "居民乱写")).status_code == 403
    assert ResponseTemplate.objects.count() == before


def test_community_staff_cannot_take_over_the_street_wide_wording(client):
    huayuan = Place.objects.get(kind=PlaceKind.COMMUNITY, name="花园街社区")
    street_wide = ResponseTemplate.objects.filter(community__isnull=True, category__isnull=True).first()
    wording = street_wide.text
    client.force_login(User.objects.get(username="huayuan_staff"))
    response = client.post(
        reverse("wall:template_edit", args=[street_wide.pk]),
        {"community": huayuan.pk, "category": "", "outcome": street_wide.outcome, "text": "被改掉了"},
    )
    street_wide.refresh_from_db()
    assert street_wide.community_id is None and street_wide.text == wording
    assert response.status_code in (403, 404)


# Supports


def test_a_resident_supports_an_item_once_only(client):
    post = huayuan_post()
    before = post.supports_count
    neighbour = new_resident("13977770003")
    client.force_login(neighbour)
    assert client.post(reverse("wall:support", args=[post.pk])).status_code == 302
    assert client.post(reverse("wall:support", args=[post.pk])).status_code == 302
    post.refresh_from_db()
    assert post.supports_count == before + 1
    assert Support.objects.filter(post=post, user=neighbour).count() == 1
    with pytest.raises(services.WallError) as again:
        services.post_support(actor=neighbour, post_id=post.pk)
    assert again.value.code == "already"
    page = client.get(reverse("wall:item", args=[post.pk])).content.decode()
    assert reverse("wall:support", args=[post.pk]) not in page  # no second button


def test_a_resident_cannot_support_their_own_item(client):
    author = new_resident("13977770004")
    post = publish(author)
    with pytest.raises(services.WallError) as refused:
        services.post_support(actor=author, post_id=post.pk)
    assert refused.value.code == "own_post"
    client.force_login(author)
    assert (
        reverse("wall:support", args=[post.pk])
        not in client.get(reverse("wall:item", args=[post.pk])).content.decode()
    )
    client.post(reverse("wall:support", args=[post.pk]))
    post.refresh_from_db()
    assert post.supports_count == 0 and not Support.objects.filter(post=post).exists()


def test_signing_in_comes_before_supporting(client):
    post = huayuan_post()
    before = post.supports_count
    assert sent_to_sign_in(client.post(reverse("wall:support", args=[post.pk])))
    with pytest.raises(services.WallError) as refused:
        services.post_support(actor=AnonymousUser(), post_id=post.pk)
    assert refused.value.code == "not_allowed"
    post.refresh_from_db()
    assert post.supports_count == before


# Unpublished posts


@pytest.fixture
def unpublished() -> dict[str, Post]:
    author = User.objects.get(username="resident")
    draft = services.post_draft(
        actor=author,
        category=huayuan_post().category,
        title="草稿",
        description="还没发出的草稿。",
        place=huayuan_post().place,
    )
    held = publish(new_resident("13977770005"), description="代开发票，价格优惠")
    rejected = publish(new_resident("13977770006"), title="无关内容")
    services.post_triage(
        actor=User.objects.get(username="huayuan_staff"),
        post_id=rejected.pk,
        outcome=TriageDecision.REJECT,
        text="不属于社区事务",
    )
    assert held.stage == Stage.HELD
    return {"draft": draft, "held": held, "rejected": Post.objects.get(pk=rejected.pk)}


@pytest.mark.parametrize("name", [*EVERYONE, "admin", "author"])
@pytest.mark.parametrize("stage", ["draft", "held", "rejected"])
def test_unpublished_posts_are_404_on_the_item_page_for_everyone(client, unpublished, name, stage):
    post = unpublished[stage]
    if name == "author":
        client.force_login(post.author)
    else:
        signed_in(client, name)
    assert client.get(reverse("wall:item", args=[post.pk])).status_code == 404
    assert post.stage == stage


def test_a_superuser_triages_every_community_but_claims_nothing():
    """A claim is answered under the claimant's own name as a representative or member unit."""
    from huizhi.wall.permissions import can_claim, can_claim_post, can_triage, can_triage_post

    admin = person("admin")
    post = fenghuang_post()
    assert can_triage(admin) and can_triage_post(admin, post) and can_triage_post(admin, huayuan_post())
    assert not can_claim(admin) and not can_claim_post(admin, post)
