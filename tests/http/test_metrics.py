"""``/metrics``: Prometheus's text format without a token, requests counted and timed under
their route pattern (never the raw path), ``serve --no-metrics``, the SQLite writer's batches.

The metrics are the process's, shared by every app a test builds: tests compare a scrape
before and after what they do.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from ecwid_customers.application import serving_app
from ecwid_customers.config import Settings
from ecwid_customers.http.asgi import App
from ecwid_customers.metrics import MULTIPROC_ENV
from ecwid_customers.storage.base import Storage
from ecwid_customers.storage.sqlite.storage import SQLiteStorage
from tests.support import Api, assert_error, make_store, make_token
from tests.support.servers import Server, stop_cleanly

CUSTOMER = "/api/v3/{storeId}/customers/{customerId}"
CUSTOMERS = "/api/v3/{storeId}/customers"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@contextlib.asynccontextmanager
async def served(app: App) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def requests(samples: Samples, route: str, method: str, status: int) -> float:
    return value(
        samples, "ecwid_http_requests_total", route=route, method=method, status=str(status)
    )


@pytest.fixture
async def metered(api: Api) -> AsyncIterator[Api]:
    """``api`` served as ``serve`` serves it: with the metrics."""
    async with served(serving_app(api.storage, Settings(), api.clock)) as client:
        yield Api(client, api.storage, api.store_id, api.token, api.clock)


async def test_metrics_are_prometheus_text_and_need_no_token(metered: Api) -> None:
    response = await metered.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    names = {family.name for family in text_string_to_metric_families(response.text)}
    assert {"ecwid_http_requests", "ecwid_http_request_duration_seconds"} <= names
    openmetrics = await metered.client.get(
        "/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"}
    )
    assert openmetrics.headers["content-type"].startswith("application/openmetrics-text")
    assert openmetrics.text.endswith("# EOF\n")
    refused = await metered.client.post("/metrics")
    assert_error(refused, 405, "METHOD_NOT_ALLOWED")
    assert refused.headers["allow"] == "GET, HEAD"


async def test_requests_are_counted_by_route_pattern_method_and_status(metered: Api) -> None:
    before = await scrape(metered.client)
    customer_id = await metered.create_ok({"email": "ann@example.net"})
    assert (await metered.get(customer_id)).status_code == 200
    assert (await metered.get(customer_id)).status_code == 200
    assert (await metered.get(987654)).status_code == 404
    after = await scrape(metered.client)

    def grew(route: str, method: str, status: int) -> float:
        return requests(after, route, method, status) - requests(before, route, method, status)

    assert grew(CUSTOMERS, "POST", 200) == 1
    assert grew(CUSTOMER, "GET", 200) == 2
    assert grew(CUSTOMER, "GET", 404) == 1  # another id, the same pattern
    latency = "ecwid_http_request_duration_seconds_count"
    timed = value(after, latency, route=CUSTOMER, method="GET") - value(
        before, latency, route=CUSTOMER, method="GET"
    )
    assert timed == 3
    assert value(after, "ecwid_http_request_duration_seconds_sum", route=CUSTOMER, method="GET")
    assert not any(str(customer_id) in dict(labels).get("route", "") for _, labels in after)


async def test_refused_and_unknown_paths_keep_the_labels_few(metered: Api) -> None:
    client = metered.client
    before = await scrape(client)
    refused = await client.get(metered.url("customers/5"), headers=metered.auth("nope"))
    assert_error(refused, 403, "INVALID_API_TOKEN")
    assert_error(await client.get("/no/such/path/1234"), 404, "RESOURCE_NOT_FOUND")
    made_up = await client.get(metered.url("made/up/5678"), headers=metered.auth())
    assert_error(made_up, 404, "RESOURCE_NOT_FOUND")
    other = await client.request("PATCH", metered.url("customers/5"), headers=metered.auth())
    assert_error(other, 405, "METHOD_NOT_ALLOWED")
    assert (await client.get("/healthz")).status_code == 200
    after = await scrape(client)

    def grew(route: str, method: str, status: int) -> float:
        return requests(after, route, method, status) - requests(before, route, method, status)

    assert grew(CUSTOMER, "GET", 403) == 1  # refused before routing, still its pattern
    assert grew("unmatched", "GET", 404) == 2
    assert grew(CUSTOMER, "PATCH", 405) == 1
    assert grew("/healthz", "GET", 200) == 1
    assert grew("/metrics", "GET", 200) >= 1  # the first scrape, counted once answered
    routes = {dict(labels)["route"] for name, labels in after if dict(labels).get("route")}
    assert not {route for route in routes if "1234" in route or "5678" in route}, routes


async def test_the_test_kit_is_measured_too(storage: Storage) -> None:
    settings = Settings(admin_token="admin_" + "k" * 32)
    async with served(serving_app(storage, settings)) as client:
        before = await scrape(client)
        assert (await client.get("/_control/stores")).status_code == 401  # no admin token
        after = await scrape(client)
    key = ("/_control", "GET", 401)
    assert requests(after, *key) - requests(before, *key) == 1


async def test_no_metrics_turns_the_endpoint_off(storage: Storage) -> None:
    async with served(serving_app(storage, Settings(metrics=False))) as client:
        assert_error(await client.get("/metrics"), 404, "RESOURCE_NOT_FOUND")


async def test_the_sqlite_writer_reports_its_batch_sizes(migrated_sqlite: Path) -> None:
    storage = SQLiteStorage(migrated_sqlite)
    async with served(serving_app(storage)) as client:
        await storage.open()
        try:
            await make_store(storage, 7)
            token = await make_token(storage, 7)
            before = await scrape(client)
            created = await client.post(
                "/api/v3/7/customers",
                json={"email": "ann@example.net"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert created.status_code == 200
            after = await scrape(client)
        finally:
            await storage.close()
    batches = "ecwid_sqlite_write_batch_size_count"
    assert value(after, batches) > value(before, batches)
    assert value(after, "ecwid_sqlite_write_batch_size_bucket", le="256.0") == value(after, batches)


def test_serve_has_metrics_unless_told_not_to(
    launch: Callable[..., Server], migrated_sqlite: Path
) -> None:
    served_with = launch(migrated_sqlite)
    scraped = httpx.get(f"http://127.0.0.1:{served_with.port}/metrics")
    assert scraped.status_code == 200
    assert "ecwid_http_requests_total" in scraped.text
    stop_cleanly(served_with)
    served_without = launch(migrated_sqlite, "--no-metrics")
    assert_error(
        httpx.get(f"http://127.0.0.1:{served_without.port}/metrics"), 404, "RESOURCE_NOT_FOUND"
    )


def test_workers_add_up_in_multiprocess_mode(
    launch: Callable[..., Server],
    postgres_database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With PROMETHEUS_MULTIPROC_DIR, a scrape of any worker counts every worker's requests."""
    monkeypatch.setenv(MULTIPROC_ENV, str(tmp_path))
    server = launch(postgres_database, "--workers", "2")
    base = f"http://127.0.0.1:{server.port}"
    calls = 40
    for _ in range(calls):  # a connection each: the kernel spreads them over the workers
        assert httpx.get(f"{base}/healthz").status_code == 200
    for _ in range(4):
        samples = {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(httpx.get(f"{base}/metrics").text)
            for sample in family.samples
        }
        assert requests(samples, "/healthz", "GET", 200) == calls
    # Values are kept in files named by process: both workers' (the supervisor records none).
    assert len({path.stem.rpartition("_")[2] for path in tmp_path.glob("*.db")}) >= 2
    stop_cleanly(server)
