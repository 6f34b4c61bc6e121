"""Tags, status pills, clocks and badges pass WCAG AA: their text is at least 4.5:1 against their own
background (issue 18). They are small text (0.8–0.9 rem), so the 3:1 of large text does not apply.

The colours are read from the stylesheets themselves, custom properties (var(--ok)) resolved, so a
colour changed in the CSS is judged here without a browser.
"""

import re
from pathlib import Path

import pytest

HUIZHI = Path(__file__).resolve().parents[2]
APP_CSS = HUIZHI / "core" / "static" / "huizhi" / "css" / "app.css"
STYLESHEETS = sorted(p for p in HUIZHI.glob("*/static/**/*.css") if "swagger" not in p.name)
# A chip is a class named so, or a modifier of one (status-closed, clock-red, tag.warn).
CHIP = re.compile(r"\.(tag|status|badge|pill|chip|clock)(?:-[\w-]+)?\b")
AA_NORMAL_TEXT = 4.5


def relative_luminance(hex_colour: str) -> float:
    digits = hex_colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def rules(css: str) -> list[tuple[str, dict[str, str]]]:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    found = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declarations = dict(
            (name.strip(), value.strip())
            for name, _, value in (d.partition(":") for d in body.split(";"))
            if value.strip()
        )
        for selector in selectors.split(","):
            found.append((selector.strip(), declarations))
    return found


def custom_properties() -> dict[str, str]:
    return {
        name: value
        for selector, declarations in rules(APP_CSS.read_text(encoding="utf-8"))
        if selector == ":root"
        for name, value in declarations.items()
        if name.startswith("--")
    }


def resolve(value: str | None, properties: dict[str, str]) -> str | None:
    if value is None:
        return None
    value = re.sub(r"var\((--[\w-]+)\)", lambda m: properties[m.group(1)], value)
    colour = re.search(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b", value)
    return colour.group(0) if colour else None


def chip_colours() -> dict[str, tuple[str, str]]:
    """Each chip rule's text and background colour; a modifier takes what it leaves out from its
    base chip (.status-closed from .status, .tag.warn from .tag)."""
    properties = custom_properties()
    bases: dict[str, dict[str, str]] = {}
    chips: dict[str, dict[str, str]] = {}
    for path in STYLESHEETS:
        for selector, declarations in rules(path.read_text(encoding="utf-8")):
            colours = {
                key: resolve(declarations.get(name), properties)
                for key, name in (("fg", "color"), ("bg", "background"), ("bg", "background-color"))
                if declarations.get(name)
            }
            if not colours or not (match := CHIP.search(selector)) or ":" in selector or " " in selector:
                continue
            if selector == f".{match.group(1)}":
                bases[match.group(1)] = colours
            chips[f"{path.name} {selector}"] = (match.group(1), colours)
    pairs = {}
    for where, (base, colours) in chips.items():
        own = {**bases.get(base, {}), **{k: v for k, v in colours.items() if v}}
        pairs[where] = (own.get("fg"), own.get("bg"))
    return pairs


def test_the_ratio_is_wcags():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the lightest AA grey
    assert contrast("#2e7d32", "#c8e6c9") < AA_NORMAL_TEXT  # a green on green that fails


def test_the_chips_are_found():
    found = chip_colours()
    assert {"app.css .tag", "app.css .tag.warn", "app.css .status", "app.css .status-closed"} <= set(found)


def test_every_chip_passes_aa():
    failing = {
        where: f"{fg} on {bg}: {contrast(fg, bg):.2f}:1"
        for where, (fg, bg) in chip_colours().items()
        if fg and bg and contrast(fg, bg) < AA_NORMAL_TEXT
    }
    assert failing == {}


def test_every_chip_names_both_colours():
    # A chip with its text colour but no background of its own sits on whatever is behind it.
    assert [where for where, (fg, bg) in chip_colours().items() if not (fg and bg)] == []
