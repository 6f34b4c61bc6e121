"""Photos from phones: checked to be images, re-encoded, and stripped of EXIF (GPS position).

A photo is judged by its header before a pixel is decoded: a 200 KB PNG can declare 40,000 ×
40,000 pixels and would take gigabytes to decode. Pillow's own guard only warns below 179
megapixels, and raises an exception the caller must know about above it, so the product sets its
own limit and refuses with a message; what is decoded stays within a bounded size.
"""

import io
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_SIDE = 2048
# Only these decoders are ever tried: a file is not handed to every format Pillow knows. (A
# phone's multi-picture JPEG opens as MPO through the JPEG decoder.)
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
# The most pixels a photo may have, by format, so that cleaning one stays within about 300 MB
# (peaks measured with Pillow 13). A JPEG is decoded at 1/2, 1/4 or 1/8 scale (draft) when it is
# larger than a stored photo, so a phone's full-resolution mode (50 or 64 megapixels) passes; PNG
# and GIF decode whole, with copies for alpha and resizing (24 megapixels: a 6000 × 4000 camera
# frame); WebP's decoder keeps about 15 bytes a pixel.
PIXEL_LIMITS = {
    "JPEG": 80_000_000,
    "MPO": 80_000_000,
    "PNG": 24_000_000,
    "GIF": 24_000_000,
    "WEBP": 16_000_000,
}
# Pillow refuses beyond 179 megapixels before we see the size; the message then names this.
SMALLEST_LIMIT = min(PIXEL_LIMITS.values())


class _TooManyPixels(Exception):
    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit


def clean_photo(upload) -> ContentFile:
    """A JPEG copy without metadata, or ValidationError naming the file and the reason.

    Never decodes a photo with more pixels than PIXEL_LIMITS allows its format."""
    name = getattr(upload, "name", "photo")
    if upload.size > settings.HUIZHI_MAX_PHOTO_MB * 1024 * 1024:
        raise ValidationError(
            _("“%(name)s” is larger than %(mb)d MB.") % {"name": name, "mb": settings.HUIZHI_MAX_PHOTO_MB},
            code="photo_size",
        )
    try:
        upload.seek(0)
        # Image.open reads the header only; verify() checks the structure without decoding.
        with Image.open(upload, formats=ACCEPTED_FORMATS) as probe:
            _check_pixels(probe)
            probe.verify()
        upload.seek(0)
        with Image.open(upload, formats=ACCEPTED_FORMATS) as image:
            _check_pixels(image)
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG: decode at reduced scale; others: no-op
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            image = ImageOps.exif_transpose(image).convert("RGB")
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=85)  # no exif= argument: nothing of the original kept
    # Pillow's own guard (an error above 179 megapixels; a warning that tests may raise below).
    except (_TooManyPixels, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        limit = exc.limit if isinstance(exc, _TooManyPixels) else SMALLEST_LIMIT
        raise ValidationError(
            _("“%(name)s” has too many pixels; send a photo of at most %(mp)d megapixels.")
            % {"name": name, "mp": limit // 1_000_000},
            code="photo_pixels",
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ValidationError(
            _("“%(name)s” is not a photo we can read (JPEG, PNG, WebP or GIF).") % {"name": name},
            code="photo",
        ) from exc
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")


def _check_pixels(image) -> None:
    limit = PIXEL_LIMITS.get(image.format, SMALLEST_LIMIT)
    width, height = image.size
    if width * height > limit:
        raise _TooManyPixels(limit)


def photo_response(image, *, public: bool):
    """A stored photo as a JPEG response; shared caches may keep only the public ones."""
    from django.http import FileResponse, Http404

    try:
        response = FileResponse(image.open("rb"), content_type="image/jpeg")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response["Cache-Control"] = "public, max-age=3600" if public else "private, max-age=3600"
    return response
