"""Plain text as every service takes it (core.text.clean_plain_text): trimmed, bounded, no markup,
and no control that shows the text in another order than it is stored."""

import pytest
from django.core.exceptions import ValidationError

from huizhi.core.text import clean_plain_text

pytestmark = pytest.mark.no_demo


@pytest.mark.parametrize("control", ["\u202e", "\u202a", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069"])
def test_a_bidirectional_control_is_refused_with_the_field_named(control):
    with pytest.raises(ValidationError) as refused:
        clean_plain_text(f"停水通知{control}gnp.exe", label="Title")
    assert refused.value.code == "bidi_control"
    assert "Title" in refused.value.messages[0]


@pytest.mark.parametrize(
    "text",
    [
        "停水通知：明日8:00-17:00",
        "Arabic words read right to left: مرحبا",
        "零宽连接\u200d符号不改变顺序",
        "5>3",
    ],
)
def test_ordinary_text_in_any_script_passes_unchanged(text):
    assert clean_plain_text(f"  {text}  ", label="Title") == text
