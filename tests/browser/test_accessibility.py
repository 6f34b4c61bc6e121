"""What axe-core alone does not prove: the skip link works from the keyboard, and the check bites."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import assert_accessible


def test_the_first_tab_offers_to_skip_the_navigation_and_lands_in_main(page, shot):
    page.goto("/")
    skip = page.locator("a.skip-link")
    expect(skip).not_to_be_in_viewport()  # hidden until focused
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    shot(page, "skip-link-focused")
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    assert page.locator("link[rel=icon]").get_attribute("href").endswith("/huizhi/favicon.svg")


def test_the_axe_check_fails_a_page_with_a_serious_fault(page):
    page.goto("/")
    page.evaluate(
        """() => { const p = document.createElement('p'); p.textContent = '看不清的字';
        p.setAttribute('class', 'muted'); p.style.color = '#ddd'; document.querySelector('main').append(p); }"""
    )
    with pytest.raises(AssertionError, match=r"\[serious\] color-contrast"):
        assert_accessible(page, "home with a faint line")
