"""The one table of API routes: method, path under ``/api/v3/{storeId}/``, view, scopes.

Authorisation reads the scopes from here and nowhere else (spec 1.1, 2.3).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ecwid_customers.http.request import Request
from ecwid_customers.http.responses import Response
from ecwid_customers.http.router import Router
from ecwid_customers.http.views import batch, contacts, customers, extrafields, groups
from ecwid_customers.scopes import (
    CREATE_CUSTOMERS,
    DELETE_CUSTOMERS_EXTRAFIELDS,
    READ_CUSTOMERS,
    READ_CUSTOMERS_EXTRAFIELDS,
    READ_STORE_PROFILE,
    UPDATE_CUSTOMERS,
    UPDATE_CUSTOMERS_EXTRAFIELDS,
)

View = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str  # segments after /api/v3/{storeId}/, "{name}" for a path value
    view: View
    scopes: tuple[str, ...]  # the token needs every one of these...
    any_of: tuple[str, ...] = ()  # ...and, when given, at least one of these
    customer_groups: bool = False  # only on plans with customer groups (else 402)
    legacy_scopes: tuple[str, ...] | None = None  # what older docs asked instead (Q17)

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.path.split("/"))


_READ = (READ_CUSTOMERS,)
# Current docs ask for both on PUT/DELETE; older ones for update only (Q17).
_READ_UPDATE = (READ_CUSTOMERS, UPDATE_CUSTOMERS)

_DIRECT: tuple[Route, ...] = (
    Route("GET", "customers", customers.search_customers, _READ),
    Route("POST", "customers", customers.create_customer, (CREATE_CUSTOMERS,)),
    # Either generation of the docs is satisfied (Q18).
    Route(
        "GET",
        "customers/deleted",
        customers.deleted_customers,
        (),
        any_of=(READ_CUSTOMERS, READ_STORE_PROFILE),
    ),
    Route("GET", "customers/{customerId}", customers.get_customer, _READ),
    Route(
        "PUT",
        "customers/{customerId}",
        customers.update_customer,
        _READ_UPDATE,
        legacy_scopes=(UPDATE_CUSTOMERS,),
    ),
    Route(
        "DELETE",
        "customers/{customerId}",
        customers.delete_customer,
        _READ_UPDATE,
        legacy_scopes=(UPDATE_CUSTOMERS,),
    ),
    Route("GET", "customers/{customerId}/contacts", contacts.list_contacts, _READ),
    Route("POST", "customers/{customerId}/contacts", contacts.create_contact, (CREATE_CUSTOMERS,)),
    Route("GET", "customers/{customerId}/contacts/{contactId}", contacts.get_contact, _READ),
    Route(
        "PUT",
        "customers/{customerId}/contacts/{contactId}",
        contacts.update_contact,
        (UPDATE_CUSTOMERS,),
    ),
    Route(
        "DELETE",
        "customers/{customerId}/contacts/{contactId}",
        contacts.delete_contact,
        (UPDATE_CUSTOMERS,),
    ),
    Route("GET", "customer_groups", groups.list_groups, _READ, customer_groups=True),
    Route(
        "POST", "customer_groups", groups.create_group, (CREATE_CUSTOMERS,), customer_groups=True
    ),
    Route("GET", "customer_groups/{groupId}", groups.get_group, _READ, customer_groups=True),
    Route(
        "PUT",
        "customer_groups/{groupId}",
        groups.update_group,
        (UPDATE_CUSTOMERS,),
        customer_groups=True,
    ),
    Route(
        "DELETE",
        "customer_groups/{groupId}",
        groups.delete_group,
        (UPDATE_CUSTOMERS,),
        customer_groups=True,
    ),
    Route(
        "GET", "store_extrafields/customers", extrafields.list_fields, (READ_CUSTOMERS_EXTRAFIELDS,)
    ),
    Route(
        "POST",
        "store_extrafields/customers",
        extrafields.create_field,
        (UPDATE_CUSTOMERS_EXTRAFIELDS,),
    ),
    Route(
        "GET",
        "store_extrafields/customers/{key}",
        extrafields.get_field,
        (READ_CUSTOMERS_EXTRAFIELDS,),
    ),
    Route(
        "PUT",
        "store_extrafields/customers/{key}",
        extrafields.update_field,
        (UPDATE_CUSTOMERS_EXTRAFIELDS,),
    ),
    Route(
        "DELETE",
        "store_extrafields/customers/{key}",
        extrafields.delete_field,
        (DELETE_CUSTOMERS_EXTRAFIELDS,),
    ),
)

# The Batch API: each request of a batch is authorised as its direct call (scopes included),
# so the batch itself asks only for a scope some request could use; public tokens, which no
# customer route admits, cannot batch either.
_ANY_ROUTE_SCOPE = tuple(
    dict.fromkeys(scope for route in _DIRECT for scope in (*route.scopes, *route.any_of))
)

ROUTES: tuple[Route, ...] = (
    *_DIRECT,
    Route("POST", "batch", batch.create_batch, (), any_of=_ANY_ROUTE_SCOPE),
    Route("GET", "batch", batch.get_batch, (), any_of=_ANY_ROUTE_SCOPE),
    Route("POST", "batch/cancel-group", batch.cancel_batch_group, (), any_of=_ANY_ROUTE_SCOPE),
)


ROUTER = Router(ROUTES)
