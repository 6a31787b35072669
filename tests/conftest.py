"""Test fixtures: a real database per session (SQLite, or PostgreSQL when ZHILI_TEST_BACKEND=postgres),
a clean slate per test, the app over HTTP and websockets, factories and an injectable clock.

The same suite runs on both backends: `make test` runs it on SQLite, then on PostgreSQL + Redis
when they are reachable.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx_ws import aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport
from tortoise import Tortoise, connections

from api import clock as clock_module
from api import events
from api.app import create_app
from api.auth import issue_token
from api.db import init_db
from api.migrate import migrate
from api.models.accounts import Account, Role, RoleGrant
from api.models.places import Community, Grid, Organization, OrganizationKind
from api.settings import Settings
from schema import sharing

BACKEND = os.environ.get("ZHILI_TEST_BACKEND", "sqlite")
PG_ADMIN_URL = os.environ.get("ZHILI_TEST_PG", "postgres://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("ZHILI_TEST_REDIS", "redis://127.0.0.1:6379/0")
PASSWORD = "correct-horse-battery"


def pytest_report_header() -> str:
    return f"zhili backend: {BACKEND}"


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def test_settings() -> Iterator[Settings]:
    run = uuid.uuid4().hex[:10]
    media = tempfile.mkdtemp(prefix="zhili-media-")
    base = Settings(
        env="test",
        media_dir=media,
        # cheap argon2 parameters: the suite hashes many passwords; production keeps the defaults
        argon2_time_cost=1,
        argon2_memory_cost=1024,
        argon2_parallelism=1,
        broadcast_prefix=f"zhili-test-{run}",
    )
    if BACKEND == "postgres":
        db = f"zhili_test_{run}"
        asyncio.run(_pg_admin(f'CREATE DATABASE "{db}"'))
        host = PG_ADMIN_URL.rsplit("/", 1)[0]
        yield base.with_overrides(database_url=f"{host}/{db}", broadcast_url=REDIS_URL)
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
    else:
        folder = tempfile.mkdtemp(prefix="zhili-db-")
        yield base.with_overrides(database_url=f"sqlite://{folder}/test.sqlite3")


@pytest.fixture(scope="session")
async def database(test_settings: Settings) -> AsyncIterator[Settings]:
    """Migrated once per session, through the real migrations."""
    await migrate(test_settings)
    await init_db(test_settings)
    hub = events.EventHub(test_settings.broadcast_url, prefix=test_settings.broadcast_prefix)
    await hub.start()
    events.install(hub)
    yield test_settings
    await hub.stop()
    events.install(None)
    await Tortoise.close_connections()


def _tables() -> list[str]:
    return sorted({m._meta.db_table for app in Tortoise.apps.values() for m in app.values()})


@pytest.fixture(autouse=True)
async def clean(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Every test starts from empty tables."""
    if "database" not in request.fixturenames:
        yield
        return
    yield
    sharing.clear()
    conn = connections.get("default")
    tables = _tables()
    if conn.capabilities.dialect == "postgres":
        await conn.execute_script(
            f"TRUNCATE {', '.join(chr(34) + t + chr(34) for t in tables)} RESTART IDENTITY CASCADE"
        )
    else:
        await conn.execute_script(
            "PRAGMA foreign_keys = OFF;"
            + "".join(f'DELETE FROM "{t}";' for t in tables)
            + "DELETE FROM sqlite_sequence; PRAGMA foreign_keys = ON;"
        )


@pytest.fixture
def settings(database: Settings) -> Settings:
    return database


@pytest.fixture
def clock() -> Iterator[clock_module.FrozenClock]:
    """A frozen clock for the test: move it with `clock.advance(minutes=…)`."""
    frozen = clock_module.FrozenClock(datetime(2026, 7, 1, 1, 0, tzinfo=UTC))
    previous = clock_module.install(frozen)
    yield frozen
    clock_module.install(previous)


# --------------------------------------------------------------------------- factories


@dataclass
class Factory:
    settings: Settings
    counter: int = 0
    tokens: dict[int, str] = field(default_factory=dict)

    def _next(self) -> int:
        self.counter += 1
        return self.counter

    async def community(self, code: str | None = None, name: str | None = None, **extra: Any) -> Community:
        n = self._next()
        return await Community.create(
            code=code or f"C{n:04d}",
            name=name or f"社区{n}",
            city=extra.pop("city", "武汉市"),
            district=extra.pop("district", "武昌区"),
            street=extra.pop("street", "中南路街道"),
            lat=extra.pop("lat", 30.5275),
            lng=extra.pop("lng", 114.3297),
            created_at=clock_module.now(),
            **extra,
        )

    async def grid(self, community: Community, name: str | None = None) -> Grid:
        return await Grid.create(
            community=community, name=name or f"网格{self._next()}", created_at=clock_module.now()
        )

    async def organization(
        self,
        kind: OrganizationKind = OrganizationKind.WORK_UNIT,
        community: Community | None = None,
        name: str | None = None,
    ) -> Organization:
        return await Organization.create(
            name=name or f"单位{self._next()}", kind=kind, community=community, created_at=clock_module.now()
        )

    async def account(
        self,
        role: Role | None = Role.RESIDENT,
        community: Community | None = None,
        organization: Organization | None = None,
        username: str | None = None,
        phone: str | None = None,
        display_name: str | None = None,
        roles: tuple[tuple[Role, Community | None], ...] = (),
    ) -> Account:
        from api.auth import passwords

        n = self._next()
        account = await Account.create(
            username=username or f"user{n}",
            display_name=display_name or f"用户{n}",
            phone=phone,
            password_hash=await passwords(self.settings).hash(PASSWORD),
            created_at=clock_module.now(),
        )
        grants = ([(role, community)] if role is not None else []) + list(roles)
        for r, c in grants:
            await RoleGrant.create(
                account=account,
                role=r,
                community=c,
                organization=organization if r is Role.ORG_ADMIN else None,
                created_at=clock_module.now(),
            )
        return account

    async def token(self, account: Account) -> str:
        if account.id not in self.tokens:
            raw, _ = await issue_token(account, self.settings)
            self.tokens[account.id] = raw
        return self.tokens[account.id]


@pytest.fixture
def factory(settings: Settings) -> Factory:
    return Factory(settings=settings)


# --------------------------------------------------------------------------- the API as a client sees it


class GraphQLClient:
    """Talks to the app over HTTP (and websockets) exactly as a client would."""

    def __init__(self, http: httpx.AsyncClient, factory: Factory, app: Any) -> None:
        self.http = http
        self.factory = factory
        self.app = app

    async def headers_for(self, who: Account | str | None) -> dict[str, str]:
        if who is None:
            return {}
        token = who if isinstance(who, str) else await self.factory.token(who)
        return {"Authorization": f"Bearer {token}"}

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, *, as_: Account | str | None = None
    ) -> dict[str, Any]:
        response = await self.http.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers=await self.headers_for(as_),
        )
        assert response.status_code in (200, 400), response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, *, as_: Account | str | None = None
    ) -> Any:
        """The `data` of a response that must have no top-level errors."""
        body = await self.post(query, variables, as_=as_)
        assert not body.get("errors"), body["errors"]
        return body["data"]

    async def error_code(
        self, query: str, variables: dict[str, Any] | None = None, *, as_: Account | str | None = None
    ) -> str:
        """The `extensions.code` of the first top-level error (which must be there)."""
        body = await self.post(query, variables, as_=as_)
        assert body.get("errors"), body
        return str(body["errors"][0].get("extensions", {}).get("code"))

    @contextlib.asynccontextmanager
    async def websocket(self, protocol: str = "graphql-transport-ws") -> AsyncIterator[Any]:
        """A websocket to /graphql; opened inside the test's own task (anyio's task groups need that)."""
        async with (
            httpx.AsyncClient(transport=ASGIWebSocketTransport(app=self.app), base_url="http://test") as http,
            aconnect_ws("http://test/graphql", http, subprotocols=[protocol]) as ws,
        ):
            yield ws


@pytest.fixture
async def app(settings: Settings) -> Any:
    return create_app(settings, manage_db=False)


@pytest.fixture
async def api(app: Any, factory: Factory) -> AsyncIterator[GraphQLClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        yield GraphQLClient(http, factory, app)


class Subscription:
    """A `graphql-transport-ws` subscription: `await sub.next()` returns the next payload's data."""

    def __init__(self, ws: Any, op_id: str) -> None:
        self.ws = ws
        self.op_id = op_id

    async def next(self, timeout: float = 10.0) -> Any:
        while True:
            message = await asyncio.wait_for(self.ws.receive_json(), timeout)
            if message.get("type") == "ping":
                await self.ws.send_json({"type": "pong"})
                continue
            if message.get("id") != self.op_id:
                continue
            if message["type"] == "next":
                assert not message["payload"].get("errors"), message["payload"]["errors"]
                return message["payload"]["data"]
            if message["type"] == "error":
                raise AssertionError(f"subscription error: {message['payload']}")
            if message["type"] == "complete":
                raise AssertionError("subscription completed")


async def subscribe(
    ws: Any, query: str, variables: dict[str, Any] | None = None, *, token: str, op_id: str = "1"
) -> Subscription:
    """Initialise the connection (once per socket) and start one subscription."""
    if not getattr(ws, "_zhili_acked", False):
        await ws.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        ack = await asyncio.wait_for(ws.receive_json(), 10)
        assert ack["type"] == "connection_ack", ack
        ws._zhili_acked = True
    await ws.send_json(
        {"type": "subscribe", "id": op_id, "payload": {"query": query, "variables": variables or {}}}
    )
    return Subscription(ws, op_id)


def contract_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "shared" / "contract"
