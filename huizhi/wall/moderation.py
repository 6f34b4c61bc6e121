"""What holds a post for a moderator instead of publishing it (DESIGN §5).

The page the source article came from had link-farm spam injected into it; these checks keep the
wall from ever becoming such a page. Each check returns a reason code the moderator sees.

Spam hides from plain matching: links split by zero-width spaces or written with 。 or "点" for
the dots, letters in full width or circled, QQ numbers spaced out, and link farms with no link at
all, only lists of gambling and porn titles. So the text is normalised first and then checked
for links, contacts, words of the sensitive-word lexicon and the shape of a title list. Every
check is a single pass or a regular expression without nested repetition: linear in the text.
Last, a spam score learnt from moderators' past decisions may add a hold (huizhi.wall.spamscore).
"""

import hashlib
import re
import statistics
import threading
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

import ahocorasick
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

HOLD_REASONS = {
    "link": _("contains a link"),
    "contact": _("contains a phone, QQ or WeChat contact"),
    "lexicon": _("contains a sensitive word"),
    "list": _("looks like a list of advertising titles"),
    "repeated": _("the same text was posted before"),
    "pattern": _("matches a spam pattern"),
    "score": _("reads like posts moderators rejected before"),
}

REPEAT_WINDOW = timedelta(days=30)
REPEAT_MIN_LENGTH = 15  # short texts ("路灯不亮") repeat honestly between neighbours

DEFAULT_LEXICON = Path(__file__).resolve().parent / "lexicon" / "default.txt"


# Normalisation

# Characters that render as nothing or as blank and so can split a word or a link unseen: format
# characters (zero-width space and joiners, direction marks, soft hyphen), combining marks
# (w̲w̲w̲), controls, private use and unassigned code points, and the Hangul and Braille fillers
# that are letters to Unicode but blank on screen.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Cs", "Co", "Cn", "Mn", "Me"})
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u17b4\u17b5")

# Letters NFKC leaves alone: Cyrillic and Greek look-alikes, and the negative circled, negative
# squared and regional-indicator letters (🅦🅦🅦, 🆆🆆🆆, 🇼🇼🇼).
_LOOKALIKES = str.maketrans(
    {
        **dict(zip("аеорсухіјѕԁӏԛԝвмнтк", "aeopcyxijsdlqwbmhtk", strict=True)),
        **dict(zip("οαρνικτυχ", "oapviktux", strict=True)),
        **{0x1F150 + i: chr(ord("a") + i) for i in range(26)},
        **{0x1F170 + i: chr(ord("a") + i) for i in range(26)},
        **{0x1F1E6 + i: chr(ord("a") + i) for i in range(26)},
    }
)
_CHINESE_DIGITS = str.maketrans("〇零一二三四五六七八九幺", "001234567891")
_SPACES = re.compile(r"\s+")


def _visible(text: str) -> str:
    """NFKC-folded and lower-cased, every invisible character removed, every run of white space one
    space, look-alike letters as the Latin letters they imitate."""
    folded = unicodedata.normalize("NFKC", text)
    kept = []
    for ch in folded:
        if ch.isspace():
            kept.append(" ")
        elif ch not in _BLANK_LETTERS and unicodedata.category(ch) not in _INVISIBLE_CATEGORIES:
            kept.append(ch)
    return _SPACES.sub(" ", "".join(kept)).lower().translate(_LOOKALIKES)


def _compact(visible: str) -> str:
    """Letters and digits only: "网 赌", "网|赌" and "Q Q 1 2 3" read as "网赌" and "qq123"."""
    return "".join(ch for ch in visible if ch.isalnum())


def normalised(text: str) -> str:
    """Lower-case letters and digits only, full-width folded and invisible characters removed:
    spacing and punctuation tricks ignored."""
    return _compact(_visible(text))


def fingerprint(text: str) -> str:
    return hashlib.sha256(normalised(text).encode()).hexdigest()


# Links

_SCHEME = re.compile(r"(?:https?|ftp)://|www\.|xn--[a-z0-9]")
# Any ASCII label and top-level domain. Bounded label lengths (a domain label has at most 63
# characters) keep the search linear.
_ASCII_DOMAIN = re.compile(r"(?<![a-z0-9-])([a-z0-9][a-z0-9-]{0,62})\.([a-z]{2,63})(?![a-z])")
# Top-level domains that follow an all-digit label ("163.com") or a Chinese one ("例子.com"):
# a short list, so that "3.5km" and "照片.jpg" are not addresses.
_COMMON_TLDS = (
    "com net org cn cc tv xxx live top xyz vip info io shop site club link online store biz "
    "wang ren icu ltd ink asia mobi tw hk mo ws bet casino poker porn sex adult cam webcam"
)
COMMON_TLDS = frozenset(_COMMON_TLDS.split())
_FILE_EXTENSIONS = (
    "jpg jpeg png gif bmp webp heic pdf doc docx xls xlsx ppt pptx txt csv mp3 mp4 mov avi wav zip rar"
)
FILE_EXTENSIONS = frozenset(_FILE_EXTENSIONS.split())
# A dot however it is written between the parts of an address: "(.)", "[点]", "点", "點", "丶" or
# " dot ", with or without a space around it (white space is a single space by now). A "。" only
# before a common top-level domain: "连不上WiFi。App也打不开" is two sentences.
_BRACKETED_DOT = re.compile(r"[(\[{<【〔「（] ?(?:\.|。|点|點|dot) ?[)\]}>】〕」）]")
_WORD_DOT = re.compile(r"(?<=[a-z0-9]) ?(?:[.点點丶]| dot ) ?(?=[a-z])")
_STOP_DOT = re.compile(rf"(?<=[a-z0-9]) ?。 ?(?=(?:{'|'.join(sorted(COMMON_TLDS))})(?![a-z]))")
# After a Chinese label ("例子.com") fewer still, since "坏了.App也打不开" is a sentence too.
_IDN_ASCII_TLDS = "com|net|org|cn|cc|xxx|xyz|top|vip|wang"
# Chinese and other non-ASCII top-level domains; they end the word, since "物业说找公司。公司说
# 找物业" (or with "." as the full stop) is a sentence, not an address.
_IDN_TLDS = (
    "中国|中國|公司|网络|網絡|网址|网店|网站|在线|在線|商城|商店|集团|手机|我爱你|游戏|企业|信息|"
    "购物|娱乐|商标|香港|台湾|台灣|新加坡|政务|公益|时尚|广东|佛山|世界|健康|移动|联通|电讯|八卦|"
    "中文网|рф|pф"
)
_IDN_DOMAIN = re.compile(rf"(?<=\w)[.。](?:{_IDN_TLDS})(?!\w)")
_IDN_LABEL_ASCII_TLD = re.compile(rf"(?<=[^\W\x00-\x7f])[.。](?:{_IDN_ASCII_TLDS})(?![a-z])")


def _dotted(visible: str) -> str:
    return _STOP_DOT.sub(".", _WORD_DOT.sub(".", _BRACKETED_DOT.sub(".", visible)))


def _has_link_in(text: str) -> bool:
    if _SCHEME.search(text) or _IDN_DOMAIN.search(text) or _IDN_LABEL_ASCII_TLD.search(text):
        return True
    for match in _ASCII_DOMAIN.finditer(text):
        label, tld = match.groups()
        if tld in FILE_EXTENSIONS:
            continue
        if label.isdigit() and tld not in COMMON_TLDS:
            continue  # "3.5km", "1.2m²": a measure, not an address
        return True
    return False


def has_link(visible: str) -> bool:
    """An address in any spelling: with or without spaces, any dot, any top-level domain."""
    dotted = _dotted(visible)
    return _has_link_in(dotted) or _has_link_in(dotted.replace(" ", ""))


# Contacts

# Phone numbers in any spacing or dotting, and landlines, in the text as written.
# A few spacing characters between digits ("139 - 1234 - 5678" was published), not just one.
_PHONE = re.compile(r"(?<!\d)1[3-9]\d(?:[\s.·_/\-]{0,3}\d){8}(?!\d)|0\d{2,3}[\s.·-]?\d{7,8}")
# QQ / WeChat handles offered for "services", in the compact text, so "Q Q ： 1 2 3 4 5" and
# "微 信 abc123" are found too.
_HANDLE = re.compile(
    r"(?:qq|扣扣|企鹅)(?:号码|号|群)?\d{5,11}"
    r"|(?:微信|威信|薇信|徽信|维信|v信|vx|wx|weixin|wechat|加v|加微)(?:号码|号)?[a-z0-9]{5,}"
)


def has_contact(visible: str) -> bool:
    """A mobile, landline, QQ or WeChat contact, also spelled with Chinese numerals."""
    spelled = visible.translate(_CHINESE_DIGITS)
    return bool(
        _PHONE.search(visible)
        or _PHONE.search(spelled)
        or _HANDLE.search(_compact(visible))
        or _HANDLE.search(_compact(spelled))
    )


# The sensitive-word lexicon


@dataclass(frozen=True)
class LexiconWord:
    word: str
    category: str


def read_lexicon_file(path: Path) -> dict[str, LexiconWord]:
    """The words of a lexicon file by their normalised form (see lexicon/default.txt)."""
    words: dict[str, LexiconWord] = {}
    category = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("# section:"):
            category = line.removeprefix("# section:").strip()
        elif line and not line.startswith("#"):
            key = normalised(line)
            if len(key) >= 2:
                words.setdefault(key, LexiconWord(line, category))
    return words


@lru_cache(maxsize=1)
def shipped_lexicon() -> dict[str, LexiconWord]:
    return read_lexicon_file(DEFAULT_LEXICON)


_automaton_lock = threading.Lock()
_automaton: tuple[tuple, ahocorasick.Automaton | None] | None = None


def _lexicon_version() -> tuple:
    """Changes whenever a word is added, deleted, switched on or off, or edited, in any process:
    one aggregate query instead of the whole table."""
    from huizhi.wall.models import SensitiveWord

    state = SensitiveWord.objects.aggregate(
        rows=Count("id"),
        active=Count("id", filter=Q(is_active=True)),
        top=Max("id"),
        latest=Max("updated_at"),
    )
    return (state["rows"], state["active"], state["top"], state["latest"])


def _build_automaton() -> ahocorasick.Automaton | None:
    from huizhi.wall.models import SensitiveWord

    words = dict(shipped_lexicon())
    for word, category, is_active in SensitiveWord.objects.values_list("word", "category", "is_active"):
        key = normalised(word)
        if len(key) < 2:
            continue
        if is_active:
            words[key] = LexiconWord(word, category)
        else:
            words.pop(key, None)  # a moderator switched a shipped word off
    if not words:
        return None
    automaton = ahocorasick.Automaton()
    for key, entry in words.items():
        automaton.add_word(key, entry)
    automaton.make_automaton()
    return automaton


def lexicon_automaton() -> ahocorasick.Automaton | None:
    """The lexicon as one automaton, built once per process and again when the words change."""
    global _automaton
    version = _lexicon_version()
    current = _automaton
    if current is not None and current[0] == version:
        return current[1]
    with _automaton_lock:
        if _automaton is None or _automaton[0] != version:
            _automaton = (version, _build_automaton())
        return _automaton[1]


def lexicon_matches(text: str) -> list[str]:
    """The lexicon words in the text, as the lexicon writes them, each once, in order of place."""
    automaton = lexicon_automaton()
    if automaton is None:
        return []
    found: dict[str, None] = {}
    for _end, entry in automaton.iter(normalised(text)):
        found.setdefault(entry.word)
    return list(found)


# The shape of a link farm: a list of titles

# Separators link farms put between titles and residents do not put between phrases.
_LIST_SEPARATORS = frozenset("|¦‖∣│┃︱丨/★☆●○◆◇■□▲△▶►▸→•·◎※♦♠♣♥❤【】[]")
_SENTENCE_MARKS = frozenset("。!?,;")
LIST_MIN_TITLES = 6  # with the separators above
LIST_MIN_TITLES_SPACED = 12  # with only spaces, line breaks or 、 between them
LIST_MAX_TITLE = 10  # a title is short: its median length in letters and digits


def looks_like_title_list(visible: str) -> bool:
    """Many short segments, joined by separators, with few sentence marks between them.

    Residents write sentences, or phrases with spaces; link farms string titles together with
    "|" (or, with spaces only, a dozen or more of them)."""
    lengths: list[int] = []  # of the titles: runs of letters and digits with a letter in them
    strong_gaps = mark_gaps = 0  # gaps between titles with a separator, with a sentence mark
    run, has_letter = 0, False
    gap_strong = gap_mark = False
    for ch in visible + "\n":
        if ch.isalnum() and ch != "丨":
            run += 1
            has_letter = has_letter or not ch.isdigit()
            continue
        if run and has_letter:  # a number alone ("2024/3/15") is part of the gap, not a title
            if lengths:
                strong_gaps += gap_strong
                mark_gaps += gap_mark
            lengths.append(run)
            gap_strong = gap_mark = False
        run, has_letter = 0, False
        gap_strong = gap_strong or ch in _LIST_SEPARATORS
        gap_mark = gap_mark or ch in _SENTENCE_MARKS
    titles = len(lengths)
    if titles < LIST_MIN_TITLES:
        return False
    median = statistics.median(lengths)
    if median > LIST_MAX_TITLE or mark_gaps > titles // 6:
        return False
    if strong_gaps >= LIST_MIN_TITLES - 1 and strong_gaps * 2 >= titles - 1:
        return True
    # With spaces only, a title list has a dozen titles of a few characters each; words spaced
    # out one by one ("楼上 漏水 三天 了") are shorter.
    return titles >= LIST_MIN_TITLES_SPACED and median >= 3


# Spam patterns kept by moderators


def _matches_pattern(visible: str) -> bool:
    from huizhi.wall.models import SpamPattern

    compact = _compact(visible)
    for pattern, is_regex in SpamPattern.objects.filter(is_active=True).values_list("pattern", "is_regex"):
        if is_regex:
            try:
                if re.search(pattern, visible, re.IGNORECASE):
                    return True
            except re.error:
                continue  # a broken pattern must not stop residents posting
        elif pattern.lower() in visible or (len(key := normalised(pattern)) >= 2 and key in compact):
            return True
    return False


def hold_reasons(
    *, title: str, description: str, post_fingerprint: str, exclude_post_id: int | None
) -> list[str]:
    """The reason codes for holding this text, in HOLD_REASONS order; empty means publish. Never a
    rejection: a held post waits for a moderator."""
    from huizhi.wall.models import Post, Stage

    visible = _visible(f"{title}\n{description}")
    reasons = []
    if has_link(visible):
        reasons.append("link")
    if has_contact(visible):
        reasons.append("contact")
    if lexicon_matches(visible):
        reasons.append("lexicon")
    if looks_like_title_list(visible):
        reasons.append("list")
    if len(normalised(description)) >= REPEAT_MIN_LENGTH:
        earlier = (
            Post.objects.filter(fingerprint=post_fingerprint, created_at__gte=timezone.now() - REPEAT_WINDOW)
            .exclude(stage=Stage.DRAFT)
            .exclude(Q(pk=exclude_post_id) if exclude_post_id else Q(pk__in=[]))
        )
        if earlier.exists():
            reasons.append("repeated")
    if _matches_pattern(visible):
        reasons.append("pattern")
    # Last and only ever adding: the learnt score holds what the rules cannot name, for a person
    # to decide; with no model trained it says nothing (huizhi.wall.spamscore).
    from huizhi.wall.spamscore import reads_like_spam

    if reads_like_spam(title, description):
        reasons.append("score")
    return reasons
