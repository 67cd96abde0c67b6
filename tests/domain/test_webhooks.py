"""Webhook rules: the signature (against Ecwid's documented recipe, computed here), the retry
schedule, what a token may subscribe to, and which URLs and secrets are accepted."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from ecwid_customers.domain import webhooks


def test_signature_is_base64_hmac_sha256_of_created_dot_id() -> None:
    # Ecwid's recipe, spelled out independently of the code under test.
    expected = base64.b64encode(
        hmac.new(b"app-secret", b"1746522611.3f6c1a52-8d0e", hashlib.sha256).digest()
    ).decode()
    assert webhooks.sign("app-secret", 1746522611, "3f6c1a52-8d0e") == expected
    assert webhooks.sign("other-secret", 1746522611, "3f6c1a52-8d0e") != expected


def test_retries_come_at_15_30_45_minutes_then_hourly_to_24_hours() -> None:
    offsets = [webhooks.next_attempt_offset(n) for n in range(1, 29)]
    assert offsets[:4] == [900, 1800, 2700, 3600]
    assert offsets[26] == 24 * 3600  # the 27th retry, a day after the event
    assert offsets[27] is None  # none after it
    assert webhooks.MAX_ATTEMPTS == 28
    retries = [offset for offset in offsets if offset is not None]
    assert retries == sorted(retries)


def test_acknowledged_statuses_are_ecwids() -> None:
    assert {200, 201, 202, 204, 209} == webhooks.ACKNOWLEDGED


def test_an_answer_cut_off_after_its_status_did_not_deliver() -> None:
    assert webhooks.acknowledged(200, None)
    assert not webhooks.acknowledged(200, "no answer within 10 s")
    assert not webhooks.acknowledged(203, None)
    assert not webhooks.acknowledged(None, "could not connect")


def test_event_names_and_their_scopes() -> None:
    assert webhooks.EVENT_SCOPES["customer.created"] == "read_customers"
    assert webhooks.EVENT_SCOPES["customer_group.deleted"] == "read_customers"
    assert webhooks.EVENT_SCOPES["customer.personalDataExportRequest"] == "read_store_profile"
    assert webhooks.EVENT_SCOPES["customer.personal_data_removal_request"] == "read_store_profile"


def test_subscribed_events_are_checked() -> None:
    assert webhooks.parse_events(None) is None
    assert webhooks.parse_events("") is None
    assert webhooks.parse_events("customer.created, customer.created,customer.deleted") == (
        "customer.created",
        "customer.deleted",
    )
    with pytest.raises(ValueError, match=r"unknown webhook event 'order\.created'"):
        webhooks.parse_events(["customer.created", "order.created"])


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hooks",
        "https://example.com/ecwid?app=1",
        "http://[::1]:9000/",
    ],
)
def test_absolute_http_urls_are_accepted(url: str) -> None:
    assert webhooks.check_webhook_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "",
        "example.com/hooks",
        "/hooks",
        "ftp://example.com/",
        "file:///etc/passwd",
        "http://",
        "http://example.com:99999/",
        "http://exa mple.com/",
        "http://example.com/\nX: y",
        "https://example.com/" + "a" * 3000,
    ],
)
def test_other_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match=r"URL|characters"):
        webhooks.check_webhook_url(url)


def test_client_secrets() -> None:
    assert webhooks.check_client_secret("abc") == "abc"
    for bad in ("", "   ", "x" * 300, "tab\there"):
        with pytest.raises(ValueError, match="client secret"):
            webhooks.check_client_secret(bad)
    assert webhooks.secret_hint("0123456789") == "01***89"
    assert webhooks.secret_hint("short") == "***"


def test_personal_data_events_follow_the_chosen_spelling() -> None:
    event = webhooks.personal_data_event("export", "camel", 7)
    assert (event.type, event.entity_id, event.data) == (
        "customer.personalDataExportRequest",
        7,
        None,
    )
    assert event.scope == "read_store_profile"
    removal = webhooks.personal_data_event("removal", "snake", 7)
    assert removal.type == "customer.personal_data_removal_request"
