"""The phone menu for every demo role (issue 18): at 390 px the page after signing in never scrolls
sideways, the menu wraps instead of overflowing out of sight, and every link it shows opens for
that role (a menu that offers a page the role is refused is a menu of someone else's work)."""

import pytest

from huizhi.site.demo.people import ACCOUNTS
from tests.browser.helpers import PHONE, is_signed_in, login

WIDTH = PHONE["viewport"]["width"]

# Each demo account but the administrator (the admin is a desktop tool), as it signs in:
# residents by their mobile number, everyone else by username.
SIGN_INS = [
    mobile if role is None and mobile else username
    for username, _name, mobile, role, _how in ACCOUNTS
    if username != "admin"
]

# Every box of the menu whose content is wider than the box: content cut off or scrolled unseen.
_OVERFLOWING = """() => [...document.querySelectorAll('.topnav, .topnav .navgroup, .topbar')]
  .filter(e => e.scrollWidth > e.clientWidth + 1)
  .map(e => `${e.className}: ${e.scrollWidth} > ${e.clientWidth}`)"""
# Every menu link, where it is drawn and whether it is inside the screen.
_LINKS = """() => [...document.querySelectorAll('.topnav a')].map(a => {
  const box = a.getBoundingClientRect();
  return {href: a.getAttribute('href'), text: a.textContent.trim(), left: box.left, right: box.right};
})"""


@pytest.mark.parametrize("sign_in", SIGN_INS)
def test_the_phone_menu_fits_and_offers_only_what_the_role_opens(new_page, shot, sign_in):
    page = new_page(**PHONE)
    login(page, sign_in)
    assert is_signed_in(page), f"{sign_in} could not sign in"
    shot(page, f"{sign_in}-after-sign-in")

    assert page.evaluate("window.innerWidth") == WIDTH
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= WIDTH, f"{page.url} scrolls sideways for {sign_in}: {scroll_width}px"
    assert page.evaluate(_OVERFLOWING) == [], "the menu overflows its box"

    links = page.evaluate(_LINKS)
    assert links, f"{sign_in} sees no menu"
    off_screen = [link["text"] for link in links if link["left"] < 0 or link["right"] > WIDTH + 1]
    assert off_screen == [], f"menu links outside the screen: {off_screen}"

    refused = {}
    for link in links:
        response = page.request.get(link["href"])
        if response.status >= 400:
            refused[link["text"]] = f"{link['href']} → {response.status}"
    assert refused == {}, f"the menu offers {sign_in} pages it cannot open"
