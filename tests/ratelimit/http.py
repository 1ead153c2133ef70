"""A real HTTP call that returns the headers too and can come from another loopback address
(127.0.0.0/8 is all loopback on Linux), so tests can play distinct anonymous clients."""

import http.client
import json
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django_ratelimit.core import _get_window

WINDOW_S = 60


@dataclass
class Answer:
    status: int
    headers: dict
    body: dict

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def call(method: str, url: str, *, token: str | None = None, body: dict | None = None,
         source: str = "127.0.0.1", headers: dict | None = None) -> Answer:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30, source_address=(source, 0))
    sent = {"Content-Type": "application/json", **({"Authorization": f"Token {token}"} if token else {}),
            **(headers or {})}
    try:
        connection.request(method, parts.path + (f"?{parts.query}" if parts.query else ""),
                           body=json.dumps(body) if body is not None else None, headers=sent)
        response = connection.getresponse()
        raw = response.read()
        json_body = response.getheader("Content-Type", "").startswith("application/json") and raw
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()},
                      json.loads(raw) if json_body else {})
    finally:
        connection.close()


def window_fresh(url: str, token: str | None = None, *, source: str = "127.0.0.1", needed_s: int = 25):
    """Wait, if need be, until the caller's one-minute window has needed_s left, so a burst is counted
    in one window. Asks my-info, which counts in the default group only; its X-RateLimit-Reset is the end
    of the window every limit of the caller's key shares (an anonymous caller's 401 carries it too)."""
    deadline = time.monotonic() + 15
    while (reset := call("GET", f"{url}/api/rate-limit/my-info", token=token, source=source).header("X-RateLimit-Reset")) is None:
        if time.monotonic() > deadline:  # a worker that is not counting (its Redis was down) sends none
            raise AssertionError("my-info has no X-RateLimit-Reset: the rate limits are not counting")
        time.sleep(0.2)
    left = int(reset) - time.time()
    if left < needed_s:
        time.sleep(max(left, 0) + 0.5)


def window_fresh_for_key(key: str, *, needed_s: int = 20):
    """The same, without a request: django-ratelimit's one-minute windows end at a fixed, per-key moment
    (staggered by a hash of the key), so a burst can be kept inside one window by waiting, if need be,
    for the next one to begin."""
    left = _get_window(key, WINDOW_S) + 1 - time.time()  # the window's last second still counts in it
    if left < needed_s:
        time.sleep(max(left, 0) + 0.5)
