"""Store and token administration shared by the CLI and the server's first start."""

from __future__ import annotations

from dataclasses import dataclass

from ecwid_customers.domain.clock import SystemClock
from ecwid_customers.domain.models import Store
from ecwid_customers.domain.tokens import (
    TokenKind,
    check_token_format,
    generate_token,
    hash_token,
    token_hint,
    token_kind,
)
from ecwid_customers.domain.webhooks import check_client_secret, check_webhook_url, parse_events
from ecwid_customers.scopes import CUSTOMER_SCOPES
from ecwid_customers.storage.base import NewToken, Storage, TokenInfo
from ecwid_customers.storage.outbox import TokenWebhook

DEFAULT_STORE_ID = 1003
DEFAULT_LANGUAGES = ("en",)


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str  # the only moment the plaintext exists outside the client
    info: TokenInfo


def token_webhook(
    url: str | None, client_secret: str | None, events: str | list[str] | None = None
) -> TokenWebhook | None:
    """A token's webhook from its parts as a user gives them, or ``None`` for none;
    ``ValueError`` naming what is wrong (a URL and a client secret go together)."""
    if url is None and client_secret is None:
        if events is not None:
            raise ValueError("webhook events need a webhook URL and a client secret")
        return None
    if url is None or client_secret is None:
        raise ValueError("a webhook needs both a URL and a client secret")
    return TokenWebhook(
        url=check_webhook_url(url),
        client_secret=check_client_secret(client_secret),
        events=parse_events(events),
    )


async def issue_token(
    storage: Storage,
    store_id: int,
    scopes: tuple[str, ...],
    *,
    token: str | None = None,
    kind: TokenKind = "secret",
    webhook: TokenWebhook | None = None,
) -> IssuedToken:
    """Create a token for the store; ``token`` pins its value (its prefix then sets the kind)."""
    if token is not None:
        check_token_format(token)
        kind = token_kind(token)
    else:
        token = generate_token(kind)
    new = NewToken(
        token_hash=hash_token(token),
        kind=kind,
        scopes=scopes,
        hint=token_hint(token),
        webhook=webhook,
    )
    info = await storage.create_token(store_id, new, now=SystemClock().now())
    return IssuedToken(token=token, info=info)


async def bootstrap(storage: Storage) -> IssuedToken | None:
    """On a database with no stores, create store 1003 and a token with every customer scope."""
    if await storage.list_stores():
        return None
    await storage.create_store(
        Store(id=DEFAULT_STORE_ID, languages=DEFAULT_LANGUAGES), now=SystemClock().now()
    )
    return await issue_token(storage, DEFAULT_STORE_ID, CUSTOMER_SCOPES)
