"""erp's WSGI app for the multi-process cache tests: each computation of the account stats adds one to a
Redis counter every process sees (and takes long enough that concurrent misses overlap), and every
answer names the gunicorn worker that gave it."""

import os
import time

import redis

from erp.wsgi import application as erp_application  # first: it sets Django up

from cache import selectors  # noqa: E402

COMPUTE_S = 0.3
_counter = redis.Redis.from_url(os.environ["ERP_TEST_COUNTER_URL"])
_compute = selectors.account_stats.__wrapped__


def _counted():
    _counter.incr(os.environ["ERP_TEST_COUNTER_KEY"])
    time.sleep(COMPUTE_S)
    return _compute()


selectors.account_stats.__wrapped__ = _counted


def application(environ, start_response):
    def start(status, headers, exc_info=None):
        return start_response(status, [*headers, ("X-Worker-Pid", str(os.getpid()))], exc_info)

    return erp_application(environ, start)
