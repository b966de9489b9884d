"""The Django admin for staff: metadata only, never what a person wrote.

`apps.StaffAdminConfig` replaces `django.contrib.admin` in INSTALLED_APPS so that the default
admin site is `sites.StaffSite`: a throttled login and the anonymous totals page.
"""
