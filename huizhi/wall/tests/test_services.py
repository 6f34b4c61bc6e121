"""The wall's services walked through the real paths: draft → submit (published or held) → support →
triage into each of the four outcomes → claims and responses; the case loop closes the echo."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from huizhi.accounts.models import User
from huizhi.accounts.services import user_create
from huizhi.cases.models import Category
from huizhi.cases.services import case_transition
from huizhi.cases.states import Status
from huizhi.meetings.models import AgendaItem
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Organisation, Place
from huizhi.wall import selectors, services
from huizhi.wall.models import Post, Response, Stage, Support, TriageDecision

pytestmark = pytest.mark.django_db


def photo(name="light.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 180, 20)).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def resident(mobile: str) -> User:
    user = user_create(username=f"r-{mobile}", password=None, mobile=mobile)
    User.objects.filter(pk=user.pk).update(date_joined=user.date_joined.replace(year=2020))
    user.refresh_from_db()
    return user


def light() -> Category:
    return Category.objects.filter(parent__isnull=False, is_active=True).order_by("code").first()


def compound(name="扬天小区") -> Place:
    return Place.objects.get(kind=PlaceKind.COMPOUND, name=name)


def publish(author, title="路灯不亮", description=None, **kwargs) -> Post:
    description = description or f"扬天小区11栋门口：{title}，已经三天了，晚上很不方便。"
    post = services.post_draft(
        actor=author,
        category=kwargs.pop("category", light()),
        title=title,
        description=description,
        place=kwargs.pop("place", compound()),
        **kwargs,
    )
    return services.post_submit(actor=author, post_id=post.pk)


def test_a_clean_post_is_published_and_on_the_wall():
    post = publish(resident("13911110001"), photos=[photo()])
    assert post.stage == Stage.OPEN and post.published_at
    assert post.community.kind == PlaceKind.COMMUNITY
    assert post in selectors.wall_posts(post.community, selectors.WallFilter())
    assert post.photos.count() == 1 and not post.photos_public  # photos wait for staff


@pytest.mark.parametrize(
    "text,reason",
    [
        ("疏通下水道请访问 www.tongdao-kuai.com 便宜", "link"),
        ("专业开锁换锁，电话 139 1234 5678 随叫随到", "contact"),
        ("专业疏通管道 加微信 abc12345 上门服务", "contact"),
        ("办证刻章，QQ：12345678，当天取", "contact"),
    ],
)
def test_spam_is_held_not_published(text, reason):
    post = publish(resident("13911110002"), title="服务", description=text)
    assert post.stage == Stage.HELD and reason in post.held_because
    assert post not in selectors.wall_posts(post.community, selectors.WallFilter())


def test_repeated_text_is_held():
    text = "小区东门的垃圾桶满了没有人清理，气味很大，请尽快处理一下。"
    first = publish(resident("13911110003"), description=text)
    second = publish(resident("13911110004"), description=text)
    assert first.stage == Stage.OPEN and second.stage == Stage.HELD and "repeated" in second.held_because


def test_support_once_only_and_raises_priority_of_the_case():
    post = publish(resident("13911110005"))
    neighbour = resident("13911110006")
    services.post_support(actor=neighbour, post_id=post.pk)
    with pytest.raises(services.WallError) as refused:
        services.post_support(actor=neighbour, post_id=post.pk)
    assert refused.value.code == "already"
    assert Support.objects.filter(post=post).count() == 1
    staff = User.objects.get(username="huayuan_staff")
    post = services.post_triage(
        actor=staff, post_id=post.pk, outcome=TriageDecision.CASE, text="已立案，交维修队处理。"
    )
    assert post.case.priority == 1 and post.case.status == Status.ACCEPTED
    services.post_support(actor=resident("13911110007"), post_id=post.pk)
    post.case.refresh_from_db()
    assert post.case.priority == 2


def test_triage_four_outcomes():
    staff = User.objects.get(username="huayuan_staff")
    author = resident("13911110008")
    as_case = services.post_triage(
        actor=staff, post_id=publish(author).pk, outcome=TriageDecision.CASE, text="立案"
    )
    assert as_case.case.reporter == author and as_case.case.source == "wall"
    agenda = services.post_triage(
        actor=staff,
        post_id=publish(author, title="停车难").pk,
        outcome=TriageDecision.AGENDA,
        text="提交议事会",
    )
    assert AgendaItem.objects.get(source_post=agenda).status == "pending"
    answered = services.post_triage(
        actor=staff,
        post_id=publish(author, title="何时停水").pk,
        outcome=TriageDecision.ANSWER,
        text="周五9点恢复供水。",
    )
    assert answered.stage == Stage.ANSWERED and answered in selectors.echo_posts(
        answered.community, selectors.WallFilter()
    )
    rejected = services.post_triage(
        actor=staff,
        post_id=publish(author, title="不相关").pk,
        outcome=TriageDecision.REJECT,
        text="不属于社区事务",
    )
    assert rejected.stage == Stage.REJECTED and rejected.rejection_reason == "不属于社区事务"
    assert author.notifications.filter(text__contains="不属于社区事务").exists()


def test_staff_of_another_community_cannot_triage():
    post = publish(resident("13911110009"))
    with pytest.raises(services.WallError) as refused:
        services.post_triage(
            actor=User.objects.get(username="fenghuang_staff"),
            post_id=post.pk,
            outcome=TriageDecision.ANSWER,
            text="x",
        )
    assert refused.value.code == "not_allowed"


def test_closed_case_reaches_the_echo_wall_with_its_result():
    staff = User.objects.get(username="huayuan_staff")
    post = services.post_triage(
        actor=staff, post_id=publish(resident("13911110010")).pk, outcome=TriageDecision.CASE, text="立案"
    )
    crew = Organisation.objects.get(name="花园街社区红色汇治维修队")
    case = case_transition(actor=staff, case_id=post.case_id, action="dispatch", unit=crew)
    worker = User.objects.get(username="repair_crew")
    case_transition(actor=worker, case_id=case.pk, action="start")
    case_transition(
        actor=worker, case_id=case.pk, action="report_result", note="已更换灯泡", photos=[photo("after.jpg")]
    )
    case_transition(actor=staff, case_id=case.pk, action="verify")
    echo = selectors.echo_posts(post.community, selectors.WallFilter())
    assert post in echo and post not in selectors.wall_posts(post.community, selectors.WallFilter())
    outcome = selectors.case_outcomes([selectors.get_public_post(post.pk)])[post.case_id]
    post.refresh_from_db()
    later = post.published_at + timedelta(days=30)
    assert post.days_open(later) == 0  # the count stops when the case closed
    assert outcome.responder == crew.name and outcome.text == "已更换灯泡" and len(outcome.after_photos) == 1


def test_representative_claims_and_answers_under_their_name():
    post = publish(
        resident("13911110011"),
        place=Place.objects.filter(kind=PlaceKind.COMPOUND, parent__parent__name="凤凰社区").first(),
    )
    rep = User.objects.get(username="representative")
    claim = services.post_claim(actor=rep, post_id=post.pk)
    response = services.post_respond(actor=rep, post_id=post.pk, text="我已联系相关部门，下周答复。")
    assert response.name == claim.name == str(rep) and response.responder == Response.Responder.REPRESENTATIVE
    post.refresh_from_db()
    assert post.answered_at is not None
    with pytest.raises(services.WallError):
        services.post_respond(actor=User.objects.get(username="huayuan_staff"), post_id=post.pk, text="x")


def test_new_accounts_are_rate_limited():
    newcomer = user_create(username="newcomer", password=None, mobile="13911110012")
    for n in range(services.NEW_ACCOUNT_POSTS_PER_DAY):
        publish(newcomer, title=f"问题{n}", description=f"第{n}个问题的描述")
    with pytest.raises(services.WallError) as refused:
        publish(newcomer, title="再一个", description="又一个问题")
    assert refused.value.code == "rate_limited"


def test_nearby_open_items_of_the_same_category():
    first = publish(resident("13911110013"))
    draft = services.post_draft(
        actor=resident("13911110014"),
        category=first.category,
        title="灯坏了",
        description="同一盏灯",
        place=compound(),
    )
    nearby = selectors.nearby_open_posts(
        category=draft.category, lon=draft.lon, lat=draft.lat, exclude_id=draft.pk
    )
    assert first in nearby
    other = Category.objects.filter(parent__isnull=False).exclude(pk=first.category_id).first()
    assert first not in selectors.nearby_open_posts(category=other, lon=draft.lon, lat=draft.lat)


def test_the_author_is_texted_each_answer(settings, django_capture_on_commit_callbacks):
    from huizhi.core.sms import MemorySmsBackend

    settings.HUIZHI_SMS_BACKEND = "huizhi.core.sms.MemorySmsBackend"
    MemorySmsBackend.outbox.clear()
    author = resident("13911110015")
    post = publish(author, title="何时修路")
    with django_capture_on_commit_callbacks(execute=True):
        services.post_triage(
            actor=User.objects.get(username="huayuan_staff"),
            post_id=post.pk,
            outcome=TriageDecision.ANSWER,
            text="下周一开工。",
        )
    assert [m for m, text in MemorySmsBackend.outbox if "下周一开工" in text] == ["13911110015"]
    assert author.notifications.filter(text__contains="下周一开工").exists()


def test_supporting_instead_drops_the_draft_and_a_refused_support_keeps_it():
    open_item = publish(resident("13911110016"))
    author = resident("13911110017")
    draft = services.post_draft(
        actor=author, category=open_item.category, title="也是灯", description="同一盏灯", place=compound()
    )
    services.post_support_instead(actor=author, draft_id=draft.pk, post_id=open_item.pk)
    assert not Post.objects.filter(pk=draft.pk).exists()
    assert Support.objects.filter(post=open_item, user=author).exists()
    second = services.post_draft(
        actor=author, category=open_item.category, title="还是灯", description="还是那盏灯", place=compound()
    )
    with pytest.raises(services.WallError):  # already supported: both stay as they were
        services.post_support_instead(actor=author, draft_id=second.pk, post_id=open_item.pk)
    assert Post.objects.filter(pk=second.pk, stage=Stage.DRAFT).exists()


def test_the_most_specific_wording_wins():
    from huizhi.wall.models import ResponseTemplate

    post = publish(resident("13911110018"), category=Category.objects.get(code="0602"))
    texts = services.template_texts(community=post.community, category=post.category)
    assert texts[TriageDecision.CASE].startswith("路灯报修已立案")  # the demo's 0602 wording beats "any"
    assert texts[TriageDecision.ANSWER] == "感谢您的反映。"
    ResponseTemplate.objects.create(
        community=post.community, category=None, outcome=TriageDecision.ANSWER, text="社区的话"
    )
    ResponseTemplate.objects.create(
        community=post.community,
        category=post.category.parent,
        outcome=TriageDecision.CASE,
        text="本社区设施类",
    )
    texts = services.template_texts(community=post.community, category=post.category)
    assert texts[TriageDecision.ANSWER] == "社区的话"  # the community's own before the street's
    assert (
        texts[TriageDecision.CASE] == "本社区设施类"
    )  # the community's class wording before the street's subclass
    assert texts[TriageDecision.AGENDA].startswith("您反映的问题涉及多方")
