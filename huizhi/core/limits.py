"""Size limits on what people send: request bodies as a whole, and zip archives (.xlsx) inside them.

Each limit is checked from what the sender declares, before anything is read or inflated: a
request's Content-Length, a zip's directory of uncompressed sizes. A photo's pixel limit lives
with the photo cleaning in huizhi.core.photos.
"""

import json
import zipfile
from html import escape

from django.conf import settings
from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _

# Paths whose clients read JSON, not pages.
JSON_PREFIXES = ("/api/",)
OPEN311_PREFIXES = ("/open311/",)


class RequestBodyLimitMiddleware:
    """Refuse a request body over HUIZHI_MAX_REQUEST_MB with 413 before Django reads a byte of it.

    First in MIDDLEWARE: nothing before it may touch request.POST or request.body, or Django would
    already have spooled the upload to disk. A body sent chunked (no Content-Length) is refused
    with 411: Django under WSGI would read it as empty, so it can never be a working request, and
    no size could be checked before reading it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.HUIZHI_MAX_REQUEST_MB * 1024 * 1024
        declared = request.META.get("CONTENT_LENGTH") or ""
        try:
            length = int(declared)
        except ValueError:
            length = None  # Django reads a missing or malformed length as an empty body
        if length is not None and length > limit:
            with clients_language(request):
                message = _("The request is too large: at most %(mb)d MB can be sent at once.") % {
                    "mb": settings.HUIZHI_MAX_REQUEST_MB
                }
            return refusal(request, 413, "too_large", message)
        if length is None and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            with clients_language(request):
                message = _("Send the request with its length (a Content-Length header), not in chunks.")
            return refusal(request, 411, "length_required", message)
        return self.get_response(request)


def clients_language(request):
    """The language the client asks for (Accept-Language, the language cookie), for a refusal
    written before LocaleMiddleware has run: without it, an API client that asked for English got
    these in the deployment's language."""
    return translation.override(translation.get_language_from_request(request))


def refusal(request, status: int, code: str, message: str) -> HttpResponse:
    """A short answer in the form the client reads: JSON for the API and Open311, else a page.

    Written by hand, not from a template: this runs before sessions and authentication, which the
    site's templates expect."""
    path = request.path_info
    if path.startswith(JSON_PREFIXES):
        body, content_type = (
            json.dumps({"code": code, "message": message}, ensure_ascii=False),
            "application/json",
        )
    elif path.startswith(OPEN311_PREFIXES) and path.endswith(".json"):
        body = json.dumps([{"code": status, "description": message}], ensure_ascii=False)
        content_type = "application/json"
    elif path.startswith(OPEN311_PREFIXES):  # the spec's XML, its default format
        body = (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            f"<errors><error><code>{status}</code><description>{escape(message)}</description></error></errors>"
        )
        content_type = "text/xml"
    else:
        body = (
            f'<!doctype html><html lang="{escape(settings.LANGUAGE_CODE)}"><meta charset="utf-8">'
            f'<title>{status}</title><p class="error">{escape(message)}</p></html>'
        )
        content_type = "text/html"
    # (No "Connection: close" here: WSGI forbids hop-by-hop headers. gunicorn's sync workers close
    # the connection after every response, and its keep-alive workers skip an unread body.)
    return HttpResponse(body, status=status, content_type=f"{content_type}; charset=utf-8")


class ArchiveTooLarge(ValueError):
    """A zip that would inflate beyond the limit, or that has implausibly many members."""


def check_zip_archive(fileobj, *, max_uncompressed: int, max_members: int = 1000) -> None:
    """Raise ArchiveTooLarge when the zip in `fileobj` declares more than `max_uncompressed` bytes
    in all, or more than `max_members` members; return quietly for anything that is not a zip
    (its reader says what is wrong with it). Reads only the zip's directory.

    The declared sizes are enough: calamine's zip reader stops with an error when a member
    inflates beyond its declared size ("File is larger than its declared uncompressed size"), and
    Python's zipfile never reads past it. The member count is read from the end record first,
    because listing a million tiny members is itself a memory bomb.
    """
    try:
        declared = _declared_size(fileobj, max_members)
    finally:
        fileobj.seek(0)  # the caller reads the file next
    if declared is not None and declared > max_uncompressed:
        raise ArchiveTooLarge(f"{declared} bytes uncompressed")


def _declared_size(fileobj, max_members: int) -> int | None:
    fileobj.seek(0)
    try:
        end = zipfile._EndRecData(fileobj)  # noqa: SLF001 — the stdlib's own end-record reader (zip64 aware)
    except OSError:
        return None
    if end is None:
        return None
    members = end[zipfile._ECD_ENTRIES_TOTAL]  # noqa: SLF001
    if members > max_members:
        raise ArchiveTooLarge(f"{members} members")
    try:
        fileobj.seek(0)
        with zipfile.ZipFile(fileobj) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
