import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from huizhi.core.mobile import mask_id_number, mask_mobile

# A tag, a comment or an entity: plain-text fields take none of them.
_MARKUP = re.compile(r"<\s*[a-zA-Z/!?]|&[#a-zA-Z0-9]+;|javascript:", re.IGNORECASE)

MAX_TEXT = 4000

# Bidirectional embedding, override and isolate controls: they make a line display in an order
# other than it is stored ("‮gnp.exe" looks like "exe.png"), a spoofing tool with no use in a
# resident's or an office's plain Chinese text.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")

# What a one-line label (a name, a room) never holds: control characters (Cc: C0, DEL, C1, line
# breaks among them), invisible format characters (Cf: zero-width space, marks, the byte-order
# mark), line and paragraph separators (Zl, Zp), lone surrogates (Cs). A room typed with a
# zero-width space would otherwise be a second unit beside the one it looks like.
# Not private-use (Co) nor unassigned (Cn) code points: a rare character of a person's name (生僻字)
# is often in the private-use area of an office's input method, or newer than this Python's
# Unicode tables (CJK Extension H is "unassigned" to Python 3.11).
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def is_hidden_character(ch: str) -> bool:
    """Whether `ch` is a character no label shows: see _HIDDEN_CATEGORIES; also the noncharacters
    (U+FDD0–U+FDEF, and U+FFFE and U+FFFF of every plane), which no spreadsheet can hold."""
    code = ord(ch)
    return (
        unicodedata.category(ch) in _HIDDEN_CATEGORIES or 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE
    )


def in_site_language():
    """For words a service keeps in the database (a public name, a summary it writes): they are read
    later by everyone, in the site's language, whatever the language of the request that wrote them."""
    return translation.override(settings.LANGUAGE_CODE)


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
    if "\x00" in text:
        # Refused at the door already (core.guards); here too for text that comes another way
        # (a task, a command, a demo loader): PostgreSQL cannot store it.
        raise ValidationError(
            _("%(label)s contains a NUL character; please retype it.") % {"label": label}, code="nul"
        )
    if _BIDI_CONTROLS.search(text):
        raise ValidationError(
            _("%(label)s contains an invisible character that reorders the text; please retype it.")
            % {"label": label},
            code="bidi_control",
        )
    if _MARKUP.search(text):
        raise ValidationError(
            _("%(label)s cannot contain HTML or scripts; write plain text.") % {"label": label}, code="markup"
        )
    return text


# Numbers a person may type into free text ("联系人张三 13912345678"): mainland mobiles and
# 18-character ID numbers, as people type them — ASCII or full-width digits (Chinese input methods
# in full-width mode), with spaces, dots, dashes, slashes, underscores, Chinese commas or invisible
# characters between the digits (a few at a time). Digits around them mean a longer number (an
# order or account number), which is not masked.
_DIGIT = "[0-9０-９]"
_GAP = "[\\s.·_/\\-－—–,，、。\u200b-\u200d\u2060\ufeff]{0,3}"
_TYPED_MOBILE = re.compile(
    rf"(?<![0-9０-９])(?:[+＋]?[8８][6６]{_GAP})?([1１]{_GAP}[3-9３-９](?:{_GAP}{_DIGIT}){{9}})(?![0-9０-９])"
)
_TYPED_ID_NUMBER = re.compile(
    rf"(?<![0-9０-９])({_DIGIT}(?:{_GAP}{_DIGIT}){{16}}{_GAP}[0-9０-９XxＸｘ])(?![0-9０-９A-Za-z])"
)
_ID_SHAPE = re.compile(r"[1-9][0-9]{5}(?:18|19|20)[0-9]{2}[01][0-9][0-3][0-9][0-9]{3}[0-9X]")


def clean_label(value: str, *, label: str, max_length: int) -> str:
    """A one-line name (a person's, a room's): plain text as `clean_plain_text` takes it, and no
    control or invisible character either, not even a line break. A spreadsheet cell can carry any
    of them (Excel writes one as `_x0007_`, and the reader turns it back into the character)."""
    text = clean_plain_text(value, label=label, max_length=max_length)
    if any(is_hidden_character(ch) for ch in text):
        raise ValidationError(
            _("%(label)s contains a control or invisible character; please retype it.") % {"label": label},
            code="control",
        )
    return text


def _digits(typed: str) -> str:
    """The digits (and a final X) of what was typed, in ASCII."""
    folded = unicodedata.normalize("NFKC", typed).upper()
    return "".join(ch for ch in folded if ch.isascii() and (ch.isdigit() or ch == "X"))


def _mask_id(match: re.Match) -> str:
    digits = _digits(match.group(1))
    return mask_id_number(digits) if _ID_SHAPE.fullmatch(digits) else match.group(0)


def mask_typed_personal_numbers(text: str) -> str:
    """Free text as it may leave the staff console (webhooks, Open311, the public wall): mobiles and
    ID numbers someone typed into it masked (139****5678, 3411**********1234). Staff in scope read
    the original; this is for everyone else."""
    if not text:
        return text
    text = _TYPED_ID_NUMBER.sub(_mask_id, text)
    return _TYPED_MOBILE.sub(lambda m: mask_mobile(_digits(m.group(1))), text)


def mask_person_name(name: str) -> str:
    """张** for 张三丰: the surname only, as a person is named to those who may not know them."""
    name = (name or "").strip()
    return f"{name[0]}{'*' * max(len(name) - 1, 1)}" if name else ""
