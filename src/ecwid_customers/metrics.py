"""The server's Prometheus metrics, defined once for every layer that records one.

At the package's top level, importing nothing of ours, so the HTTP layer, storage (the SQLite
writer's batch sizes) and webhook delivery can each record what they see without importing
one another. The metrics live in ``prometheus_client``'s default registry, beside its own
process and Python collectors; ``/metrics`` (``http/instrument.py``) shows them.

prometheus_client is imported at the first scrape, batch or delivery that needs it, not
when the server starts: it costs a tenth of a start's time and a request never needs it.

Each request is recorded, so its figures are plain numbers that a custom collector turns into
a counter and a histogram when scraped (:class:`LoopRequestStats`); the rest, recorded far
less often, are the library's own metrics. With ``PROMETHEUS_MULTIPROC_DIR`` set before the
server starts, prometheus_client keeps values in files there and :func:`exposition` adds up
every worker's (its multiprocess mode); requests then use the library's counters too
(:class:`SharedRequestStats`), as only those are kept in the files. Without it each process
shows its own.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import os
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from prometheus_client import Counter, Histogram
    from prometheus_client.metrics_core import Metric

_T = TypeVar("_T")

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

# Route labels are patterns of the route table or these few words, never a path a client made
# up: a label per distinct path would let one client grow every scrape without bound.
UNMATCHED = "unmatched"

REQUESTS_NAME = "ecwid_http_requests"
REQUESTS_HELP = "HTTP requests answered, by route pattern, method and status."
LATENCY_NAME = "ecwid_http_request_duration_seconds"
LATENCY_HELP = (
    "Time from a request's arrival at the app to its answer's last byte handed to the server."
)
LATENCY_BUCKETS = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip
_BOUNDS = (*LATENCY_BUCKETS, math.inf)
# The buckets' ``le`` labels, spelled as the library spells its own.
_LE = tuple("+Inf" if bound == math.inf else repr(float(bound)) for bound in _BOUNDS)

# Records one request's latency under one route, method and status.
Recorder = Callable[[float], None]


class LoopRequestStats:
    """Requests counted and timed in plain numbers, collected into Prometheus's families when
    scraped: the library's counters and histograms take a lock on each update, several
    times slower than this, and every request pays it. Updated and scraped on the event
    loop's one thread. A collector by shape (``collect``), so that defining it needs no
    prometheus_client."""

    def __init__(self) -> None:
        # Per (route, method, status): count, sum of seconds, then one count per bucket.
        self._slots: dict[tuple[str, str, str], list[float]] = {}

    def recorder(self, route: str, method: str, status: str) -> Recorder:
        slot = self._slots.setdefault((route, method, status), [0.0] * (2 + len(_BOUNDS)))

        def record(seconds: float, slot: list[float] = slot) -> None:
            slot[0] += 1
            slot[1] += seconds
            slot[2 + bisect.bisect_left(_BOUNDS, seconds)] += 1

        return record

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.metrics_core import CounterMetricFamily, HistogramMetricFamily

        requests = CounterMetricFamily(
            REQUESTS_NAME, REQUESTS_HELP, labels=("route", "method", "status")
        )
        by_route: dict[tuple[str, str], list[float]] = {}
        for (route, method, status), slot in self._slots.items():
            requests.add_metric((route, method, status), slot[0])
            total = by_route.setdefault((route, method), [0.0] * len(slot))
            for position, number in enumerate(slot):
                total[position] += number
        latency = HistogramMetricFamily(LATENCY_NAME, LATENCY_HELP, labels=("route", "method"))
        for labels, total in by_route.items():
            cumulative = itertools.accumulate(total[2:])
            buckets = list(zip(_LE, cumulative, strict=True))
            latency.add_metric(labels, buckets, total[1])
        yield requests
        yield latency


class SharedRequestStats:
    """The same figures in the library's own counter and histogram, which its multiprocess
    mode keeps in files that a scrape of any worker adds up."""

    def __init__(self) -> None:
        from prometheus_client import Counter, Histogram

        self.requests = Counter(REQUESTS_NAME, REQUESTS_HELP, ("route", "method", "status"))
        self.latency = Histogram(
            LATENCY_NAME, LATENCY_HELP, ("route", "method"), buckets=LATENCY_BUCKETS
        )

    def recorder(self, route: str, method: str, status: str) -> Recorder:
        count = self.requests.labels(route, method, status).inc
        observe = self.latency.labels(route, method).observe

        def record(seconds: float) -> None:
            count()
            observe(seconds)

        return record


# prometheus_client chooses its mode by this variable when imported; so does this module.
MULTIPROCESS = bool(os.environ.get(MULTIPROC_ENV))
# In that mode the counters must exist before the first request is counted: it pays the import.
REQUESTS = SharedRequestStats() if MULTIPROCESS else LoopRequestStats()


def _once(make: Callable[[], _T]) -> Callable[[], _T]:
    """``make`` run at the first call only, also when threads call at once (the SQLite writer
    and a scrape): a metric made twice would be refused by the registry as a duplicate."""
    lock = threading.Lock()
    made: list[_T] = []

    @functools.wraps(make)
    def get() -> _T:
        if not made:
            with lock:
                if not made:
                    made.append(make())
        return made[0]

    return get


@_once
def _registry_with_requests() -> None:
    """The per-process request figures joined to the default registry, once, at the first
    scrape (the registry is prometheus_client's, made when it is imported)."""
    from prometheus_client import REGISTRY

    if isinstance(REQUESTS, LoopRequestStats):
        REGISTRY.register(REQUESTS)


@_once
def write_batch_size() -> Histogram:
    from prometheus_client import Histogram

    return Histogram(
        "ecwid_sqlite_write_batch_size",
        "Writes committed together by the SQLite writer (one fsync each batch).",
        buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
    )


@_once
def webhook_deliveries() -> Counter:
    from prometheus_client import Counter

    return Counter(
        "ecwid_webhook_deliveries",
        "Webhook delivery attempts, by outcome: delivered, retrying (another attempt is due "
        "later) or abandoned (no attempts left).",
        ("outcome",),
    )


def warm_up() -> None:
    """Import the library and make the metrics now, so no batch or delivery waits for it."""
    _registry_with_requests()
    write_batch_size()
    webhook_deliveries()


def exposition(accept: str | None) -> tuple[bytes, str]:
    """The metrics, and their content type: the format the scraper's ``Accept`` asks for
    (OpenMetrics, or a newer text format), else Prometheus's classic text format 0.0.4.
    The writer's and the deliveries' metrics are made here too, so that a scrape shows
    them (at zero) before their first batch or delivery."""
    from prometheus_client import REGISTRY, CollectorRegistry
    from prometheus_client.exposition import choose_encoder
    from prometheus_client.multiprocess import MultiProcessCollector

    warm_up()
    encode, content_type = choose_encoder(accept or "")
    if MULTIPROCESS:
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return encode(registry), content_type
    return encode(REGISTRY), content_type
