"""What storage refuses, in storage's own terms.

Both engines raise these and nothing Ecwid-shaped: the HTTP layer turns them into Ecwid's
errors in one place (``http/storage_errors.py``), the CLI into its messages. A change function
handed to storage (say an update's domain rules) may raise its own errors; those pass through
as they are.
"""

from __future__ import annotations


class StorageError(Exception):
    """A request storage cannot carry out; nothing of it was written."""


class StoreNotFound(StorageError):
    def __init__(self, store_id: int) -> None:
        super().__init__(f"store {store_id} does not exist")
        self.store_id = store_id


class CustomerNotFound(StorageError):
    def __init__(self, customer_id: int) -> None:
        super().__init__(f"customer {customer_id} does not exist")
        self.customer_id = customer_id


class GroupNotFound(StorageError):
    def __init__(self, group_id: int) -> None:
        super().__init__(f"customer group {group_id} does not exist")
        self.group_id = group_id


class EmailTaken(StorageError):
    """Another customer of the store has this email (compared as ``email_key``)."""

    def __init__(self) -> None:
        super().__init__("another customer of the store has this email")


class StoreExists(StorageError):
    def __init__(self, store_id: int) -> None:
        super().__init__(f"store {store_id} already exists")
        self.store_id = store_id


class TokenExists(StorageError):
    """The store already has a token with this value (a pinned value given twice)."""

    def __init__(self, store_id: int) -> None:
        super().__init__(f"store {store_id} already has this token")
        self.store_id = store_id


class IdsExhausted(StorageError):
    """The store has handed out every customer id there is (2^31 - 1 of them)."""

    def __init__(self, store_id: int) -> None:
        super().__init__(f"store {store_id} has used every customer id")
        self.store_id = store_id
