"""Server settings that change wire behaviour, with Ecwid's behaviour as the default."""

from __future__ import annotations

from dataclasses import dataclass

ONE_MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Settings:
    # Ecwid stopped accepting ``?token=`` on 2025-03-20 (spec Q1); old clients may need it.
    allow_query_token: bool = False
    # Ecwid documents no limit for customer bodies; 1 MiB is far above any real one (Q26).
    max_body_size: int = ONE_MIB
    # Older docs asked only update_customers for PUT/DELETE customer; current ones add
    # read_customers (Q17). True restores the older rule.
    update_scope_only: bool = False
    # Requests per minute per token before 429 (Ecwid's is 600); None: no limit. A store's
    # own setting overrides this.
    rate_limit: int | None = None
    # Seconds a client has to send a request's line and headers (slow clients are cut off).
    head_timeout: float = 10.0
    # The control plane (/_control/, the test kit) answers to this token; None turns it off.
    admin_token: str | None = None
    # Calls remembered per store by the control plane's journal.
    journal_size: int = 500
