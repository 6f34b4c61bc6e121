"""What the wall's tests share: residents, the demo's places, posting through the real services, a
post taken to a closed case with an after photo, what the two walls list, and signing in by code."""

import io
import math
import re
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from huizhi.accounts.models import User
from huizhi.accounts.services import user_create
from huizhi.cases.models import Category
from huizhi.cases.services import case_transition
from huizhi.core.sms import MemorySmsBackend
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Organisation, Place
from huizhi.wall import selectors, services
from huizhi.wall.models import Post, TriageDecision


def resident(mobile: str, *, full_name: str = "", username: str = "", days_old: int = 400) -> User:
    """A resident account, `days_old` days old (past the new-account posting limit by default)."""
    user = user_create(username=username or f"r-{mobile}", password=None, full_name=full_name, mobile=mobile)
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - timedelta(days=days_old))
    user.refresh_from_db()
    return user


def staff(name: str = "huayuan_staff") -> User:
    return User.objects.get(username=name)


def community(name: str) -> Place:
    return Place.objects.get(kind=PlaceKind.COMMUNITY, name=name)


def compound(name: str = "扬天小区") -> Place:
    return Place.objects.get(kind=PlaceKind.COMPOUND, name=name)


def fenghuang_compound() -> Place:
    return (
        Place.objects.filter(kind=PlaceKind.COMPOUND, parent__parent__name="凤凰社区")
        .order_by("code")
        .first()
    )


def category(code: str = "0801") -> Category:
    return Category.objects.get(code=code)


def publish(author, *, title="楼道灯不亮", description=None, place=None, **kwargs) -> Post:
    """A post through draft and submit, as the post page sends it."""
    if place is None and "lon" not in kwargs:
        place = compound()
    post = services.post_draft(
        actor=author,
        category=kwargs.pop("category", category()),
        title=title,
        description=description or f"{title}，已经好几天了，请社区帮忙看看。",
        place=place,
        **kwargs,
    )
    return services.post_submit(actor=author, post_id=post.pk)


def jpeg(name="photo.jpg", exif=None) -> SimpleUploadedFile:
    out = io.BytesIO()
    image = Image.new("RGB", (64, 48), (30, 140, 200))
    if exif is not None:
        image.save(out, format="JPEG", exif=exif)
    else:
        image.save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def body(response) -> str:
    return response.content.decode()


def closed_case_post(author, *, show_photos=True) -> Post:
    """A post made a case, fixed by the crew with an 'after' photo, verified and closed."""
    post = publish(author, title="井盖松动", photos=[jpeg()])
    post = services.post_triage(
        actor=staff(), post_id=post.pk, outcome=TriageDecision.CASE, text="已立案。", show_photos=show_photos
    )
    crew = Organisation.objects.get(name="花园街社区红色汇治维修队")
    case_transition(actor=staff(), case_id=post.case_id, action="dispatch", unit=crew)
    worker = User.objects.get(username="repair_crew")
    case_transition(actor=worker, case_id=post.case_id, action="start")
    case_transition(
        actor=worker,
        case_id=post.case_id,
        action="report_result",
        note="已加固井盖",
        photos=[jpeg("after.jpg")],
    )
    case_transition(actor=staff(), case_id=post.case_id, action="verify")
    return Post.objects.select_related("case").get(pk=post.pk)


def after_photo_ids(post: Post) -> list[int]:
    outcome = selectors.case_outcomes([selectors.get_public_post(post.pk)])[post.case_id]
    return [p.pk for p in outcome.after_photos]


def on_wall(post: Post) -> bool:
    return selectors.wall_posts(post.community, selectors.WallFilter()).filter(pk=post.pk).exists()


def on_echo(post: Post) -> bool:
    return selectors.echo_posts(post.community, selectors.WallFilter()).filter(pk=post.pk).exists()


def to_metres(lon, lat, lon0, lat0) -> tuple[float, float]:
    k = 6_371_000 * math.pi / 180
    return (lon - lon0) * k * math.cos(math.radians(lat0)), (lat - lat0) * k


def sign_in_by_code(client, mobile: str, next_url: str):
    client.post(reverse("wall:login"), {"step": "send", "mobile": mobile, "next": next_url})
    code = re.search(r"\d{6}", [t for m, t in MemorySmsBackend.outbox if m == mobile][-1]).group()
    return client.post(reverse("wall:login"), {"step": "verify", "code": code, "next": next_url})
