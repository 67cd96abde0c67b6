"""The request figures kept in plain numbers come out as Prometheus's counter and histogram."""

from __future__ import annotations

from ecwid_customers.metrics import LoopRequestStats


def test_requests_come_out_as_a_counter_and_a_cumulative_histogram() -> None:
    stats = LoopRequestStats()
    ok = stats.recorder("/api/v3/{storeId}/customers", "GET", "200")
    missing = stats.recorder("/api/v3/{storeId}/customers", "GET", "404")
    ok(0.0003)
    ok(0.003)
    missing(20.0)  # past the last bound: only +Inf holds it
    requests, latency = stats.collect()
    counts = {sample.labels["status"]: sample.value for sample in requests.samples}
    assert counts == {"200": 2, "404": 1}
    assert requests.type == "counter"
    assert latency.type == "histogram"
    samples = {(sample.name, sample.labels.get("le")): sample.value for sample in latency.samples}
    assert samples[("ecwid_http_request_duration_seconds_bucket", "0.0005")] == 1
    assert samples[("ecwid_http_request_duration_seconds_bucket", "0.001")] == 1
    assert samples[("ecwid_http_request_duration_seconds_bucket", "0.005")] == 2
    assert samples[("ecwid_http_request_duration_seconds_bucket", "10.0")] == 2
    assert samples[("ecwid_http_request_duration_seconds_bucket", "+Inf")] == 3
    assert samples[("ecwid_http_request_duration_seconds_count", None)] == 3
    assert samples[("ecwid_http_request_duration_seconds_sum", None)] == 0.0003 + 0.003 + 20.0


def test_a_bound_itself_falls_in_its_bucket() -> None:
    stats = LoopRequestStats()
    stats.recorder("unmatched", "GET", "404")(0.001)  # le means "at most"
    (_, latency) = stats.collect()
    buckets = {s.labels["le"]: s.value for s in latency.samples if s.name.endswith("_bucket")}
    assert (buckets["0.0005"], buckets["0.001"]) == (0, 1)
