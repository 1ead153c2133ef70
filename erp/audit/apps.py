from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "erp.audit"
    label = "audit"  # its tables, migrations and model references keep the short name
    verbose_name = _("Audit trail")

    def ready(self):
        from erp.audit import history

        history.register_models()
