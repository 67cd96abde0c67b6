"""The one hook through which a layer above the API (the test kit) takes part in its calls.

The app asks a :class:`CallHooks` of each call it is given one for, at two moments: when the
URL turns out to name an existing store, and when the call is authorised and about to run its
view. The bare app (``serve --no-control``) is given none and runs no such code.
"""

from __future__ import annotations

from typing import Protocol

from ecwid_customers.domain.clock import Clock


class NoAnswer(Exception):
    """Raised by a hook: the call gets no answer at all (its connection is to be dropped).
    The app lets it through to whoever called it with the hook."""


class CallHooks(Protocol):
    def store_found(self, store_id: int) -> Clock:
        """The URL names this existing store; the clock the call's view is to read."""
        ...

    async def before_view(self, store_id: int, route: str, method: str) -> None:
        """The call is authorised for ``method`` on ``route`` (a path of the route table).
        May wait, raise an ``EcwidError`` (answered as any other) or :class:`NoAnswer`."""
        ...
