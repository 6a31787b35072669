"""The few statements the ORM cannot say: multi-row upserts with RETURNING, on SQLite and PostgreSQL alike.

Both engines understand `INSERT … ON CONFLICT (…) DO UPDATE/NOTHING … RETURNING`; they differ only
in how parameters are written (`?` against `$1`).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient


def _placeholders(conn: BaseDBAsyncClient, rows: int, width: int) -> str:
    postgres = conn.capabilities.dialect == "postgres"
    groups = []
    for r in range(rows):
        if postgres:
            groups.append("(" + ", ".join(f"${r * width + c + 1}" for c in range(width)) + ")")
        else:
            groups.append("(" + ", ".join("?" * width) + ")")
    return ", ".join(groups)


async def insert_returning(
    conn: BaseDBAsyncClient,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    on_conflict: str = "",
    returning: Sequence[str],
) -> list[dict[str, Any]]:
    """One multi-row INSERT; `on_conflict` is the text after `ON CONFLICT` (e.g. `("x") DO NOTHING`)."""
    if not rows:
        return []
    cols = ", ".join(f'"{c}"' for c in columns)
    sql = f'INSERT INTO "{table}" ({cols}) VALUES {_placeholders(conn, len(rows), len(columns))}'
    if on_conflict:
        sql += f" ON CONFLICT {on_conflict}"
    sql += " RETURNING " + ", ".join(f'"{c}"' for c in returning)
    values = [_db(v) for row in rows for v in row]
    return await conn.execute_query_dict(sql, values)


def _db(value: Any) -> Any:
    # asyncpg wants plain str, not StrEnum members
    return value.value if isinstance(value, Enum) else value
