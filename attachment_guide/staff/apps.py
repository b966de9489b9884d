from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    # Imported only once the app registry is ready: the site module needs the models.
    default_site = "attachment_guide.staff.sites.StaffSite"
