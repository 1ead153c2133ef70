"""The community postgres_exporter (Debian's prometheus-postgres-exporter, the compose image's version) on
this test's database: its numbers are what PostgresConnectionsSaturated divides, and they move with real
connections."""

import psycopg
from django.db import connection

from tests.monitoring.stack import scrape, value
from tests.processes import wait_for

EXTRA_CONNECTIONS = 5


def connections_counted(url: str, database: str) -> float:
    samples = scrape(f"{url}/metrics")
    return sum(v for labels, v in samples.get("pg_stat_activity_count", []) if labels["datname"] == database)


def test_the_exporter_counts_connections_against_the_servers_limit(processes, stack_env):
    url = processes.postgres_exporter(stack_env)
    database = connection.settings_dict["NAME"]
    samples = scrape(f"{url}/metrics")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('max_connections')::int, "
                       "current_setting('superuser_reserved_connections')::int")
        max_connections, reserved = cursor.fetchone()
    assert value(samples, "pg_up") == 1
    assert value(samples, "pg_settings_max_connections") == max_connections
    assert value(samples, "pg_settings_superuser_reserved_connections") == reserved
    before = connections_counted(url, database)

    opened = [psycopg.connect(stack_env["DATABASE_URL"]) for _ in range(EXTRA_CONNECTIONS)]
    try:
        wait_for(lambda: connections_counted(url, database) >= before + EXTRA_CONNECTIONS, timeout=30,
                 what="the exporter to count the new connections")
    finally:
        for extra in opened:
            extra.close()
