from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict, key):
    """{{ labels|get_item:key }}: look a key up in a dict (templates cannot subscript)."""
    return mapping.get(key, key)
