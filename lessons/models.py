from __future__ import annotations

from django.db import models
from django.utils import timezone

from attachment_guide.spaces.models import Space


class ProgressQuerySet(models.QuerySet):
    def owned_by(self, space_id) -> ProgressQuerySet:
        if space_id is None:
            return self.none()
        return self.filter(space_id=space_id)

    def latest_first(self) -> ProgressQuerySet:
        return self.order_by("-updated")


class LessonProgress(models.Model):
    """How far one space has read in one lesson. Lessons are known by their slugs."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="progress")
    module_slug = models.CharField(max_length=80)
    lesson_slug = models.CharField(max_length=80)
    section = models.CharField(
        max_length=80, blank=True, help_text="Anchor of the furthest section reached."
    )
    done = models.BooleanField(default=False)
    started = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)
    completed = models.DateTimeField(null=True, blank=True)

    objects = ProgressQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "lesson progress"
        constraints = [
            models.UniqueConstraint(
                fields=["space", "module_slug", "lesson_slug"], name="one_progress_per_lesson"
            )
        ]

    def __str__(self) -> str:
        return f"{self.module_slug}/{self.lesson_slug}"
