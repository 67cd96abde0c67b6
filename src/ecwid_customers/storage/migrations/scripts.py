"""Running a migration's SQL script statement by statement."""

from __future__ import annotations

from alembic import op


def statements(script: str) -> list[str]:
    """The statements of ``script``; SQLite triggers hold ';' inside BEGIN ... END, so a
    ``CREATE TRIGGER`` ends only at its ``END;``."""
    found, current = [], ""
    for line in script.strip().splitlines(keepends=True):
        current += line
        text = current.strip()
        if text.endswith(";") and (not text.startswith("CREATE TRIGGER") or text.endswith("END;")):
            found.append(text)
            current = ""
    return found


def run(script: str) -> None:
    for statement in statements(script):
        op.execute(statement)
