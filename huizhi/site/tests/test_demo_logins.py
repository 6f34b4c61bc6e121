"""Every login `make run` prints works with the printed password, and each role of DESIGN §2 has one."""

import pytest
from django.contrib.auth import authenticate

from huizhi.accounts.roles import Role
from huizhi.site.demo import DEMO_PASSWORD, demo_logins

pytestmark = pytest.mark.django_db


def test_every_printed_login_signs_in(rf):
    logins = demo_logins()
    assert len(logins) >= 17
    for login, _role, _scope in logins:
        assert authenticate(rf.post("/accounts/login/"), username=login, password=DEMO_PASSWORD), login


def test_every_role_has_a_demo_login():
    printed = {str(role) for _login, role, _scope in demo_logins()}
    assert {str(role.label) for role in Role} <= printed
