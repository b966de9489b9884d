from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from attachment_guide.spaces.models import Space

# A problem report's comment: a few sentences, not a letter.
PROBLEM_COMMENT_MAX_LENGTH = 500


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


class ProblemReportQuerySet(models.QuerySet):
    def received_since(self, when) -> ProblemReportQuerySet:
        return self.filter(received__gte=when)


class ProblemReport(models.Model):
    """A reader's note that something in a lesson needs fixing, kept for the operator.

    It holds what the reader chose to send and nothing about them: no space, session, address
    or browser, and its time only to the hour, so it cannot be matched with a server log.
    """

    class Kind(models.TextChoices):
        UNCLEAR = "unclear", _("Something is hard to understand")
        WRONG = "wrong", _("Something seems wrong or out of date")
        LINK = "link", _("A link does not work")
        UPSETTING = "upsetting", _("It upset me in a way I did not expect")
        OTHER = "other", _("Something else")

    module_slug = models.CharField(max_length=80)
    lesson_slug = models.CharField(max_length=80)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    comment = models.TextField(blank=True, max_length=PROBLEM_COMMENT_MAX_LENGTH)
    received = models.DateTimeField(help_text="Rounded down to the hour.")

    objects = ProblemReportQuerySet.as_manager()

    class Meta:
        ordering = ["-received", "-id"]
        indexes = [models.Index(fields=["received"], name="problem_report_received")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.module_slug}/{self.lesson_slug}"
