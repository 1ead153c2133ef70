"""Warm-up (manage.py warm_cache and the beat job's entry) and the Prometheus collector of the stats."""

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from cache.decorators import HIT
from cache.metrics import CacheStatsCollector
from cache.selectors import account_stats, collection_accounts, component_versions_active
from cache.stats import stats_record

pytestmark = pytest.mark.django_db


def test_warm_cache_fills_the_hot_keys(accounts, versions, capsys):
    call_command("warm_cache")

    assert "accounts 2, account_stats 1, component_versions 1" in capsys.readouterr().out
    assert collection_accounts.lookup(platform=None, enabled=None).source == HIT
    assert collection_accounts.lookup(platform=None, enabled=True).source == HIT
    assert account_stats.lookup().source == HIT
    assert component_versions_active.lookup(platform=None).source == HIT


def test_the_warm_up_is_a_beat_job_on_the_scheduled_queue():
    job = PeriodicTask.objects.get(name="warm cache")

    assert (job.task, job.queue, job.interval.every, job.enabled) == ("cache.tasks.warm_cache", "scheduled", 240, True)


def test_collector_yields_counters_per_cache_type():
    stats_record("accounts", "hits")
    stats_record("accounts", "hits")
    stats_record("account_stats", "misses")

    families = {f.name: f for f in CacheStatsCollector().collect()}

    assert set(families) == {"erp_cache_hits", "erp_cache_misses", "erp_cache_sets", "erp_cache_invalidations",
                             "erp_cache_keys"}
    samples = {(s.name, s.labels.get("cache_type")): s.value for f in families.values() for s in f.samples}
    assert samples[("erp_cache_hits_total", "accounts")] == 2
    assert samples[("erp_cache_misses_total", "account_stats")] == 1
    assert samples[("erp_cache_hits_total", "component_versions")] == 0
    assert families["erp_cache_hits"].type == "counter"
