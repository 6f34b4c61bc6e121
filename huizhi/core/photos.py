"""Photos from phones: checked to be images, re-encoded, and stripped of EXIF (GPS position)."""

import io
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_SIDE = 2048
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}


def clean_photo(upload) -> ContentFile:
    """A JPEG copy without metadata, or ValidationError naming the file and the reason."""
    name = getattr(upload, "name", "photo")
    if upload.size > settings.HUIZHI_MAX_PHOTO_MB * 1024 * 1024:
        raise ValidationError(
            _("“%(name)s” is larger than %(mb)d MB.") % {"name": name, "mb": settings.HUIZHI_MAX_PHOTO_MB},
            code="photo_size",
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            image_format = probe.format
            probe.verify()
        if image_format not in ACCEPTED_FORMATS:
            raise UnidentifiedImageError(image_format)
        upload.seek(0)
        with Image.open(upload) as image:
            image = ImageOps.exif_transpose(image).convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=85)  # no exif= argument: nothing of the original kept
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            _("“%(name)s” is not a photo we can read (JPEG, PNG, WebP or GIF).") % {"name": name},
            code="photo",
        ) from exc
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")


def photo_response(image, *, public: bool):
    """A stored photo as a JPEG response; shared caches may keep only the public ones."""
    from django.http import FileResponse, Http404

    try:
        response = FileResponse(image.open("rb"), content_type="image/jpeg")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response["Cache-Control"] = "public, max-age=3600" if public else "private, max-age=3600"
    return response
