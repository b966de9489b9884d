from __future__ import annotations

from django.apps import AppConfig


class SpacesConfig(AppConfig):
    name = "attachment_guide.spaces"
    label = "spaces"
    verbose_name = "Private spaces"
