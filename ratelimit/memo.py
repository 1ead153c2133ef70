"""What a process may remember for a few seconds instead of asking Redis or the database again."""

import time
from collections.abc import Callable


class ProcessMemo:
    """A dict whose entries expire; emptied when it reaches max_entries, so it never grows unbounded."""

    def __init__(self, max_entries: int = 10_000):
        self.max_entries = max_entries
        self._entries: dict = {}

    def get(self, key):
        hit = self._entries.get(key)
        return hit[1] if hit is not None and hit[0] > time.monotonic() else None

    def put(self, key, value, ttl_s: float):
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[key] = (time.monotonic() + ttl_s, value)
        return value

    def forget(self, matches: Callable[[object, object], bool]):
        """Drop every entry whose (key, value) matches."""
        for key in [k for k, (_, v) in list(self._entries.items()) if matches(k, v)]:
            self._entries.pop(key, None)
