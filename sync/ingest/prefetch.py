"""Computing the next item of an iterator in a background thread while the caller uses this one."""

import threading
from collections.abc import Iterator
from queue import Empty, Full, Queue
from typing import TypeVar

T = TypeVar("T")
_POLL_S = 0.1
_DONE = object()


def prefetched(items: Iterator[T], depth: int = 1) -> Iterator[T]:
    """Yield the items of `items`, producing up to `depth` ahead in a thread. Meant for work that
    releases the GIL (polars): reading and preparing batch n+1 overlaps the database writing batch n.
    The first item is made here, so a one-batch file costs no thread. An exception in the producer
    is raised here; leaving early stops the producer."""
    items = iter(items)
    first = next(items, _DONE)
    if first is _DONE:
        return
    yield first
    queue: Queue = Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry) -> bool:
        while not stop.is_set():
            try:
                queue.put(entry, timeout=_POLL_S)
                return True
            except Full:
                continue
        return False

    def produce():
        try:
            for item in items:
                if not put((item, None)):
                    return
            put((_DONE, None))
        except BaseException as exc:  # handed to the consumer, which raises it
            put((_DONE, exc))

    thread = threading.Thread(target=produce, name="prefetch", daemon=True)
    thread.start()
    try:
        while True:
            try:
                item, error = queue.get(timeout=_POLL_S)
            except Empty:
                if not thread.is_alive() and queue.empty():
                    raise RuntimeError("prefetch thread ended without a result") from None
                continue
            if item is _DONE:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        thread.join()
