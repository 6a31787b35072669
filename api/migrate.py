"""Applying and checking migrations (tortoise's built-in migration engine)."""

from __future__ import annotations

from tortoise import Tortoise
from tortoise.migrations.api import migrate as migrate_api
from tortoise.migrations.autodetector import MigrationAutodetector

from api.db import tortoise_config
from api.models import APPS
from api.settings import Settings


async def migrate(settings: Settings, *, progress: bool = False) -> None:
    """Apply every pending migration of every app."""

    def report(event: str, app_label: str, name: str) -> None:
        if progress and event == "apply_done":
            print(f"  applied {app_label}.{name}")

    try:
        await migrate_api(config=tortoise_config(settings), progress=report)
    finally:
        await Tortoise.close_connections()


async def pending_model_changes(settings: Settings) -> list[str]:
    """Names of the migrations `makemigrations` would write now; empty when models and migrations agree."""
    from tortoise.context import TortoiseContext

    config = tortoise_config(settings)
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        assert ctx.apps is not None  # set by init
        detector = MigrationAutodetector(ctx.apps, {label: config["apps"][label] for label in APPS})
        writers = await detector.changes()
    return [f"{w.app_label}.{w.name}" for w in writers]
