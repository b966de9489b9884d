from __future__ import annotations

from django.urls import path

from attachment_guide.circle import views

app_name = "circle"
urlpatterns = [
    path("", views.index, name="index"),
    path("add/", views.add, name="add"),
    path("start/", views.start, name="start"),
    path("<uuid:member_id>/", views.member, name="member"),
    path("<uuid:member_id>/remove/", views.remove, name="remove"),
]
