"""What both benchmarks need: a fresh database, a seeded community with devices, a server in a subprocess."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from api.settings import Settings

PG_ADMIN_URL = os.environ.get("ZHILI_BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres")


@dataclass
class Seeded:
    token: str
    community_gid: str
    keys: list[str]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


async def _pg(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextlib.contextmanager
def fresh_database(backend: str) -> Iterator[Settings]:
    """A migrated, empty database on `backend` ("sqlite" or "postgres"), dropped afterwards."""
    from api.migrate import migrate

    base = Settings(
        env="test",
        argon2_time_cost=1,
        argon2_memory_cost=1024,
        argon2_parallelism=1,
        broadcast_prefix=f"zhili-bench-{uuid.uuid4().hex[:8]}",
    )
    if backend == "postgres":
        name = f"zhili_bench_{uuid.uuid4().hex[:8]}"
        asyncio.run(_pg(f'CREATE DATABASE "{name}"'))
        settings = base.with_overrides(database_url=f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}")
    else:
        name = ""
        settings = base.with_overrides(
            database_url=f"sqlite://{tempfile.mkdtemp(prefix='zhili-bench-')}/bench.sqlite3"
        )
    asyncio.run(migrate(settings))
    try:
        yield settings
    finally:
        if name:
            asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def seed(settings: Settings, devices: int) -> Seeded:
    """A community, its grid worker (with a token) and `devices` wristbands, through the use cases."""
    from api import clock
    from api.auth import Grant, Principal, issue_token
    from api.db import close_db, init_db
    from api.models.accounts import Account, Role, RoleGrant
    from api.models.care import CareCategory
    from api.models.devices import DeviceKind
    from api.models.places import Community
    from resolvers.care import create_care_recipient
    from resolvers.devices import registry
    from schema.base import encode_id

    await init_db(settings)
    try:
        now = clock.now()
        community = await Community.create(
            code="BENCH",
            name="压测社区",
            city="武汉市",
            district="武昌区",
            street="中南路街道",
            lat=30.5275,
            lng=114.3297,
            created_at=now,
        )
        worker = await Account.create(
            username="bench-grid", display_name="压测网格员", password_hash="-", created_at=now
        )
        await RoleGrant.create(account=worker, role=Role.GRID_WORKER, community=community, created_at=now)
        raw, _ = await issue_token(worker, settings)
        admin = Principal(username="bench", grants=(Grant(role=Role.ADMIN),))
        keys = []
        for i in range(devices):
            person = await create_care_recipient(
                principal=admin,
                community_id=community.id,
                name=f"老人{i}",
                category=CareCategory.ELDERLY_ALONE,
            )
            registered = await registry.register_device(
                principal=admin,
                serial=f"BENCH-{i:04d}",
                kind=DeviceKind.WRISTBAND,
                community_id=community.id,
                wearer_id=person.id,
            )
            keys.append(registered.ingest_key)
        return Seeded(token=raw, community_gid=encode_id("Community", community.id), keys=keys)
    finally:
        await close_db()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def server(settings: Settings, app: str = "api.main:app") -> Iterator[str]:
    """One uvicorn process serving `app` against `settings`' database; yields its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "ZHILI_DATABASE_URL": settings.database_url,
        "ZHILI_BROADCAST_URL": settings.broadcast_url,
        "ZHILI_BROADCAST_PREFIX": settings.broadcast_prefix,
        "ZHILI_ENV": "test",
        "ZHILI_LOG_LEVEL": "WARNING",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            app,
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--ws-max-queue",
            "1024",
        ],
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=15)
