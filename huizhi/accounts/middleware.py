from django.contrib.auth import logout

from huizhi.accounts.scopes import has_console_role

# Set in the session by a sign-in with a texted code (huizhi.accounts.otp).
SIGNED_IN_BY_CODE = "huizhi_signed_in_by_code"


class CodeSessionGuardMiddleware:
    """A texted code is enough for a resident, not for the console: a session opened by code ends
    as soon as its account holds a console role (granted after the sign-in), and the person signs
    in again with a password."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        by_code = request.session.get(SIGNED_IN_BY_CODE) and user.is_authenticated
        if by_code and (user.is_staff or has_console_role(user)):
            logout(request)
        return self.get_response(request)
