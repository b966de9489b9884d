from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.models import User
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

# Django's own UserAdmin shows the password hash and offers password forms; this one shows
# accounts by their metadata only, and staff can change only who is staff or active.
admin.site.unregister(User)


# What staff may read about an account, and the flags they may change.
METADATA = ["username", "date_joined", "last_login", "space_last_saved", "entry_count"]
FLAGS = ["is_active", "is_staff", "is_superuser"]


@admin.register(User)
class AccountAdmin(admin.ModelAdmin):
    list_display = [*METADATA, "is_active", "is_staff"]
    list_filter = FLAGS
    search_fields = ["username"]
    ordering = ["-date_joined"]
    fields = [*METADATA, *FLAGS, "groups"]
    readonly_fields = METADATA
    filter_horizontal = ["groups"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("space")
            .annotate(entry_count=Count("space__entries"))
        )

    @admin.display(description=_("last saved"), ordering="space__last_saved")
    def space_last_saved(self, user: User):
        space = getattr(user, "space", None)
        return space.last_saved if space else None

    @admin.display(description=_("journal entries"), ordering="entry_count")
    def entry_count(self, user: User) -> int:
        return user.entry_count

    def has_add_permission(self, request) -> bool:
        return False
