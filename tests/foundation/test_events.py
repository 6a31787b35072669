"""Events: typed topics, one load per event per process, replay without gap or duplicate,
surviving a Redis restart, and crossing processes over Redis."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from api import events
from api.events import RECONNECTED, EventHub, Topic, replay_then_live
from tests.conftest import REDIS_URL
from tests.servers import ROOT, free_port


@dataclass(frozen=True)
class Ping:
    id: int
    version: int
    at: datetime


PING = Topic("ping", Ping)


async def _next(iterator, timeout: float = 10.0):  # type: ignore[no-untyped-def]
    return await asyncio.wait_for(anext(iterator), timeout)


async def test_topic_publish_reaches_every_listener_of_its_key(database):
    first, second, other = PING.listen(1), PING.listen(1), PING.listen(2)
    # start listening (subscribing happens on the first step of each iterator)
    tasks = [asyncio.ensure_future(_next(it)) for it in (first, second, other)]
    await asyncio.sleep(0)  # let them subscribe
    for _ in range(50):
        if all(events.hub()._local.get(PING.channel(k)) for k in (1, 2)):
            break
        await asyncio.sleep(0.01)
    at = datetime(2026, 7, 1, tzinfo=UTC)
    await PING.publish(1, Ping(id=1, version=1, at=at))
    assert (await tasks[0]) == Ping(id=1, version=1, at=at)
    assert (await tasks[1]) == Ping(id=1, version=1, at=at)
    assert not tasks[2].done()
    tasks[2].cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await tasks[2]
    for it in (first, second):
        await it.aclose()


async def test_load_once_shares_one_load_among_all_callers(database):
    calls = 0

    async def load() -> str:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        return "alert 7 v3"

    hub = events.hub()
    results = await asyncio.gather(*(hub.load_once(("alerts", 7, 3), load) for _ in range(1000)))
    assert set(results) == {"alert 7 v3"} and calls == 1


async def test_replay_then_live_has_no_gap_and_no_duplicate(clock):
    base = clock.now() - timedelta(hours=1)
    stored = [Ping(1, 1, base), Ping(2, 1, base + timedelta(seconds=1))]
    live: asyncio.Queue = asyncio.Queue()

    async def replay(since: datetime | None) -> list[Ping]:
        return [p for p in stored if since is None or p.at >= since]

    async def source():  # type: ignore[no-untyped-def]
        while True:
            yield await live.get()

    # published during the replay: arrives live as well as from the database
    live.put_nowait(Ping(2, 1, base + timedelta(seconds=1)))
    live.put_nowait(Ping(3, 1, base + timedelta(seconds=2)))
    stream = replay_then_live(
        source(), replay, since=base, key=lambda p: (p.id, p.version), at=lambda p: p.at
    )
    got = [await _next(stream) for _ in range(3)]
    assert [(p.id, p.version) for p in got] == [(1, 1), (2, 1), (3, 1)]
    # after an outage, what was stored meanwhile is read again, once
    stored.append(Ping(4, 1, base + timedelta(seconds=3)))
    live.put_nowait(RECONNECTED)
    live.put_nowait(Ping(4, 1, base + timedelta(seconds=3)))
    live.put_nowait(Ping(5, 1, base + timedelta(seconds=4)))
    got = [await _next(stream) for _ in range(2)]
    assert [(p.id, p.version) for p in got] == [(4, 1), (5, 1)]


def _redis(port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _wait_redis(url: str) -> None:
    from redis import asyncio as aioredis

    for _ in range(200):
        try:
            client = aioredis.Redis.from_url(url)
            await client.ping()
            await client.aclose()
            return
        except Exception:
            await asyncio.sleep(0.05)
    raise TimeoutError(url)


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs the redis-server binary")
async def test_listening_resumes_after_a_redis_restart():
    """A private Redis is stopped and started again under a live subscription."""
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    server = _redis(port)
    try:
        await _wait_redis(url)
        hub = EventHub(url, prefix="restart-test")
        await hub.start()
        previous = events.install(hub)
        try:
            stream = PING.listen(5)
            first = asyncio.ensure_future(_next(stream))
            while not hub._local.get(PING.channel(5)):
                await asyncio.sleep(0.01)
            await hub.publish(PING.channel(5), {"id": 5, "version": 1, "at": "2026-07-01T00:00:00+00:00"})
            assert (await first).version == 1

            server.terminate()
            server.wait(timeout=10)
            server = _redis(port)
            await _wait_redis(url)

            assert await _next(stream, timeout=20) is RECONNECTED
            await PING.publish(5, Ping(5, 2, datetime(2026, 7, 1, tzinfo=UTC)))
            assert (await _next(stream)).version == 2
            await stream.aclose()
        finally:
            events.install(previous)
            await hub.stop()
    finally:
        server.terminate()
        server.wait(timeout=10)


PUBLISHER = textwrap.dedent(
    """
    import asyncio, sys
    from api.events import EventHub
    async def main():
        hub = EventHub(sys.argv[1], prefix=sys.argv[2])
        await hub.start()
        await hub.publish(sys.argv[3], {"id": 9, "version": 4, "at": "2026-07-01T00:00:00+00:00"})
        await hub.stop()
    asyncio.run(main())
    """
)


async def test_an_event_published_by_another_process_arrives(database):
    if not events.hub().url.startswith("redis"):
        pytest.skip("one process only: memory:// broadcast (the PostgreSQL + Redis run covers this)")
    stream = PING.listen(9)
    got = asyncio.ensure_future(_next(stream))
    while not events.hub()._local.get(PING.channel(9)):
        await asyncio.sleep(0.01)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", PUBLISHER, REDIS_URL, events.hub().prefix, PING.channel(9), cwd=ROOT
    )
    assert await proc.wait() == 0
    assert (await got) == Ping(9, 4, datetime(2026, 7, 1, tzinfo=UTC))
    await stream.aclose()


async def test_a_replay_reaches_back_a_week_at_most():
    from api import clock
    from api.errors import BadInput

    async def nothing(since: datetime | None) -> list[Ping]:
        return []

    async def silent():  # type: ignore[no-untyped-def]
        await asyncio.Event().wait()
        yield RECONNECTED

    stream = replay_then_live(
        silent(), nothing, since=clock.now() - timedelta(days=8), key=lambda p: p.id, at=lambda p: p.at
    )
    with pytest.raises(BadInput):
        await _next(stream)


async def test_a_long_lived_feed_forgets_old_keys_but_still_drops_recent_duplicates(clock):
    start = clock.now()
    live: asyncio.Queue = asyncio.Queue()

    async def replay(since: datetime | None) -> list[Ping]:
        return []

    async def source():  # type: ignore[no-untyped-def]
        while True:
            yield await live.get()

    stream = replay_then_live(
        source(), replay, since=None, key=lambda p: (p.id, p.version), at=lambda p: p.at
    )
    for i in range(5000):  # a week of events, one every two minutes
        live.put_nowait(Ping(i, 1, start + timedelta(minutes=2 * i)))
        assert (await _next(stream)).id == i
    live.put_nowait(Ping(4999, 1, start + timedelta(minutes=2 * 4999)))  # a recent one, again
    live.put_nowait(Ping(5000, 1, start + timedelta(minutes=2 * 5000)))
    assert (await _next(stream)).id == 5000
    frame = stream.ag_frame  # the generator's own state: its `seen` keys stay within the window
    assert frame is not None and len(frame.f_locals["seen"]) < 600
