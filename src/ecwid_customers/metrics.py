"""The server's Prometheus metrics, defined once for every layer that records one.

At the package's top level, importing nothing of ours, so the HTTP layer, storage (the SQLite
writer's batch sizes) and webhook delivery can each record what they see without importing
one another. The metrics live in ``prometheus_client``'s default registry, beside its own
process and Python collectors; ``/metrics`` (``http/instrument.py``) shows them.

With ``PROMETHEUS_MULTIPROC_DIR`` set before the server starts, prometheus_client keeps the
values in files there, and :func:`exposition` adds up every worker's (its multiprocess mode).
Without it each process shows its own.
"""

from __future__ import annotations

import os

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

# Route labels are patterns of the route table or these few words, never a path a client made
# up: a label per distinct path would let one client grow every scrape without bound.
UNMATCHED = "unmatched"

REQUESTS = Counter(
    "ecwid_http_requests",
    "HTTP requests answered, by route pattern, method and status.",
    ("route", "method", "status"),
)
REQUEST_SECONDS = Histogram(
    "ecwid_http_request_duration_seconds",
    "Time from a request's arrival at the app to its answer's last byte handed to the server.",
    ("route", "method"),
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
WRITE_BATCH_SIZE = Histogram(
    "ecwid_sqlite_write_batch_size",
    "Writes committed together by the SQLite writer (one fsync each batch).",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)
WEBHOOK_DELIVERIES = Counter(
    "ecwid_webhook_deliveries",
    "Webhook delivery attempts, by outcome: delivered, retrying (another attempt is due "
    "later) or abandoned (no attempts left).",
    ("outcome",),
)


def exposition(accept: str | None) -> tuple[bytes, str]:
    """The metrics, and their content type: the format the scraper's ``Accept`` asks for
    (OpenMetrics, or a newer text format), else Prometheus's classic text format 0.0.4."""
    encode, content_type = choose_encoder(accept or "")
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return encode(registry), content_type
    return encode(REGISTRY), content_type
