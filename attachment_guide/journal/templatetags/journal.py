from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict, key: str):
    """`{{ reflections|get_item:prompt.id }}`: look a value up by a variable key."""
    return mapping.get(key)
