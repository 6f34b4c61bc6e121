"""`{% load lookup %}`: a dict lookup for templates, which cannot subscript with a variable key."""

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """{{ mapping|get_item:key }}: the value under `key`, or None when there is none.

    None-safe: a mapping missing from the context reaches a filter as "" and answers None rather than
    failing the page. To show the key itself when a labels dict lacks it:
    {{ labels|get_item:key|default_if_none:key }}."""
    return mapping.get(key) if mapping else None
