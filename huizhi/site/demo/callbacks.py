"""Demo call-backs (回访, DESIGN §15): after the roof repair's case closed, 三里亭社区's staff rang the
residents of 4栋 and heard they were satisfied; a fix on the spot in 扬天小区 was called back
without reaching anyone, and is still due. The other closed patrol, hotline and meeting cases wait."""

from huizhi.accounts.models import User
from huizhi.cases.models import Case
from huizhi.cases.services import callback_record
from huizhi.cases.states import Rating, Source, Status


def load() -> None:
    roof = Case.objects.filter(title="4栋3单元顶楼屋面防水层更换", status=Status.CLOSED).first()
    if roof is not None:
        callback_record(
            actor=User.objects.get(username="sanliting_staff"),
            case_id=roof.pk,
            reached=True,
            satisfaction=Rating.SATISFIED,
            callee="4栋3单元顶楼住户",
            note="雨后回访，顶楼不再漏水。",
        )
    fixed_on_spot = (
        Case.objects.filter(source=Source.PATROL, status=Status.CLOSED, community__name="花园街社区")
        .order_by("-id")
        .first()
    )
    if fixed_on_spot is not None:
        callback_record(
            actor=User.objects.get(username="huayuan_staff"),
            case_id=fixed_on_spot.pk,
            reached=False,
            callee="附近住户",
            note="白天无人接听，晚上再打。",
        )
