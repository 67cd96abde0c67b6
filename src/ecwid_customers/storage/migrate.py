"""Versioned schema migrations (Alembic) for both engines, applied on start and by
``ecwid-customers db upgrade``.

Alembic and SQLAlchemy are imported only when a database is behind: a server start on a
current database reads one row and goes on.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from ecwid_customers.storage.urls import sqlite_path

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
HEAD = "0009"
# Several processes may start at once against one PostgreSQL: one migrates, the others wait.
_PG_MIGRATION_LOCK = 0x6563_7769_6400


def _sqlalchemy_url(url: str) -> str:
    if url.startswith("sqlite"):
        return f"sqlite:///{sqlite_path(url)}"
    rest = url.partition("://")[2]
    return f"postgresql+psycopg://{rest}"


def sqlite_revision(path: Path) -> str | None:
    """The schema revision of a SQLite file (``None`` when it has none yet)."""
    if not path.exists():
        return None
    connection = sqlite3.connect(path)
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:  # no alembic_version table: an empty database
        return None
    finally:
        connection.close()
    return str(row[0]) if row else None


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (the newest by default)."""
    import sqlalchemy
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    engine = sqlalchemy.create_engine(_sqlalchemy_url(url))
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    sqlalchemy.text("SELECT pg_advisory_xact_lock(:key)"),
                    {"key": _PG_MIGRATION_LOCK},
                )
                # A migration waiting on a busy table would queue every request behind it:
                # give up instead, and say so.
                connection.execute(sqlalchemy.text("SET LOCAL lock_timeout = '10s'"))
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def current(url: str) -> Any:
    """The revision the database is at, as Alembic reports it."""
    import sqlalchemy
    from alembic.runtime.migration import MigrationContext

    engine = sqlalchemy.create_engine(_sqlalchemy_url(url))
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def check_not_newer(revision: str | None) -> None:
    known = {path.stem.split("_", 1)[0] for path in (MIGRATIONS / "versions").glob("0*.py")}
    if revision is not None and revision not in known:
        raise RuntimeError(
            f"the database has schema revision {revision}, which this release does not know: "
            "upgrade ecwid-customers"
        )
