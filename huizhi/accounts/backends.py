import re

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from huizhi.accounts.services import account_mobile_hash, user_find_by_mobile, user_find_by_mobile_hash
from huizhi.core import crypto

_LOOKS_LIKE_PHONE = re.compile(r"^\+?[\d\s-]{11,16}$")
LOGIN_NAME_HASH_PURPOSE = "login-name"


def login_identifier(request, credentials: dict) -> str | None:
    """What axes counts failures against and stores: the account, however it was named.

    A mobile in any format and the username of the same account count as one, and a success
    (which axes reports by the account's username) clears them. A name with no account is stored
    as a keyed hash, so the lockout table never holds a typed mobile; it still counts per name.
    """
    login = (credentials or {}).get("username") or ""
    if not login:
        return None
    if _LOOKS_LIKE_PHONE.match(login.strip()):
        try:
            mobile_hash = account_mobile_hash(login)
        except ValidationError:
            pass
        else:
            user = user_find_by_mobile_hash(mobile_hash)
            return user.get_username() if user is not None else mobile_hash
    user_model = get_user_model()
    if user_model._default_manager.filter(**{user_model.USERNAME_FIELD: login}).exists():
        return login
    return crypto.lookup_hash(LOGIN_NAME_HASH_PURPOSE, login)


class UsernameOrMobileBackend(ModelBackend):
    """Staff sign in with their username, residents with their mainland mobile number."""

    def get_all_permissions(self, user_obj, obj=None):
        """Django's model permissions are the admin's, and only staff accounts open the admin: for
        anyone else there are none to read. (Every page's navigation asks some forty of the rules'
        permissions; each one a person does not hold fell through to two queries here.)"""
        if not user_obj.is_staff:
            return set()
        return super().get_all_permissions(user_obj, obj)

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
