"""What storage refuses, in storage's own terms.

Both engines raise these and nothing Ecwid-shaped: the HTTP layer turns them into Ecwid's
errors in one place (``http/storage_errors.py``), the CLI into its messages. A change function
handed to storage (say an update's domain rules) may raise its own errors; those pass through
as they are.
"""

from __future__ import annotations

from typing import ClassVar


class StorageError(Exception):
    """A request storage cannot carry out; nothing of it was written."""


class EmailTaken(StorageError):
    """Another customer of the store has this email (compared as ``email_key``)."""

    def __init__(self) -> None:
        super().__init__("another customer of the store has this email")


class _AboutOne(StorageError):
    """A refusal about one store, customer or group, named by its id in ``id``."""

    template: ClassVar[str] = "{id}"

    def __init_subclass__(cls, *, template: str) -> None:
        cls.template = template

    def __init__(self, id: int) -> None:
        super().__init__(self.template.format(id=id))
        self.id = id


# A store of that id: there is none, or there is one already; a token value it already has;
# no customer id left in it (2^31 - 1 handed out).
class StoreNotFound(_AboutOne, template="store {id} does not exist"): ...


class StoreExists(_AboutOne, template="store {id} already exists"): ...


class TokenExists(_AboutOne, template="store {id} already has this token"): ...


class IdsExhausted(_AboutOne, template="store {id} has used every customer id"): ...


class CustomerNotFound(_AboutOne, template="customer {id} does not exist"): ...


class GroupNotFound(_AboutOne, template="customer group {id} does not exist"): ...


# Why a storage that is not open (not yet, or no longer: a server shutting down) refuses.
NOT_OPEN = "storage is not open"


class StorageUnavailable(StorageError):
    """The database cannot do this now, for a reason outside the request: the disk is full,
    the file is read-only, I/O fails, the server is unreachable. Nothing was written; the same
    request may succeed later. ``kind`` names the fault in a few words, for the log."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"the database is unavailable: {kind}")
        self.kind = kind
