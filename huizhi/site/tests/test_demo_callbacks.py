"""The demo's call-backs (issue 18): some done, some still due."""

import pytest

from huizhi.accounts.models import User
from huizhi.cases.models import CallBack
from huizhi.cases.selectors import callbacks_due

pytestmark = pytest.mark.django_db


def test_the_demo_has_call_backs_done_and_due():
    reached = CallBack.objects.get(reached=True)
    assert reached.case.title == "4栋3单元顶楼屋面防水层更换" and reached.satisfaction == "satisfied"
    not_reached = CallBack.objects.get(reached=False)
    due = list(callbacks_due(User.objects.get(username="huayuan_staff")))
    assert not_reached.case in due  # not reached: still on the call list
    assert reached.case not in callbacks_due(User.objects.get(username="sanliting_staff"))
