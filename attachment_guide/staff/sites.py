from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from attachment_guide.accounts.services import throttle_attempt, throttle_clear, throttle_key
from lessons.totals import SMALL_COUNT, totals_collect


class StaffLoginForm(AdminAuthenticationForm):
    """The admin's login, throttled like the site's own: after 5 failures for one name from
    one address, 15 minutes of refusals, counted in the database."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        if not (username and self.cleaned_data.get("password")):
            return super().clean()  # no password checked: nothing to count, nothing to clear
        attempt = throttle_attempt(key=throttle_key(self.request, username=username))
        if attempt is None:
            raise ValidationError(
                _("Too many attempts with this name. Please wait 15 minutes, then try again."),
                code="throttled",
            )
        cleaned = super().clean()  # a wrong password raises, and stays counted
        throttle_clear(attempt=attempt)
        return cleaned


class StaffSite(admin.AdminSite):
    site_header = _("Attachment Guide staff")
    site_title = _("Attachment Guide staff")
    index_title = _("Metadata only: what people write is never shown here")
    index_template = "admin/staff_index.html"
    login_form = StaffLoginForm

    def get_urls(self):
        totals = path("totals/", self.admin_view(self.totals_view), name="totals")
        return [totals, *super().get_urls()]

    def totals_view(self, request: HttpRequest) -> HttpResponse:
        ctx = {
            **self.each_context(request),
            "title": _("Anonymous totals"),
            "totals": totals_collect(),
            "small_count": SMALL_COUNT,
        }
        return TemplateResponse(request, "admin/totals.html", ctx)
