"""Chinese text takes the full-width colon (需求：), never the ASCII one (需求:) (issue 18).

Two ways an ASCII colon reaches a Chinese page: a translation that writes one, and a template that
puts one after a translated label (`{% translate "Call" %}:` reads 呼叫:). The label's colon
belongs inside the message (`{% translate "Call:" %}`), so each language writes its own.
"""

import re
from pathlib import Path

import polib
import pytest

HUIZHI = Path(__file__).resolve().parents[2]
CATALOG = HUIZHI / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"

CJK = "\u3400-\u9fff\u3000-\u303f\uff00-\uffef"
# An ASCII colon right after a Chinese character or punctuation (a time 12:30 or a ratio 1:5 has
# a digit before it, a URL's scheme a Latin letter).
COLON_AFTER_CHINESE = re.compile(rf"[{CJK}]:")
# A colon right after a translated label in a template.
COLON_AFTER_LABEL = re.compile(r"""\{%\s*(?:translate|trans)\s+(["'])[^"']*\1\s*%\}:""")
NOT_YET: tuple[str, ...] = ()  # every template is checked now (the statistics' too)


def half_width_colons(text: str) -> list[str]:
    return [text[max(0, m.start() - 10) : m.end() + 10] for m in COLON_AFTER_CHINESE.finditer(text)]


def test_the_finders_tell_chinese_from_times_ratios_and_urls():
    assert half_width_colons("需求: 修水管")
    assert half_width_colons("（已关闭）: ")
    assert not half_width_colons("需求：修水管，12:30，按1:5的配比，见 https://example.org")
    assert COLON_AFTER_LABEL.search('<p>{% translate "Call" %}: {{ x }}</p>')
    assert not COLON_AFTER_LABEL.search('<p>{% translate "Call:" %} {{ x }}</p>')


def test_no_translation_writes_a_half_width_colon_after_chinese():
    found = {}
    for entry in polib.pofile(str(CATALOG)):
        for text in (entry.msgstr, *entry.msgstr_plural.values()):
            if bad := half_width_colons(text):
                found[entry.msgid] = bad
    assert found == {}


@pytest.mark.parametrize("suffix", ["html", "txt"])
def test_no_template_puts_a_colon_after_a_translated_label(suffix):
    found = [
        f"{path.relative_to(HUIZHI)}:{number}: {line.strip()[:100]}"
        for path in sorted(HUIZHI.rglob(f"templates/**/*.{suffix}"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if COLON_AFTER_LABEL.search(line) and not str(path.relative_to(HUIZHI)).startswith(NOT_YET)
    ]
    assert found == [], "\n".join(found)
