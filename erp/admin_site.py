"""The project's admin site: Django's, plus the operations dashboard at /admin/dashboard/ (staff)."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import path
from django.utils.translation import gettext_lazy as _


class ErpAdminSite(admin.AdminSite):
    site_header = _("ERP data sync")
    site_title = _("ERP data sync")
    index_title = _("Operations")

    def get_urls(self):
        from sync.admin_dashboard import operations_dashboard

        return [path("dashboard/", self.admin_view(operations_dashboard), name="operations-dashboard"),
                *super().get_urls()]


class ErpAdminConfig(AdminConfig):
    default_site = "erp.admin_site.ErpAdminSite"
