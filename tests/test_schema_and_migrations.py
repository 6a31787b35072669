"""The committed SDL and the migrations stay in step with the code."""

from __future__ import annotations

from pathlib import Path

from api.migrate import pending_model_changes
from api.settings import Settings
from schema.root import build_schema

ROOT = Path(__file__).resolve().parents[1]


def test_schema_graphql_is_current() -> None:
    committed = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert committed == build_schema(Settings()).as_str() + "\n", "schema.graphql is stale: run `make schema`"


async def test_models_and_migrations_agree(tmp_path: Path) -> None:
    changes = await pending_model_changes(Settings(database_url=f"sqlite://{tmp_path}/check.sqlite3"))
    assert changes == [], f"models changed without a migration: run `tortoise makemigrations` ({changes})"
