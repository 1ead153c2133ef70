"""Prometheus export of the cache statistics. The numbers live in the cache store, so any process that
serves /metrics reports the totals of all of them; register once with
prometheus_client.REGISTRY.register(CacheStatsCollector())."""

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from cache.stats import stats_read

COUNTERS = {
    "hits": "Cache lookups answered from the cache",
    "misses": "Cache lookups that computed the value",
    "sets": "Values written to the cache",
    "invalidations": "Invalidations of a whole cache type",
}


class CacheStatsCollector:
    def collect(self):
        types = stats_read()
        for name, documentation in COUNTERS.items():
            family = CounterMetricFamily(f"erp_cache_{name}", documentation, labels=["cache_type"])
            for t in types:
                family.add_metric([t.cache_type], getattr(t, name))
            yield family
        keys = GaugeMetricFamily("erp_cache_keys", "Live values per cache type (Redis only)", labels=["cache_type"])
        for t in types:
            if t.keys is not None:
                keys.add_metric([t.cache_type], t.keys)
        yield keys

    def describe(self):
        """Names without reading the store, so registering the collector does not touch Redis."""
        for name, documentation in COUNTERS.items():
            yield CounterMetricFamily(f"erp_cache_{name}", documentation, labels=["cache_type"])
        yield GaugeMetricFamily("erp_cache_keys", "Live values per cache type (Redis only)", labels=["cache_type"])
