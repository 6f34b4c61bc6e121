import re

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from huizhi.accounts.services import user_find_by_mobile
from huizhi.core.mobile import normalize_mainland_mobile

_LOOKS_LIKE_PHONE = re.compile(r"^\+?[\d\s-]{11,16}$")


def login_identifier(request, credentials: dict) -> str | None:
    """The username axes counts failures against: a mobile in any format counts as one."""
    username = (credentials or {}).get("username")
    if username and _LOOKS_LIKE_PHONE.match(username.strip()):
        try:
            return normalize_mainland_mobile(username)
        except ValidationError:
            return username
    return username


class UsernameOrMobileBackend(ModelBackend):
    """Staff sign in with their username, residents with their mainland mobile number."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not _LOOKS_LIKE_PHONE.match(username.strip()):
            return super().authenticate(request, username=username, password=password, **kwargs)
        try:
            user = user_find_by_mobile(username)
        except ValidationError:
            user = None
        if user is None:
            # Hash anyway, so the response time does not tell which numbers have accounts.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
