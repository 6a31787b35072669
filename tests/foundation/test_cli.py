"""The operator's commands, run as an operator would."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.conftest import BACKEND
from tests.servers import run_cli, zhili_env

pytestmark = pytest.mark.skipif(
    BACKEND != "sqlite", reason="the CLI runs against its own SQLite file: once is enough"
)


def _count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])


def test_migrate_seed_twice_and_create_a_user(tmp_path: Path) -> None:
    db = tmp_path / "cli.sqlite3"
    env = zhili_env(ZHILI_DATABASE_URL=f"sqlite://{db}", ZHILI_MEDIA_DIR=str(tmp_path / "media"))
    migrated = run_cli("migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    first = run_cli("seed", "--demo", env=env)
    assert first.returncode == 0, first.stderr
    assert "百瑞景社区" in first.stdout and "茅圻村" in first.stdout
    counts = {t: _count(db, t) for t in ("community", "account", "role_grant", "grid", "organization")}
    second = run_cli("seed", "--demo", env=env)
    assert second.returncode == 0, second.stderr
    assert {t: _count(db, t) for t in counts} == counts  # idempotent

    created = run_cli(
        "user",
        "create",
        "gw01",
        "--role",
        "GRID_WORKER",
        "--community",
        "brj",
        "--password-stdin",
        env=env,
        stdin="a-long-password\n",
    )
    assert created.returncode == 0, created.stderr
    with sqlite3.connect(db) as conn:
        role, community = conn.execute(
            "SELECT g.role, c.code FROM role_grant g JOIN account a ON a.id = g.account_id "
            "JOIN community c ON c.id = g.community_id WHERE a.username = ?",
            ("gw01",),
        ).fetchone()
        assert (role, community) == ("GRID_WORKER", "BRJ")
        assert (
            conn.execute("SELECT password_hash FROM account WHERE username='gw01'")
            .fetchone()[0]
            .startswith("$argon2id$")
        )

    refused = run_cli(
        "user", "create", "gw02", "--role", "GRID_WORKER", "--password-stdin", env=env, stdin="x" * 12
    )
    assert refused.returncode == 1 and "needs --community" in refused.stderr
    unknown = run_cli(
        "user", "create", "gw03", "--role", "WIZARD", "--password-stdin", env=env, stdin="x" * 12
    )
    assert unknown.returncode == 1 and "unknown role" in unknown.stderr


def test_schema_export_prints_the_sdl(tmp_path: Path) -> None:
    exported = run_cli("schema", "export", env=zhili_env())
    assert exported.returncode == 0 and "type Query" in exported.stdout
    target = tmp_path / "schema.graphql"
    assert run_cli("schema", "export", str(target), env=zhili_env()).returncode == 0
    assert target.read_text(encoding="utf-8") == exported.stdout


def test_production_refuses_implicit_settings(tmp_path: Path) -> None:
    refused = run_cli("migrate", env=zhili_env(ZHILI_ENV="production"))
    assert refused.returncode == 2 and "must be set explicitly" in refused.stderr


def test_production_serves_without_introspection_or_graphiql(tmp_path: Path) -> None:
    import httpx

    from tests.servers import serve

    env = zhili_env(
        ZHILI_ENV="production",
        ZHILI_DATABASE_URL=f"sqlite://{tmp_path}/prod.sqlite3",
        ZHILI_BROADCAST_URL="memory://",
        ZHILI_MEDIA_DIR=str(tmp_path / "media"),
    )
    assert run_cli("migrate", env=env).returncode == 0
    with serve(env) as port:
        base = f"http://127.0.0.1:{port}"
        introspection = httpx.post(f"{base}/graphql", json={"query": "{ __schema { types { name } } }"})
        assert introspection.json().get("errors") and "introspection" in introspection.text.lower()
        assert httpx.post(f"{base}/graphql", json={"query": "{ __typename }"}).json() == {
            "data": {"__typename": "Query"}
        }
        ide = httpx.get(f"{base}/graphql", headers={"accept": "text/html"})
        assert "graphiql" not in ide.text.lower()
