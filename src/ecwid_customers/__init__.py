"""ecwid-customers: Ecwid's Customers REST API (v3), served from SQLite or PostgreSQL."""

from __future__ import annotations

__version__ = "0.1.0"
