"""Addresses that pages build many times: reversed once per process, then reused or filled in.

Django's `reverse` walks the URLconf and checks the arguments against the pattern on every call,
~36 µs each: a queue page asked it some eighty times (a link per row, an entry per item of the
navigation bar), ~3 ms of a page's CPU. The URLconf does not change while a process runs and no
pattern is per language here, so an address depends only on its name, its arguments and the script
prefix the app is served under (part of each key).
"""

from functools import lru_cache

from django.urls import get_script_prefix, reverse

# A number no pattern holds, to find where an object's number goes in its reversed address.
_SLOT = 987654321987


def link(viewname: str) -> str:
    """`reverse(viewname)` for an address without arguments."""
    return _link(viewname, get_script_prefix())


def link_to(viewname: str, pk: int) -> str:
    """`reverse(viewname, args=[pk])` for an address whose one argument is an object's number."""
    head, tail = _halves(viewname, get_script_prefix())
    return f"{head}{int(pk)}{tail}"


# Bounded, though the keys are few (names × prefixes): the script prefix comes from the request's
# SCRIPT_NAME, which only the app's own proxy can set.
@lru_cache(maxsize=1024)
def _link(viewname: str, _prefix: str) -> str:
    return reverse(viewname)


@lru_cache(maxsize=1024)
def _halves(viewname: str, _prefix: str) -> tuple[str, str]:
    address = reverse(viewname, args=[_SLOT])
    head, slot, tail = address.partition(str(_SLOT))
    assert slot and str(_SLOT) not in tail, address  # the number appears once, as itself
    return head, tail
