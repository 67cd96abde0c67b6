"""Rate-limit emulation (spec section 8, Q27): off by default, per server or per store."""

from __future__ import annotations

from ecwid_customers.config import Settings
from ecwid_customers.domain.ratelimit import RateLimiter
from tests.support import Api, assert_error, make_store, make_token


async def test_off_by_default(api: Api) -> None:
    for _ in range(50):
        assert (await api.client.get(api.url(), headers=api.auth())).status_code == 200


async def test_server_limit_answers_429_with_retry_after(api: Api) -> None:
    async with api.with_settings(Settings(rate_limit=3)) as limited:
        for _ in range(3):
            assert (await limited.client.get(api.url(), headers=api.auth())).status_code == 200
        refused = await limited.client.get(api.url(), headers=api.auth())
        assert_error(refused, 429, "RATE_LIMITED")
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        # Counted per token: another token of the store still gets through.
        other = await make_token(api.storage, api.store_id)
        assert (await limited.client.get(api.url(), headers=api.auth(other))).status_code == 200


async def test_store_limit_overrides_the_server(api: Api) -> None:
    await make_store(api.storage, 2002)
    token = await make_token(api.storage, 2002)
    assert await api.storage.set_store_rate_limit(2002, 2)
    assert await api.storage.set_store_rate_limit(api.store_id, 0)  # off for this store
    async with api.with_settings(Settings(rate_limit=1)) as limited:
        for _ in range(5):
            ok = await limited.client.get(api.url(), headers=api.auth())
            assert ok.status_code == 200
        url = api.url(store_id=2002)
        for _ in range(2):
            assert (await limited.client.get(url, headers=api.auth(token))).status_code == 200
        assert_error(await limited.client.get(url, headers=api.auth(token)), 429, "RATE_LIMITED")


async def test_limit_comes_after_authentication(api: Api) -> None:
    assert await api.storage.set_store_rate_limit(api.store_id, 1)
    for _ in range(3):  # a missing token never uses up anybody's allowance
        assert_error(await api.client.get(api.url()), 403, "INVALID_API_TOKEN")
    assert (await api.client.get(api.url(), headers=api.auth())).status_code == 200


def test_window_slides() -> None:
    now = [1000.0]
    limiter = RateLimiter(now=lambda: now[0])
    assert limiter.retry_after(b"t", 2) is None
    now[0] += 30
    assert limiter.retry_after(b"t", 2) is None
    assert limiter.retry_after(b"t", 2) == 30  # the first hit leaves the window in 30 s
    now[0] += 30
    assert limiter.retry_after(b"t", 2) is None  # it has: one place free again
    assert limiter.retry_after(b"t", 2) == 30


def test_idle_tokens_are_forgotten() -> None:
    now = [0.0]
    limiter = RateLimiter(now=lambda: now[0])
    for n in range(100):
        limiter.retry_after(n.to_bytes(4, "big"), 10)
    assert len(limiter) == 100
    now[0] += 61
    limiter.retry_after(b"active", 10)
    assert len(limiter) == 1
