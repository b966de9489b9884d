from __future__ import annotations

from django.conf import settings
from django.db import models


class RecoveryCode(models.Model):
    """The one way back into an account without email: a code shown once, stored hashed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_code"
    )
    code_hash = models.CharField(max_length=255)
    created = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Recovery code of user {self.user_id}"


class LoginThrottle(models.Model):
    """Failed attempts for one (username, address) pair, kept in the database so that every
    app server sees the same count."""

    key = models.CharField(max_length=64, unique=True, help_text="A hash; no username stored.")
    failures = models.PositiveIntegerField(default=0)
    window_start = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.failures} failures since {self.window_start:%Y-%m-%d %H:%M}"
