from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, default: str) -> str:
    """The `next` the page was given when it stays on this site, else `default` (no open redirect)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A path, not a bare word: "测试" passes the host check as a relative URL, and redirect() would
    # look it up as a view name and fail with a 500.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
