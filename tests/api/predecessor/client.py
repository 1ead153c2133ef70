"""A client of the real server as the predecessor's clients are: the front end (cookies, X-CSRF-Token from
the csrf_token cookie, no Authorization header) or a script (Authorization: Bearer)."""

import time

import requests


class LegacyClient:
    def __init__(self, base: str, *, bearer: bool = False):
        self.base, self.bearer = base, bearer
        self.session = requests.Session()
        self.access_token: str | None = None

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        if self.bearer and self.access_token:
            headers["Authorization"] = f"Bearer {self.access_token}"
        csrf = self.session.cookies.get("csrf_token")
        if not self.bearer and csrf and method in ("POST", "PUT", "PATCH", "DELETE"):
            headers["X-CSRF-Token"] = csrf  # as frontend/src/api/index.js does
        return self.session.request(method, self.base + path, headers=headers, timeout=60, **kwargs)

    def login(self, username: str, password: str) -> requests.Response:
        answer = self.call("POST", "/api/auth/login", json={"username": username, "password": password})
        if answer.status_code == 200:
            body = answer.json()
            self.access_token = body.get("access_token") or body.get("data", {}).get("access_token")
            if not self.bearer:
                self.session.headers.pop("Authorization", None)
        return answer


def poll(predicate, *, every: float, timeout: float, what: str):
    """Call predicate every `every` seconds (as the page does) until it returns a truthy value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        started = time.monotonic()
        value = predicate()
        if value:
            return value
        time.sleep(max(every - (time.monotonic() - started), 0))
    raise AssertionError(f"timed out waiting for {what}")
