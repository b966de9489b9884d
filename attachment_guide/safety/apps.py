from __future__ import annotations

from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "attachment_guide.safety"
    label = "safety"
    verbose_name = "Safety and support"

    def ready(self) -> None:
        from attachment_guide.safety import checks  # noqa: F401  (registers the check)
