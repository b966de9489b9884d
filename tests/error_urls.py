"""The real URLs plus one that fails, to see the 500 page as a person would."""

from __future__ import annotations

from django.urls import path

from attachment_guide.urls import urlpatterns as site_urlpatterns


def broken(request):
    raise RuntimeError("something broke")


urlpatterns = [*site_urlpatterns, path("broken/", broken)]
