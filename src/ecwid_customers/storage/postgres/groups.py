"""Customer groups and customer extra-field definitions on a PostgreSQL connection.

Group ids come from the store's ``next_group_id`` counter, taken with ``UPDATE ... RETURNING``
like customer ids. Renaming or deleting a group writes its members in the same transaction, so
their ``updated`` and group move are never seen half done.
"""

# SQL is assembled from fixed fragments in code; every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

import msgspec

from ecwid_customers import errors
from ecwid_customers.domain.models import GENERAL_GROUP, CustomerGroup, ExtraFieldDefinition
from ecwid_customers.domain.search import Page
from ecwid_customers.storage.base import ExtraFieldChange, GroupPage
from ecwid_customers.storage.postgres.customers import document
from ecwid_customers.storage.postgres.db import Connection, Row

_decode_field = msgspec.json.Decoder(ExtraFieldDefinition).decode


def _group(row: Row) -> CustomerGroup:
    return CustomerGroup(id=row[0], name=row[1], external_reference_id=row[2])


async def group_page(
    connection: Connection,
    store_id: int,
    keyword: str | None,
    ids: tuple[int, ...] | None,
    page: Page,
) -> GroupPage:
    """General first, then by id; General passes the same filters as every other group."""
    general_matches = (ids is None or GENERAL_GROUP.id in ids) and (
        keyword is None or keyword in GENERAL_GROUP.name.lower()
    )
    clauses: list[str] = ["store_id = $1"]
    params: list[object] = [store_id]
    if keyword is not None:
        params.append(keyword)
        clauses.append(f"strpos(name_key, ${len(params)}) > 0")
    if ids is not None:
        params.append(list(ids))
        clauses.append(f"id = ANY(${len(params)}::bigint[])")
    condition = " AND ".join(clauses)
    stored: int = await connection.fetchval(
        f"SELECT count(*) FROM customer_groups WHERE {condition}",
        *params,
    )
    skip_general = 1 if general_matches else 0
    items = [GENERAL_GROUP] if general_matches and page.offset == 0 else []
    rows = await connection.fetch(
        f"SELECT id, name, external_reference_id FROM customer_groups WHERE {condition} "
        f"ORDER BY id LIMIT ${len(params) + 1} OFFSET ${len(params) + 2}",
        *params,
        page.limit - len(items),
        max(page.offset - skip_general, 0),
    )
    items.extend(_group(row) for row in rows)
    return GroupPage(total=stored + skip_general, items=items)


async def get_group(connection: Connection, store_id: int, group_id: int) -> CustomerGroup | None:
    if group_id == GENERAL_GROUP.id:
        return GENERAL_GROUP
    row = await connection.fetchrow(
        "SELECT id, name, external_reference_id FROM customer_groups "
        "WHERE store_id = $1 AND id = $2",
        store_id,
        group_id,
    )
    return _group(row) if row else None


async def create_group(
    connection: Connection, store_id: int, name: str, external_reference_id: str | None
) -> int:
    group_id: int | None = await connection.fetchval(
        "UPDATE stores SET next_group_id = next_group_id + 1 WHERE id = $1 "
        "RETURNING next_group_id - 1",
        store_id,
    )
    if group_id is None:
        raise errors.store_not_found()
    await connection.execute(
        "INSERT INTO customer_groups (store_id, id, name, name_key, external_reference_id) "
        "VALUES ($1, $2, $3, $4, $5)",
        store_id,
        group_id,
        name,
        name.lower(),
        external_reference_id,
    )
    return group_id


async def update_group(
    connection: Connection,
    store_id: int,
    group_id: int,
    name: str | None,
    external_reference_id: str | None,
    now: int,
) -> bool:
    changed = await connection.fetchval(
        "UPDATE customer_groups SET name = coalesce($3, name), name_key = coalesce($4, name_key), "
        "external_reference_id = coalesce($5, external_reference_id) "
        "WHERE store_id = $1 AND id = $2 RETURNING id",
        store_id,
        group_id,
        name,
        name.lower() if name else None,
        external_reference_id,
    )
    if changed is None:
        return False
    # A change to the group is a change to its members (their customerGroupName).
    await connection.execute(
        "UPDATE customers SET updated_at = $3 WHERE store_id = $1 AND group_id = $2",
        store_id,
        group_id,
        now,
    )
    return True


async def delete_group(connection: Connection, store_id: int, group_id: int, now: int) -> bool:
    deleted = await connection.fetchval(
        "DELETE FROM customer_groups WHERE store_id = $1 AND id = $2 RETURNING id",
        store_id,
        group_id,
    )
    if deleted is None:
        return False
    await connection.execute(
        "UPDATE customers SET group_id = 0, updated_at = $3 WHERE store_id = $1 AND group_id = $2",
        store_id,
        group_id,
        now,
    )
    return True


async def list_fields(connection: Connection, store_id: int) -> list[ExtraFieldDefinition]:
    rows = await connection.fetch(
        "SELECT doc FROM extra_fields WHERE store_id = $1 ORDER BY created_at, key", store_id
    )
    return [_decode_field(row[0]) for row in rows]


async def get_field(
    connection: Connection, store_id: int, key: str, *, lock: bool = False
) -> ExtraFieldDefinition | None:
    row = await connection.fetchrow(
        "SELECT doc FROM extra_fields WHERE store_id = $1 AND key = $2"
        + (" FOR UPDATE" if lock else ""),
        store_id,
        key,
    )
    return _decode_field(row[0]) if row else None


async def create_field(
    connection: Connection, store_id: int, definition: ExtraFieldDefinition, now: int
) -> bool:
    if await connection.fetchval("SELECT 1 FROM stores WHERE id = $1", store_id) is None:
        raise errors.store_not_found()
    # A concurrent insert of the same key makes this one wait, then do nothing.
    inserted = await connection.fetchval(
        "INSERT INTO extra_fields (store_id, key, doc, created_at) VALUES ($1, $2, $3::jsonb, $4) "
        "ON CONFLICT DO NOTHING RETURNING 1",
        store_id,
        definition.key,
        document(definition),
        now,
    )
    return inserted is not None


async def update_field(
    connection: Connection, store_id: int, key: str, change: ExtraFieldChange
) -> bool:
    # Locked, so a concurrent change applies to this one's result, not beside it.
    current = await get_field(connection, store_id, key, lock=True)
    if current is None:
        return False
    await connection.execute(
        "UPDATE extra_fields SET doc = $3::jsonb WHERE store_id = $1 AND key = $2",
        store_id,
        key,
        document(change(current)),
    )
    return True


async def delete_field(connection: Connection, store_id: int, key: str) -> bool:
    deleted = await connection.fetchval(
        "DELETE FROM extra_fields WHERE store_id = $1 AND key = $2 RETURNING 1", store_id, key
    )
    return deleted is not None
