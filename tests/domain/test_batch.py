"""The Batch API's rules: what a batch may hold, and how a ticket reads at each stage."""

from __future__ import annotations

import json

import pytest

from ecwid_customers import errors
from ecwid_customers.domain.batch import (
    MAX_REQUESTS,
    Answer,
    BatchProgress,
    BatchRequestInput,
    SubRequest,
    sub_requests,
)


def test_elements_become_requests_under_the_store() -> None:
    (one, two, three) = sub_requests(
        [
            BatchRequestInput(id="a", path="/customers?limit=1&email=a@b.c", method="get"),
            BatchRequestInput(path="customers/5", method="PUT", body={"lang": "fr"}),
            BatchRequestInput(path="/customers", method="POST", body='{"email": "x@y.z"}'),
        ]
    )
    assert one == SubRequest("a", "GET", "customers", "limit=1&email=a@b.c", b"")
    assert (two.id, two.path, two.query) == (None, "customers/5", "")
    assert json.loads(two.body) == {"lang": "fr"}
    assert three.body == b'{"email": "x@y.z"}'  # a string is the body's text as it is


@pytest.mark.parametrize(
    ("item", "where"),
    [
        (BatchRequestInput(path="/customers", method="PATCH"), "$[0].method"),
        (BatchRequestInput(path="/", method="GET"), "$[0].path"),
        (BatchRequestInput(path="?limit=1", method="GET"), "$[0].path"),
        (BatchRequestInput(path="/customers\x00", method="GET"), "$[0].path"),
    ],
)
def test_an_element_that_cannot_run_is_refused(item: BatchRequestInput, where: str) -> None:
    with pytest.raises(errors.EcwidError) as refused:
        sub_requests([item])
    assert refused.value == errors.batch_body_invalid(where)


def test_a_batch_holds_one_to_five_hundred_requests() -> None:
    item = BatchRequestInput(path="/customers", method="GET")
    assert len(sub_requests([item] * MAX_REQUESTS)) == MAX_REQUESTS
    with pytest.raises(errors.EcwidError) as too_many:
        sub_requests([item] * (MAX_REQUESTS + 1))
    assert too_many.value == errors.batch_too_large(MAX_REQUESTS)
    with pytest.raises(errors.EcwidError) as empty:
        sub_requests([])
    assert empty.value == errors.batch_empty()


def test_a_ticket_reads_queued_then_in_progress_then_completed() -> None:
    progress = BatchProgress((SubRequest("1", "GET", "customers", "", b""),) * 3)
    assert progress.status_body(escaped_json=False) == {
        "status": "QUEUED",
        "total_requests": 3,
        "completed_requests": 0,
        "responses": [],
    }
    progress.answers[0] = Answer(404, b'{"errorMessage":"m","errorCode":"c"}')
    running = progress.status_body(escaped_json=False)
    assert running["status"] == "IN_PROGRESS"
    assert running["responses"] == [
        {
            "id": "1",
            "status": "FAILED",
            "http_body": {"errorMessage": "m", "errorCode": "c"},
            "http_status_line": "Not Found",
            "http_status_code": 404,
            "http_code": 404,
        }
    ]
    progress.skipped.update({1, 2})
    progress.finished = True
    done = progress.status_body(escaped_json=True)
    assert done["status"] == "COMPLETED"
    assert done["completed_requests"] == 1
    assert done["responses"][0]["escaped_http_body"] == '{"errorMessage":"m","errorCode":"c"}'
    assert done["responses"][1:] == [{"id": "1", "status": "NOT_EXECUTED"}] * 2
