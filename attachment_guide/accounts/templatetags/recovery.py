from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def code_groups(code: str) -> list[str]:
    """A recovery code's groups, each with the dash that follows it ("ABCDE-", …, "STUVW"):
    the page lets a line break only between groups, never inside one."""
    groups = code.split("-")
    return [f"{group}-" for group in groups[:-1]] + groups[-1:]
