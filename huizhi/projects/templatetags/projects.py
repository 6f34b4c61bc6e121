from django import template

from huizhi.core.text import mask_typed_personal_numbers

register = template.Library()


@register.filter
def masked(text: str) -> str:
    """Free text as an outside unit reads it: mobiles and ID numbers typed into it masked."""
    return mask_typed_personal_numbers(text or "")
