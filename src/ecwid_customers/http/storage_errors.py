"""What storage refuses, as Ecwid's errors: the one place that maps one to the other.

The API's app renders any :class:`~ecwid_customers.storage.errors.StorageError` a view lets
through with :func:`ecwid_error`; the test kit and the CLI use it too, so a taken email reads
the same everywhere.
"""

from __future__ import annotations

from ecwid_customers import errors
from ecwid_customers.storage import errors as storage


def ecwid_error(error: storage.StorageError) -> errors.EcwidError:
    if isinstance(error, storage.EmailTaken):
        return errors.email_already_exists()
    if isinstance(error, storage.CustomerNotFound):
        return errors.customer_not_found(error.id)
    if isinstance(error, storage.GroupNotFound):
        return errors.customer_group_not_found(error.id)
    if isinstance(error, storage.StoreNotFound):
        return errors.store_not_found()
    if isinstance(error, storage.StorageUnavailable):
        return errors.service_unavailable()
    # A store out of ids, or (administration only) a store or token that already exists.
    return errors.internal_error()
