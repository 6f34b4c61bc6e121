"""Place codes: one rule for every level of the tree.

The statistical division codes (统计用区划代码) are 6 digits for a county/district, 3 more for a
street and 3 more for a community (e.g. 320508019044). Below the community each code is its
parent's code plus a sequence number, so every code starts with its parent's code and a subtree
is exactly the places whose code starts with the root's code.
"""

import re

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from huizhi.places.kinds import PlaceKind

# kind -> (digits added to the parent's code, total length, parent kind)
CODE_RULES: dict[str, tuple[int, int, str | None]] = {
    PlaceKind.DISTRICT: (6, 6, None),
    PlaceKind.STREET: (3, 9, PlaceKind.DISTRICT),
    PlaceKind.COMMUNITY: (3, 12, PlaceKind.STREET),
    PlaceKind.GRID: (3, 15, PlaceKind.COMMUNITY),
    PlaceKind.COMPOUND: (3, 18, PlaceKind.GRID),
    PlaceKind.BUILDING: (3, 21, PlaceKind.COMPOUND),
    PlaceKind.UNIT: (4, 25, PlaceKind.BUILDING),
}


def parent_kind(kind: str) -> str | None:
    return CODE_RULES[kind][2]


def validate_code(kind: str, code: str, parent_code: str | None) -> None:
    """Raise ValidationError unless `code` is in the national format for `kind` under its parent."""
    added, length, _parent = CODE_RULES[kind]
    if not re.fullmatch(rf"[0-9]{{{length}}}", code or ""):
        raise ValidationError(
            _("A %(kind)s code has %(length)d digits; “%(code)s” does not."),
            code="code_format",
            params={"kind": PlaceKind(kind).label, "length": length, "code": code},
        )
    if parent_code is not None and not code.startswith(parent_code):
        raise ValidationError(
            _("Code %(code)s must start with its parent's code %(parent)s."),
            code="code_parent",
            params={"code": code, "parent": parent_code},
        )
    if int(code[-added:]) == 0:
        raise ValidationError(
            _("The last %(added)d digits of code %(code)s are a sequence number and cannot be all zeros."),
            code="code_sequence",
            params={"added": added, "code": code},
        )


def child_code(parent_code: str, kind: str, sequence: int) -> str:
    added = CODE_RULES[kind][0]
    return f"{parent_code}{sequence:0{added}d}"


def is_within(code: str, root: str) -> bool:
    """Whether `code` is `root` or lies below it: the one in-memory subtree test, `subtree_q`'s twin.

    A prefix test is exact because every level has a fixed length: a sibling that shares leading
    digits (341102001030 beside 341102001003) has the same length and differs in its own segment,
    so it never starts with the other. An empty root is no place and reaches nothing."""
    return bool(root) and code.startswith(root)


def subtree_q(code: str, code_field: str = "code") -> Q:
    """Rows whose code starts with `code`, as a range both SQLite and PostgreSQL answer from a b-tree
    index (a LIKE prefix is not indexed on SQLite). Codes are digits, so every descendant of
    341102001003 lies in [341102001003, 341102001004)."""
    if not (code.isascii() and code.isdigit()) or set(code) == {"9"}:
        return Q(**{f"{code_field}__startswith": code})
    upper = str(int(code) + 1).zfill(len(code))
    return Q(**{f"{code_field}__gte": code, f"{code_field}__lt": upper})


def codes_q(codes, code_field: str = "code") -> Q:
    """Rows whose code (`code_field`) lies in any of the subtrees rooted at `codes`; nothing when
    `codes` is empty."""
    q = Q(pk__in=[])
    for code in codes:
        q |= subtree_q(code, code_field)
    return q
