"""An HTTP GET of the cache tests that also returns the headers (0 and empty when nothing answers)."""

import json
import urllib.error
import urllib.request


def http_get(url: str, token: str | None = None) -> tuple[int, dict, dict]:
    """(status, JSON body, headers) of a real GET; (0, {}, {}) when nothing answers."""
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}"), dict(error.headers)
    except OSError:
        return 0, {}, {}
