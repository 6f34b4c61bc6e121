"""Demo area notices (DESIGN §15): 花园街社区's staff announce tomorrow's water cut in 扬天小区, by
text message too (residents who asked for texts get one)."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from huizhi.accounts.models import User
from huizhi.notices.services import notice_publish
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place


def load() -> None:
    now = timezone.localtime()
    tomorrow = (now + timedelta(days=1)).date()
    notice_publish(
        actor=User.objects.get(username="huayuan_staff"),
        place=Place.objects.get(kind=PlaceKind.COMPOUND, name="扬天小区"),
        title="扬天小区停水通知",
        body=(
            f"因市政供水管网维修，扬天小区将于{tomorrow.month}月{tomorrow.day}日8:00至17:00停水，"
            "请各位居民提前做好储水准备。如有疑问请联系花园街社区居委会。"
        ),
        valid_from=now - timedelta(hours=1),
        valid_until=timezone.make_aware(datetime.combine(tomorrow, time(18, 0))),
        by_sms=True,
    )
