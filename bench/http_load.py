"""A small HTTP load client: keep-alive connections (one per thread), JSON POSTs and GETs, latency percentiles.

latency_run sends requests one after another on one connection; throughput_run spreads a fixed number
of requests over `concurrency` threads and divides them by the wall time from the first to the last.
Each request body comes from body_for(index), so every request can name its own file.
"""

import http.client
import json
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

REQUEST_TIMEOUT_S = 60
MS_PER_S = 1000.0


@dataclass
class LoadResult:
    """Per-request seconds of one run, its wall seconds and the statuses that were not expected."""

    seconds: list[float]
    wall_seconds: float
    unexpected: dict[int, int]

    @property
    def requests(self) -> int:
        return len(self.seconds)

    @property
    def per_s(self) -> float:
        return self.requests / self.wall_seconds

    def percentile_ms(self, percent: float) -> float:
        ordered = sorted(self.seconds)
        index = min(len(ordered) - 1, max(0, round(percent / 100 * len(ordered)) - 1))
        return ordered[index] * MS_PER_S

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.seconds) * MS_PER_S

    @property
    def p99_ms(self) -> float:
        return self.percentile_ms(99)


class JsonClient:
    """One keep-alive connection; reconnects when the server closed it."""

    def __init__(self, base_url: str, headers: dict[str, str]):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.headers = {"Content-Type": "application/json", **headers}
        self.connection: http.client.HTTPConnection | None = None

    def post(self, path: str, body: dict) -> tuple[int, bytes]:
        return self.request("POST", path, json.dumps(body).encode())

    def get(self, path: str) -> tuple[int, bytes]:
        return self.request("GET", path)

    def request(self, method: str, path: str, payload: bytes | None = None) -> tuple[int, bytes]:
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT_S)
            try:
                self.connection.request(method, path, payload, self.headers)
                response = self.connection.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()  # a kept-alive connection the server had closed: once more on a new one
                if attempt == 2:
                    raise
                continue
            if response.will_close:
                self.close()
            return response.status, data
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def latency_run(base_url: str, path: str, *, headers: dict, body_for: Callable[[int], dict], first: int,
                requests: int, expected_status: int) -> LoadResult:
    """`requests` requests in a row on one connection (concurrency 1)."""
    client = JsonClient(base_url, headers)
    seconds, unexpected = [], {}
    started = time.perf_counter()
    try:
        for index in range(first, first + requests):
            seconds.append(_timed_post(client, path, body_for(index), expected_status, unexpected))
    finally:
        client.close()
    return LoadResult(seconds, time.perf_counter() - started, unexpected)


def throughput_run(base_url: str, path: str, *, headers: dict, body_for: Callable[[int], dict], first: int,
                   requests: int, concurrency: int, expected_status: int) -> LoadResult:
    """`requests` requests from `concurrency` threads, each on its own connection, all started together."""
    indexes = iter(range(first, first + requests))
    lock = threading.Lock()
    gate = threading.Barrier(concurrency + 1)
    seconds, unexpected, errors = [], {}, []

    def next_index() -> int | None:
        with lock:
            return next(indexes, None)

    def work() -> None:
        client = JsonClient(base_url, headers)
        mine, odd = [], {}
        gate.wait()
        try:
            while (index := next_index()) is not None:
                mine.append(_timed_post(client, path, body_for(index), expected_status, odd))
        except Exception as exc:  # reported after the run; the other threads finish theirs
            errors.append(exc)
        finally:
            client.close()
            with lock:
                seconds.extend(mine)
                for status, count in odd.items():
                    unexpected[status] = unexpected.get(status, 0) + count

    threads = [threading.Thread(target=work, name=f"load-{n}") for n in range(concurrency)]
    for thread in threads:
        thread.start()
    gate.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{len(errors)} load threads failed; first: {errors[0]!r}")
    return LoadResult(seconds, wall, unexpected)


def _timed_post(client: JsonClient, path: str, body: dict, expected_status: int, unexpected: dict) -> float:
    started = time.perf_counter()
    status, data = client.post(path, body)
    elapsed = time.perf_counter() - started
    if status != expected_status:
        if not unexpected:
            print(f"    unexpected {status} from {path}: {data[:300]!r}", flush=True)
        unexpected[status] = unexpected.get(status, 0) + 1
    return elapsed
