"""Customer groups and customer extra-field definitions on a SQLite connection."""

from __future__ import annotations

import sqlite3

import msgspec

from ecwid_customers import errors
from ecwid_customers.domain.models import GENERAL_GROUP, CustomerGroup, ExtraFieldDefinition
from ecwid_customers.domain.search import Page
from ecwid_customers.storage.base import ExtraFieldChange, GroupPage

_encode = msgspec.json.Encoder().encode
_decode_field = msgspec.json.Decoder(ExtraFieldDefinition).decode


def _group(row: tuple[int, str, str | None]) -> CustomerGroup:
    return CustomerGroup(id=row[0], name=row[1], external_reference_id=row[2])


def group_page(
    connection: sqlite3.Connection,
    store_id: int,
    keyword: str | None,
    ids: tuple[int, ...] | None,
    page: Page,
) -> GroupPage:
    """General first, then by id; General passes the same filters as every other group."""
    general_matches = (ids is None or GENERAL_GROUP.id in ids) and (
        keyword is None or keyword in GENERAL_GROUP.name.lower()
    )
    clauses: list[str] = ["store_id = ?"]
    params: list[object] = [store_id]
    if keyword is not None:
        clauses.append("instr(name_key, ?) > 0")
        params.append(keyword)
    if ids is not None:
        clauses.append(f"id IN ({', '.join('?' * len(ids))})")
        params.extend(ids)
    condition = " AND ".join(clauses)
    stored: int = connection.execute(
        f"SELECT count(*) FROM customer_groups WHERE {condition}", params
    ).fetchone()[0]
    skip_general = 1 if general_matches else 0
    items = [GENERAL_GROUP] if general_matches and page.offset == 0 else []
    rows = connection.execute(
        f"SELECT id, name, external_reference_id FROM customer_groups WHERE {condition} "
        "ORDER BY id LIMIT ? OFFSET ?",
        (*params, page.limit - len(items), max(page.offset - skip_general, 0)),
    ).fetchall()
    items.extend(_group(row) for row in rows)
    return GroupPage(total=stored + skip_general, items=items)


def get_group(connection: sqlite3.Connection, store_id: int, group_id: int) -> CustomerGroup | None:
    if group_id == GENERAL_GROUP.id:
        return GENERAL_GROUP
    row = connection.execute(
        "SELECT id, name, external_reference_id FROM customer_groups WHERE store_id = ? AND id = ?",
        (store_id, group_id),
    ).fetchone()
    return _group(row) if row else None


def create_group(
    connection: sqlite3.Connection, store_id: int, name: str, external_reference_id: str | None
) -> int:
    row = connection.execute(
        "UPDATE stores SET next_group_id = next_group_id + 1 WHERE id = ? "
        "RETURNING next_group_id - 1",
        (store_id,),
    ).fetchone()
    if row is None:
        raise errors.store_not_found()
    group_id: int = row[0]
    connection.execute(
        "INSERT INTO customer_groups (store_id, id, name, name_key, external_reference_id) "
        "VALUES (?, ?, ?, ?, ?)",
        (store_id, group_id, name, name.lower(), external_reference_id),
    )
    return group_id


def update_group(
    connection: sqlite3.Connection,
    store_id: int,
    group_id: int,
    name: str | None,
    external_reference_id: str | None,
    now: int,
) -> bool:
    changed = connection.execute(
        "UPDATE customer_groups SET name = coalesce(?, name), name_key = coalesce(?, name_key), "
        "external_reference_id = coalesce(?, external_reference_id) "
        "WHERE store_id = ? AND id = ?",
        (name, name.lower() if name else None, external_reference_id, store_id, group_id),
    ).rowcount
    if changed:
        # A change to the group is a change to its members (their customerGroupName).
        connection.execute(
            "UPDATE customers SET updated_at = ? WHERE store_id = ? AND group_id = ?",
            (now, store_id, group_id),
        )
    return bool(changed)


def delete_group(connection: sqlite3.Connection, store_id: int, group_id: int, now: int) -> bool:
    deleted = connection.execute(
        "DELETE FROM customer_groups WHERE store_id = ? AND id = ?", (store_id, group_id)
    ).rowcount
    if deleted:
        connection.execute(
            "UPDATE customers SET group_id = 0, updated_at = ? WHERE store_id = ? AND group_id = ?",
            (now, store_id, group_id),
        )
    return bool(deleted)


def list_fields(connection: sqlite3.Connection, store_id: int) -> list[ExtraFieldDefinition]:
    rows = connection.execute(
        "SELECT doc FROM extra_fields WHERE store_id = ? ORDER BY created_at, key", (store_id,)
    ).fetchall()
    return [_decode_field(row[0]) for row in rows]


def get_field(
    connection: sqlite3.Connection, store_id: int, key: str
) -> ExtraFieldDefinition | None:
    row = connection.execute(
        "SELECT doc FROM extra_fields WHERE store_id = ? AND key = ?", (store_id, key)
    ).fetchone()
    return _decode_field(row[0]) if row else None


def create_field(
    connection: sqlite3.Connection, store_id: int, definition: ExtraFieldDefinition, now: int
) -> bool:
    if not connection.execute("SELECT 1 FROM stores WHERE id = ?", (store_id,)).fetchone():
        raise errors.store_not_found()
    inserted = connection.execute(
        "INSERT INTO extra_fields (store_id, key, doc, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        (store_id, definition.key, _encode(definition), now),
    ).rowcount
    return bool(inserted)


def update_field(
    connection: sqlite3.Connection, store_id: int, key: str, change: ExtraFieldChange
) -> bool:
    current = get_field(connection, store_id, key)
    if current is None:
        return False
    connection.execute(
        "UPDATE extra_fields SET doc = ? WHERE store_id = ? AND key = ?",
        (_encode(change(current)), store_id, key),
    )
    return True


def delete_field(connection: sqlite3.Connection, store_id: int, key: str) -> bool:
    return bool(
        connection.execute(
            "DELETE FROM extra_fields WHERE store_id = ? AND key = ?", (store_id, key)
        ).rowcount
    )
