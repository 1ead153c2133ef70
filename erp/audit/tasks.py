"""Thin beat job: the audit trail's retention."""

import logging

from celery import shared_task
from django.conf import settings

from erp.audit.services import audit_records_trim

logger = logging.getLogger(__name__)


@shared_task(name="audit.tasks.trim_audit_log")
def trim_audit_log() -> int:
    removed = audit_records_trim(older_than_days=settings.ERP_AUDIT_RETENTION_DAYS)
    logger.info("audit trail: %d records older than %d days removed", removed, settings.ERP_AUDIT_RETENTION_DAYS)
    return removed
