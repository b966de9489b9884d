"""Small response helpers shared by the apps."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.cache import patch_cache_control


def private(response: HttpResponse) -> HttpResponse:
    """A page that may show what a person wrote or read never enters any cache."""
    patch_cache_control(response, no_store=True, private=True)
    return response
