import threading

import pytest

from sync.ingest.prefetch import prefetched


def test_items_arrive_in_order():
    assert list(prefetched(iter(range(50)))) == list(range(50))


def test_a_producer_error_is_raised_to_the_consumer():
    def items():
        yield 1
        raise ValueError("bad batch")

    consumer = prefetched(items())
    assert next(consumer) == 1
    with pytest.raises(ValueError, match="bad batch"):
        next(consumer)


def test_leaving_early_stops_the_producer():
    produced = []

    def items():
        for i in range(1000):
            produced.append(i)
            yield i

    for item in prefetched(items()):
        if item == 3:
            break

    assert len(produced) < 10
    assert not [t for t in threading.enumerate() if t.name == "prefetch"]
