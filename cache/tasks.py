"""Beat job of the cache layer: a thin wrapper around the warm-up."""

import logging

from celery import shared_task

from cache.warmup import cache_warm

logger = logging.getLogger(__name__)


@shared_task(bind=True)
def warm_cache(self):
    """Beat, every 4 minutes (under the 5-minute TTL): the hot keys never go cold."""
    warmed = cache_warm()
    logger.info("task %s: cache warmed: %s", self.request.id, warmed)
    return warmed
