from __future__ import annotations

from django.urls import path

from attachment_guide.journal import views

app_name = "journal"
urlpatterns = [
    path("", views.index, name="index"),
    path("write/", views.write, name="write"),
    path("prompts/<slug:prompt_id>/", views.answer, name="answer"),
    path("lessons/<slug:module_slug>/<slug:lesson_slug>/", views.answers, name="answers"),
    path("entries/<uuid:entry_id>/", views.entry, name="entry"),
    path("entries/<uuid:entry_id>/delete/", views.delete, name="delete"),
    path("token/", views.token, name="token"),
    path("export/", views.export, name="export"),
    path("delete/", views.delete_all, name="delete_all"),
]
