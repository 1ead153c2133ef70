from django.urls import path

from erp.audit.api import AuditRecordListView

urlpatterns = [path("audit-log", AuditRecordListView.as_view(), name="audit-log")]
