"""The database: tortoise-orm configured from settings, one app per domain."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from api.models import APPS
from api.settings import Settings


def tortoise_config(settings: Settings) -> dict[str, Any]:
    return {
        "connections": {"default": settings.database_url},
        "apps": {
            label: {"models": modules, "default_connection": "default", "migrations": f"migrations.{label}"}
            for label, modules in APPS.items()
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def init_db(settings: Settings) -> None:
    # the global fallback: uvicorn runs the lifespan in a task of its own, and requests run in
    # others, which would not see a context bound only to the lifespan's task
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)


async def close_db() -> None:
    await Tortoise.close_connections()  # also clears the global fallback


def is_postgres() -> bool:
    return get_connection("default").capabilities.dialect == "postgres"


@asynccontextmanager
async def transaction() -> AsyncIterator[BaseDBAsyncClient]:
    """One database transaction; use cases publish their events only after it commits."""
    async with in_transaction("default") as conn:
        yield conn


async def ping() -> bool:
    try:
        await get_connection("default").execute_query("SELECT 1")
    except Exception:
        return False
    return True
