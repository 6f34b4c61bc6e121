import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# A tag, a comment or an entity: plain-text fields take none of them.
_MARKUP = re.compile(r"<\s*[a-zA-Z/!?]|&[#a-zA-Z0-9]+;|javascript:", re.IGNORECASE)

MAX_TEXT = 4000


def clean_plain_text(value: str, *, label: str, max_length: int = MAX_TEXT, required: bool = True) -> str:
    """The trimmed text, or ValidationError when empty, too long or containing HTML."""
    text = (value or "").strip()
    if required and not text:
        raise ValidationError(_("%(label)s cannot be empty.") % {"label": label}, code="required")
    if len(text) > max_length:
        raise ValidationError(
            _("%(label)s is %(length)d characters long; at most %(max)d are allowed.")
            % {"label": label, "length": len(text), "max": max_length},
            code="max_length",
        )
    if _MARKUP.search(text):
        raise ValidationError(
            _("%(label)s cannot contain HTML or scripts; write plain text.") % {"label": label}, code="markup"
        )
    return text
