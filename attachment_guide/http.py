"""Small response helpers shared by the apps."""

from __future__ import annotations

import functools

from django.conf import settings
from django.http import HttpResponse
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.cache import patch_cache_control


def private(response: HttpResponse) -> HttpResponse:
    """A page that may show what a person wrote or read never enters any cache."""
    patch_cache_control(response, no_store=True, private=True)
    return response


def reverse_once(name: str, *args: str) -> str:
    """`reverse(name, args=args)`, worked out once: for the addresses of lessons and prompts,
    which every lesson page needs and the catalog bounds (resolving was a tenth of a page).
    Never for ids of people's entries: there is no end to those."""
    return _reversed(name, args, get_script_prefix(), get_urlconf(settings.ROOT_URLCONF))


@functools.lru_cache(maxsize=4096)
def _reversed(name: str, args: tuple[str, ...], prefix: str, urlconf: str) -> str:
    return reverse(name, args=args)
