"""What holds a post for a moderator instead of publishing it (DESIGN §5).

The page the source article came from had link-farm spam injected into it; these checks keep the
wall from ever becoming such a page. Each check returns a reason code the moderator sees.
"""

import hashlib
import re
import unicodedata
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

HOLD_REASONS = {
    "link": _("contains a link"),
    "contact": _("contains a phone, QQ or WeChat contact"),
    "repeated": _("the same text was posted before"),
    "pattern": _("matches a spam pattern"),
}

# Domains are ASCII: a lookbehind instead of \b, since Chinese characters count as word characters
# and "访问tongdao.com便宜" has no word boundary before the domain.
_LINK = re.compile(
    r"(https?://|ftp://|www\.|(?<![a-z0-9-])[a-z0-9-]+\.(com|cn|net|org|top|xyz|vip|cc|info|io|me|shop|site|club|link)(?![a-z]))",
    re.IGNORECASE,
)
# Phone numbers in any spacing or dotting, landlines, and QQ / WeChat handles offered for "services".
_CONTACT = re.compile(
    r"(1[3-9]\d(?:[\s.·-]?\d){8}"
    r"|0\d{2,3}[\s.·-]?\d{7,8}"
    r"|(?:qq|扣扣|企鹅)\s*(?:号码|号|群)?\s*[:：]?\s*\d{5,11}"
    r"|(?:微信|威信|薇信|v信|vx|wx|weixin|wechat|加v|加微)\s*(?:号码|号)?\s*[:：]?\s*[a-z0-9_-]{5,})",
    re.IGNORECASE,
)
REPEAT_WINDOW = timedelta(days=30)
REPEAT_MIN_LENGTH = 15  # short texts ("路灯不亮") repeat honestly between neighbours


def normalised(text: str) -> str:
    """Lower-case letters and digits only, full-width folded: spacing and punctuation tricks ignored."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in folded if ch.isalnum())


def fingerprint(text: str) -> str:
    return hashlib.sha256(normalised(text).encode()).hexdigest()


def _matches_pattern(text: str) -> bool:
    from huizhi.wall.models import SpamPattern

    lowered = text.lower()
    for pattern, is_regex in SpamPattern.objects.filter(is_active=True).values_list("pattern", "is_regex"):
        if is_regex:
            try:
                if re.search(pattern, text, re.IGNORECASE):
                    return True
            except re.error:
                continue  # a broken pattern must not stop residents posting
        elif pattern.lower() in lowered:
            return True
    return False


def hold_reasons(
    *, title: str, description: str, post_fingerprint: str, exclude_post_id: int | None
) -> list[str]:
    """The reason codes for holding this text, in HOLD_REASONS order; empty means publish."""
    from huizhi.wall.models import Post, Stage

    text = f"{title}\n{description}"
    compact = unicodedata.normalize("NFKC", text)
    reasons = []
    if _LINK.search(compact):
        reasons.append("link")
    if _CONTACT.search(compact):
        reasons.append("contact")
    if len(normalised(description)) >= REPEAT_MIN_LENGTH:
        earlier = (
            Post.objects.filter(fingerprint=post_fingerprint, created_at__gte=timezone.now() - REPEAT_WINDOW)
            .exclude(stage=Stage.DRAFT)
            .exclude(Q(pk=exclude_post_id) if exclude_post_id else Q(pk__in=[]))
        )
        if earlier.exists():
            reasons.append("repeated")
    if _matches_pattern(compact):
        reasons.append("pattern")
    return reasons
