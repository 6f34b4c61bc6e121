"""What the wall's tests share: residents, the demo's places, posting through the real services."""

import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from huizhi.accounts.models import User
from huizhi.accounts.services import user_create
from huizhi.cases.models import Category
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.wall import services
from huizhi.wall.models import Post


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
