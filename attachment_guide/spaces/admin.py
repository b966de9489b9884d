from __future__ import annotations

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from attachment_guide.spaces.models import Space


@admin.register(Space)
class SpaceAdmin(admin.ModelAdmin):
    """Spaces by their metadata only. Nothing a person wrote is shown or searchable here:
    entries and progress appear as counts, and search looks at the space's id alone."""

    list_display = ["id", "created", "last_saved", "account", "entry_count", "lessons_read"]
    list_filter = [("user", admin.EmptyFieldListFilter), "created"]
    search_fields = ["=id"]
    ordering = ["-created"]
    fields = list_display
    readonly_fields = fields

    def get_queryset(self, request):
        # Counting happens in the database; no entry row (and so no text) is ever loaded.
        return (
            super()
            .get_queryset(request)
            .select_related("user")
            .annotate(
                entry_count=Count("entries", distinct=True),
                lessons_read=Count("progress", distinct=True),
            )
        )

    @admin.display(description=_("account"), ordering="user__username")
    def account(self, space: Space) -> str:
        return space.user.username if space.user else _("guest")

    @admin.display(description=_("journal entries"), ordering="entry_count")
    def entry_count(self, space: Space) -> int:
        return space.entry_count

    @admin.display(description=_("lessons with progress"), ordering="lessons_read")
    def lessons_read(self, space: Space) -> int:
        return space.lessons_read

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
