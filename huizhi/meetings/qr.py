"""The sign-in QR code, drawn on the server as SVG (segno): no script, no outside service, and it
prints as sharply as it shows on a projector."""

import io

import segno
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe


def sign_in_path(meeting) -> str:
    """The phone sign-in page with the meeting's token: what the QR code holds."""
    return f"{reverse('meetings:sign_in', args=[meeting.pk])}?{urlencode({'t': meeting.sign_in_token})}"


def sign_in_qr_svg(url: str) -> SafeString:
    """An inline <svg> of `url` as a QR code (error correction M: a smudged print still reads)."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        buffer, kind="svg", scale=6, border=2, xmldecl=False, svgns=True, svgclass="qr", lineclass=None
    )
    # segno writes only the path of the code itself; the URL is ours (digits and a URL-safe token).
    return mark_safe(buffer.getvalue().decode("ascii"))  # noqa: S308
