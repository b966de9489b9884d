from __future__ import annotations

from django.urls import path

from attachment_guide.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.account, name="account"),
    path("signup/", views.signup, name="signup"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("recover/", views.recover, name="recover"),
    path("delete/", views.delete_everything, name="delete"),
    path("recovery-code/", views.new_recovery_code, name="recovery_code"),
]
