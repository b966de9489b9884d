from __future__ import annotations

from django.apps import AppConfig


class JournalConfig(AppConfig):
    name = "attachment_guide.journal"
    label = "journal"
    verbose_name = "Journal"
