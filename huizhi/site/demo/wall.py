"""Demo problem wall and echo wall (DESIGN §5, §12): residents' posts in every stage, the wording
staff start from, the spam patterns moderators keep, and one link-farm post held for review."""

from datetime import timedelta

from django.utils import timezone

from huizhi.accounts.models import User
from huizhi.accounts.services import user_create
from huizhi.cases.models import Category
from huizhi.cases.services import case_rate, case_transition
from huizhi.cases.states import Rating
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Organisation, Place
from huizhi.site.demo.cases import demo_photo
from huizhi.wall import services
from huizhi.wall.models import Post, ResponseTemplate, SpamPattern, TriageDecision

TEMPLATES = [
    (None, TriageDecision.CASE, "您反映的问题已立案，社区已安排处置，处理进展会及时告知您。"),
    (None, TriageDecision.AGENDA, "您反映的问题涉及多方，社区将提交协商议事会讨论，议定结果将在回音壁公布。"),
    (None, TriageDecision.ANSWER, "感谢您的反映。"),
    (None, TriageDecision.REJECT, "该内容不属于社区可处理的事项，请通过相关渠道反映。"),
    ("0602", TriageDecision.CASE, "路灯报修已立案，已通知维修队到场检修，预计3个工作日内恢复照明。"),
]
SPAM_PATTERNS = [
    ("办证刻章", False, "办证刻章类广告"),
    ("代开发票", False, "发票类广告"),
    (r"(贷款|网贷).{0,6}(秒批|免息|无抵押)", True, "贷款广告"),
]

# (community, compound, category, title, description, supports)
POSTS = [
    (
        "花园街社区",
        "扬天小区",
        "0602",
        "扬天小区东门路灯不亮",
        "东门进来第二根路灯一直不亮，晚上老人出门很不安全。",
        4,
    ),
    (
        "花园街社区",
        "扬天小区",
        "0403",
        "消防通道被电动车堵住",
        "12栋北侧消防通道每天晚上停满电动车，消防车进不来。",
        7,
    ),
    ("花园街社区", None, "0801", "垃圾箱破损", "小区南门垃圾箱盖子坏了，夏天味道很大，苍蝇多。", 2),
    ("凤凰社区", None, "1104", "楼上漏水无人处理", "楼上卫生间漏水到我家天花板，物业说联系不上楼上住户。", 3),
    ("凤凰社区", None, "0901", "行道树歪倒", "凤凰路人行道有一棵树被风吹歪了，靠在围墙上。", 1),
]


def _residents() -> list[User]:
    people = [User.objects.get(username="resident")]
    for n in range(1, 9):
        user = user_create(username=f"demo-resident-{n}", password=None, mobile=f"1390000{1000 + n}")
        User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - timedelta(days=200))
        user.refresh_from_db()
        people.append(user)
    return people


def _compound(community: str, name: str | None) -> Place:
    compounds = Place.objects.filter(kind=PlaceKind.COMPOUND, parent__parent__name=community).order_by("code")
    return compounds.get(name=name) if name else compounds.first()


def _publish(
    author: User, community: str, compound: str | None, category: str, title: str, text: str, photo=None
):
    draft = services.post_draft(
        actor=author,
        category=Category.objects.get(code=category),
        title=title,
        description=text,
        place=_compound(community, compound),
        photos=[photo] if photo else [],
    )
    return services.post_submit(actor=author, post_id=draft.pk)


def load() -> None:
    for code, outcome, text in TEMPLATES:
        category = Category.objects.get(code=code) if code else None
        ResponseTemplate.objects.create(category=category, outcome=outcome, text=text)
    for pattern, is_regex, note in SPAM_PATTERNS:
        SpamPattern.objects.create(pattern=pattern, is_regex=is_regex, note=note)

    people = _residents()
    staff = {u.username: u for u in User.objects.filter(username__in=["huayuan_staff", "fenghuang_staff"])}
    posts: list[Post] = []
    for n, (community, compound, category, title, text, supports) in enumerate(POSTS):
        photo = demo_photo(f"wall-{n}", (90 + 20 * n, 90, 110)) if n < 2 else None
        post = _publish(people[n % len(people)], community, compound, category, title, text, photo)
        for supporter in people[1 : supports + 1]:
            if supporter.pk != post.author_id:
                services.post_support(actor=supporter, post_id=post.pk)
        posts.append(post)

    # Posted over the past days, so the pages read as a lived-in wall (services stamp "now").
    for days, post in zip([6, 3, 4, 2, 1], posts, strict=True):
        when = timezone.now() - timedelta(days=days, hours=2)
        Post.objects.filter(pk=post.pk).update(created_at=when, published_at=when)
        post.refresh_from_db()
    # The street light became a case; the crew fixed it; the resident rated it (on the echo wall).
    light = services.post_triage(
        actor=staff["huayuan_staff"],
        post_id=posts[0].pk,
        outcome=TriageDecision.CASE,
        text=services.template_texts(community=posts[0].community, category=posts[0].category)[
            TriageDecision.CASE
        ],
    )
    crew = Organisation.objects.get(name="花园街社区红色汇治维修队")
    worker = User.objects.get(username="repair_crew")
    case_transition(actor=staff["huayuan_staff"], case_id=light.case_id, action="dispatch", unit=crew)
    case_transition(actor=worker, case_id=light.case_id, action="start")
    case_transition(
        actor=worker,
        case_id=light.case_id,
        action="report_result",
        note="更换了损坏的灯头和镇流器，路灯已恢复照明。",
        photos=[demo_photo("light-fixed", (230, 200, 80))],
    )
    case_transition(actor=staff["huayuan_staff"], case_id=light.case_id, action="verify")
    case_rate(actor=light.author, case_id=light.case_id, rating=Rating.SATISFIED, comment="修得很快，谢谢！")

    # The fire lane is being handled; the leaking ceiling goes to a consultation meeting.
    services.post_triage(
        actor=staff["huayuan_staff"], post_id=posts[1].pk, outcome=TriageDecision.CASE, text="已立案。"
    )
    services.post_triage(
        actor=staff["fenghuang_staff"],
        post_id=posts[3].pk,
        outcome=TriageDecision.AGENDA,
        text="涉及楼上住户和物业，提交本月协商议事会。",
    )
    # A representative takes the tree on and answers under their name.
    representative = User.objects.get(username="representative")
    services.post_claim(actor=representative, post_id=posts[4].pk)
    services.post_respond(
        actor=representative, post_id=posts[4].pk, text="已联系区园林部门，明天上午派人扶正并加固。"
    )
    # A direct answer from the community.
    asked = _publish(
        people[5],
        "花园街社区",
        "扬天小区",
        "1104",
        "小区什么时候停水检修？",
        "听说这周要停水，想知道具体时间。",
    )
    services.post_triage(
        actor=staff["huayuan_staff"],
        post_id=asked.pk,
        outcome=TriageDecision.ANSWER,
        text="本周五上午9点至12点停水检修管道。",
    )
    # Link-farm spam is held for the moderator and never reaches the wall.
    _publish(
        people[6],
        "花园街社区",
        None,
        "1104",
        "专业疏通",
        "专业疏通下水道，价格优惠，详情访问 www.example-tongdao.com",
    )
