from __future__ import annotations

from django.apps import AppConfig


class CircleConfig(AppConfig):
    name = "attachment_guide.circle"
    label = "circle"
    verbose_name = "Support circle"
