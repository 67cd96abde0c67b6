"""A search statement being assembled: the core writes its conditions, an engine's dialect
may change its source (SQLite's text index) and its order."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SearchSql:
    """``SELECT ... FROM {source} WHERE {condition} ORDER BY {order}``; the parameters of
    ``source`` come before those of ``condition``."""

    source: str = "customers c"
    source_params: list[object] = field(default_factory=list)
    clauses: list[str] = field(default_factory=list)
    params: list[object] = field(default_factory=list)
    order: str = ""
    # The sort's columns and directions (the last is the id), for statements that sort
    # something other than the customers table itself.
    sort_terms: list[tuple[str, str]] = field(default_factory=list)
    # Whether a filter narrows the rows enough that its index, not the sort order's, should
    # drive the query (SQLite's planner cannot tell without statistics).
    selective: bool = False

    @property
    def condition(self) -> str:
        return " AND ".join(self.clauses)

    @property
    def all_params(self) -> list[object]:
        return [*self.source_params, *self.params]

    def add(self, clause: str, *values: object) -> None:
        self.clauses.append(clause)
        self.params.extend(values)
