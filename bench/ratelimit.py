"""Rate-limit overhead: p50 of one endpoint with the rate limits on and off, in the same run.

    python bench/ratelimit.py [--requests 2000] [--rounds 5]                (`make bench-ratelimit`)

Two gunicorns (2 workers x 8 threads each, as the tests run it) serve erp on the same PostgreSQL
(DATABASE_URL, default erp_bench) and a private redis-server: one with RATE_LIMIT_ENABLED=true, one
with false. GET /api/data-sync/user-task-count (token auth, two count queries) is called at
concurrency 1 on a keep-alive connection, alternating between the two in --rounds blocks so that drift
on the machine hits both alike. The bench user's override lifts its limits so nothing is refused: every
request pays for counting (token, caller cache, django-ratelimit's add + incr) and none is a 429.
"""

import argparse
import os
import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench import report  # noqa: E402
from bench.environment import database_check_safe, database_ensure, django_setup, environment_configure  # noqa: E402
from bench.http_load import JsonClient  # noqa: E402
from bench.report import Figure  # noqa: E402
from bench.services import gunicorn_start, redis_start  # noqa: E402
from bench.submit import WEB_THREADS, WEB_WORKERS, environment_for_redis, user_with_token  # noqa: E402

PATH = "/api/data-sync/user-task-count"
WARMUP = 100
TARGET_EXTRA_MS = 0.3
NEVER_LIMITED = 10_000_000  # requests per minute


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="measured requests per configuration")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--any-database", action="store_true", help="allow a DATABASE_URL without 'bench'")
    return parser.parse_args(argv)


def timed_gets(client: JsonClient, count: int) -> list[float]:
    seconds = []
    for _ in range(count):
        started = time.perf_counter()
        status, data = client.get(PATH)
        seconds.append(time.perf_counter() - started)
        if status != 200:
            raise RuntimeError(f"GET {PATH} answered {status}: {data[:300]!r}")
    return seconds


def run(args, stack: ExitStack) -> None:
    environment_configure()
    database_check_safe(os.environ["DATABASE_URL"], any_database=args.any_database)
    environment_for_redis(redis_start(stack))
    database_ensure(os.environ["DATABASE_URL"])
    django_setup()
    from ratelimit.models import RateLimitOverride

    user, token = user_with_token()
    RateLimitOverride.objects.update_or_create(user=user, defaults={
        "default_per_minute": NEVER_LIMITED, "data_sync_per_minute": NEVER_LIMITED, "reason": "bench"})
    headers = {"Authorization": f"Token {token}"}
    urls = {enabled: gunicorn_start(stack, {**os.environ, "RATE_LIMIT_ENABLED": enabled}, app="erp.wsgi:application",
                                    workers=WEB_WORKERS, threads=WEB_THREADS) for enabled in ("true", "false")}
    clients = {enabled: JsonClient(url, headers) for enabled, url in urls.items()}
    for client in clients.values():
        timed_gets(client, WARMUP)
    seconds = {"true": [], "false": []}
    per_round = args.requests // args.rounds
    for _ in range(args.rounds):
        for enabled, client in clients.items():
            seconds[enabled] += timed_gets(client, per_round)
    on, off = (statistics.median(seconds[e]) * 1000 for e in ("true", "false"))
    print(f"  limits on: {len(seconds['true'])} GETs, p50 {on:.2f} ms; off: p50 {off:.2f} ms")
    report.table_print([
        Figure(f"rate-limit overhead, p50 GET {PATH}", f"+{on - off:.2f} ms", f"off {off:.2f} ms",
               report.ratio(on / off), f"<= +{TARGET_EXTRA_MS} ms", on - off <= TARGET_EXTRA_MS),
    ])


def main(argv):
    args = parse_args(argv)
    with ExitStack() as stack:
        run(args, stack)


if __name__ == "__main__":
    main(sys.argv[1:])
