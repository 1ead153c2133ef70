"""The rate limits' Prometheus counters (per process; summed across processes in multiprocess mode)."""

from prometheus_client import Counter

REJECTIONS = Counter("erp_rate_limit_rejections", "Requests refused with 429 by the app's rate limits",
                     ["group"])
FAIL_OPEN = Counter("erp_rate_limit_fail_open", "Times the counting cache failed and limits were suspended")
