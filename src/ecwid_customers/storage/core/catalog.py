"""Customer groups and customer extra-field definitions, for both engines.

Group ids come from the store's ``next_group_id`` counter, like customer ids. Renaming or
deleting a group writes its members in the same transaction, so their ``updated`` and group
move are never seen half done.
"""

from __future__ import annotations

from ecwid_customers.domain.models import GENERAL_GROUP, CustomerGroup, ExtraFieldDefinition
from ecwid_customers.domain.search import Page
from ecwid_customers.storage.base import ExtraFieldChange, GroupChange, GroupPage
from ecwid_customers.storage.core import ids
from ecwid_customers.storage.core.rows import GROUP_COLUMNS, decode_field, encode, group_from_row
from ecwid_customers.storage.core.session import Session
from ecwid_customers.storage.errors import StoreNotFound

FIELDS_IN_ORDER = "SELECT doc FROM extra_fields WHERE store_id = ? ORDER BY created_at, key"


async def group_page(
    session: Session,
    store_id: int,
    keyword: str | None,
    group_ids: tuple[int, ...] | None,
    page: Page,
) -> GroupPage:
    """General first, then by id; General passes the same filters as every other group."""
    general_matches = (group_ids is None or GENERAL_GROUP.id in group_ids) and (
        keyword is None or keyword in GENERAL_GROUP.name.lower()
    )
    clauses: list[str] = ["store_id = ?"]
    params: list[object] = [store_id]
    if keyword is not None:
        clauses.append(session.dialect.contains("name_key", "?"))
        params.append(keyword)
    if group_ids is not None:
        clauses.append(f"id IN ({', '.join('?' * len(group_ids))})")
        params.extend(group_ids)
    condition = " AND ".join(clauses)
    stored: int = await session.value(
        f"SELECT count(*) FROM customer_groups WHERE {condition}", *params
    )
    skip_general = 1 if general_matches else 0
    items = [GENERAL_GROUP] if general_matches and page.offset == 0 else []
    rows = await session.rows(
        f"SELECT {GROUP_COLUMNS} FROM customer_groups WHERE {condition} "
        "ORDER BY id LIMIT ? OFFSET ?",
        *params,
        page.limit - len(items),
        max(page.offset - skip_general, 0),
    )
    items.extend(group_from_row(row) for row in rows)
    return GroupPage(total=stored + skip_general, items=items)


async def get_group(session: Session, store_id: int, group_id: int) -> CustomerGroup | None:
    if group_id == GENERAL_GROUP.id:
        return GENERAL_GROUP
    row = await session.row(
        f"SELECT {GROUP_COLUMNS} FROM customer_groups WHERE store_id = ? AND id = ?",
        store_id,
        group_id,
    )
    return group_from_row(row) if row else None


GROUP_INSERT = (
    "INSERT INTO customer_groups (store_id, id, name, name_key, external_reference_id) "
    "VALUES (?, ?, ?, ?, ?)"
)


async def create_group(
    session: Session, store_id: int, name: str, external_reference_id: str | None
) -> int:
    group_id = await ids.next_group_id(session, store_id)
    await session.run(GROUP_INSERT, store_id, group_id, name, name.lower(), external_reference_id)
    return group_id


async def update_group(
    session: Session, store_id: int, group_id: int, change: GroupChange, now: int
) -> bool:
    name, reference = change.name, change.external_reference_id
    key = name.lower() if name else None
    changed = await session.run(
        "UPDATE customer_groups SET name = coalesce(?, name), name_key = coalesce(?, name_key), "
        "external_reference_id = coalesce(?, external_reference_id) "
        "WHERE store_id = ? AND id = ?",
        *(name, key, reference, store_id, group_id),
    )
    if not changed:
        return False
    # A change to the group is a change to its members (their customerGroupName).
    await session.run(
        "UPDATE customers SET updated_at = ? WHERE store_id = ? AND group_id = ?",
        now,
        store_id,
        group_id,
    )
    return True


async def members(session: Session, store_id: int, group_id: int) -> list[tuple[int, str]]:
    """The id and email of every customer in the group."""
    email = session.dialect.json_text("doc", "email")
    rows = await session.rows(
        f"SELECT id, {email} FROM customers WHERE store_id = ? AND group_id = ? ORDER BY id",
        store_id,
        group_id,
    )
    return [(row[0], row[1]) for row in rows]


async def delete_group(session: Session, store_id: int, group_id: int, now: int) -> bool:
    deleted = await session.run(
        "DELETE FROM customer_groups WHERE store_id = ? AND id = ?", store_id, group_id
    )
    if not deleted:
        return False
    await session.run(
        "UPDATE customers SET group_id = 0, updated_at = ? WHERE store_id = ? AND group_id = ?",
        now,
        store_id,
        group_id,
    )
    return True


async def list_fields(session: Session, store_id: int) -> list[ExtraFieldDefinition]:
    return [decode_field(row[0]) for row in await session.rows(FIELDS_IN_ORDER, store_id)]


async def get_field(
    session: Session, store_id: int, key: str, *, lock: bool = False
) -> ExtraFieldDefinition | None:
    row = await session.row(
        "SELECT doc FROM extra_fields WHERE store_id = ? AND key = ?"
        + (session.dialect.for_update if lock else ""),
        store_id,
        key,
    )
    return decode_field(row[0]) if row else None


FIELD_INSERT = "INSERT INTO extra_fields (store_id, key, doc, created_at) VALUES (?, ?, ?, ?)"


async def create_field(
    session: Session, store_id: int, definition: ExtraFieldDefinition, now: int
) -> bool:
    if await session.value("SELECT 1 FROM stores WHERE id = ?", store_id) is None:
        raise StoreNotFound(store_id)
    # A concurrent insert of the same key makes this one wait, then do nothing.
    document = session.dialect.document(encode(definition))
    inserted = await session.run(
        f"{FIELD_INSERT} ON CONFLICT DO NOTHING", store_id, definition.key, document, now
    )
    return inserted > 0


async def update_field(session: Session, store_id: int, key: str, change: ExtraFieldChange) -> bool:
    # Locked, so a concurrent change applies to this one's result, not beside it.
    current = await get_field(session, store_id, key, lock=True)
    if current is None:
        return False
    await session.run(
        "UPDATE extra_fields SET doc = ? WHERE store_id = ? AND key = ?",
        session.dialect.document(encode(change(current))),
        store_id,
        key,
    )
    return True


async def delete_field(session: Session, store_id: int, key: str) -> bool:
    deleted = await session.run(
        "DELETE FROM extra_fields WHERE store_id = ? AND key = ?", store_id, key
    )
    return deleted > 0
