from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from lessons.content import get_catalog
from lessons.models import ProblemReport


class LessonFilter(admin.SimpleListFilter):
    title = _("lesson")
    parameter_name = "lesson"

    def lookups(self, request, model_admin):
        reported = set(ProblemReport.objects.values_list("module_slug", "lesson_slug").distinct())
        catalog = get_catalog()
        choices = []
        for module_slug, lesson_slug in sorted(reported):
            lesson = catalog.lesson(module_slug, lesson_slug)
            choices.append(
                (f"{module_slug}/{lesson_slug}", lesson.title if lesson else lesson_slug)
            )
        return choices

    def queryset(self, request, queryset):
        if not self.value() or "/" not in self.value():
            return queryset
        module_slug, lesson_slug = self.value().split("/", 1)
        return queryset.filter(module_slug=module_slug, lesson_slug=lesson_slug)


@admin.register(ProblemReport)
class ProblemReportAdmin(admin.ModelAdmin):
    """Read-only: readers wrote these; staff read them and may delete them once dealt with."""

    list_display = ["lesson", "kind", "received_on", "comment"]
    list_filter = [LessonFilter, "kind"]
    date_hierarchy = "received"
    fields = ["lesson", "kind", "received_on", "comment"]
    readonly_fields = fields

    @admin.display(description=_("lesson"), ordering="lesson_slug")
    def lesson(self, report: ProblemReport) -> str:
        lesson = get_catalog().lesson(report.module_slug, report.lesson_slug)
        title = lesson.title if lesson else _("(no longer in the lessons)")
        return f"{title} ({report.module_slug}/{report.lesson_slug})"

    @admin.display(description=_("received"), ordering="received")
    def received_on(self, report: ProblemReport):
        return report.received.date()

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
