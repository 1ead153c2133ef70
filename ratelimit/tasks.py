import logging

from celery import shared_task

from ratelimit.services import rate_limit_events_trim

logger = logging.getLogger(__name__)


@shared_task
def trim_rate_limit_events() -> int:
    deleted = rate_limit_events_trim()
    logger.info("rate-limit events trimmed: %s deleted", deleted)
    return deleted
