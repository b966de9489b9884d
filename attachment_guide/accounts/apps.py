from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "attachment_guide.accounts"
    label = "accounts"
    verbose_name = "Accounts"
