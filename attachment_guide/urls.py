from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from attachment_guide.safety import views as safety
from attachment_guide.spaces import views as spaces
from lessons import views

urlpatterns = [
    path("", views.home, name="home"),
    path("lessons/<slug:module_slug>/", views.module_detail, name="module"),
    path("lessons/<slug:module_slug>/<slug:lesson_slug>/", views.lesson_detail, name="lesson"),
    path(
        "lessons/<slug:module_slug>/<slug:lesson_slug>/progress/",
        views.lesson_progress_update,
        name="lesson_progress",
    ),
    path(
        "lessons/<slug:module_slug>/<slug:lesson_slug>/report/",
        views.lesson_report,
        name="lesson_report",
    ),
    path(
        "lessons/<slug:module_slug>/<slug:lesson_slug>/report/sent/",
        views.lesson_report_sent,
        name="lesson_report_sent",
    ),
    path("glossary/", views.glossary, name="glossary"),
    path("accounts/", include("attachment_guide.accounts.urls")),
    path("journal/", include("attachment_guide.journal.urls")),
    path("circle/", include("attachment_guide.circle.urls")),
    path("support/", safety.support, name="support"),
    path("privacy/", safety.privacy, name="privacy"),
    path("grounding/", safety.grounding, name="grounding"),
    path("exit/", safety.quick_exit, name="exit"),
    path("settings/", spaces.settings_view, name="settings"),
    path("lock/", spaces.lock_view, name="lock"),
    path("lock/erase/", spaces.erase, name="lock_erase"),
    path("healthz", views.healthz, name="healthz"),
    path(settings.ADMIN_PATH, admin.site.urls),
]

handler404 = views.page_not_found
