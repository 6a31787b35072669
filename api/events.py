"""Events: typed topics over broadcaster, published after commit, fanned out once per process.

- `memory://` works inside one process; `redis://` carries events across processes.
- broadcaster's Redis backend stops listening for good when Redis goes away; `ResilientRedisBackend`
  reconnects with backoff, resubscribes every channel, and then emits `RECONNECTED`, so that
  subscriptions which can replay from the database (`since`) fill the gap.
- Each process holds one broadcaster subscription per channel and fans events out to its local
  subscribers; `EventHub.load_once` lets them share one database load per event.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import OrderedDict
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Hashable
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar
from urllib.parse import urlparse

from broadcaster import Broadcast, Event
from broadcaster._backends.base import BroadcastBackend
from redis import asyncio as aioredis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from api import clock
from api.errors import BadInput
from api.logs import redacted_traceback

log = logging.getLogger("zhili.events")

PREFIX = "zhili"
#: the hub's own channel: keeps the Redis subscription alive and carries nothing else
HUB_CHANNEL = f"{PREFIX}:hub"


class Reconnected:
    """Put in every subscriber's stream after the broadcast backend came back: events may be missing."""

    def __repr__(self) -> str:
        return "RECONNECTED"


RECONNECTED = Reconnected()


class ResilientRedisBackend(BroadcastBackend):
    """broadcaster's Redis pub/sub backend, supervised: it survives Redis restarts."""

    def __init__(self, url: str, *, max_backoff: float = 2.0) -> None:
        self._url = url
        self._max_backoff = max_backoff
        self._channels: set[str] = set()
        self._queue: asyncio.Queue[Event] = asyncio.Queue()
        self._conn: aioredis.Redis | None = None
        self._pubsub: Any = None
        self._runner: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self.reconnects = 0

    def _client(self) -> aioredis.Redis:
        # no silent retries inside redis-py: a lost connection must surface here, so we know to replay
        return aioredis.Redis.from_url(self._url, retry=Retry(NoBackoff(), 0))

    async def connect(self) -> None:
        self._conn = self._client()
        await self._conn.ping()
        self._runner = asyncio.create_task(self._run(), name="zhili-redis-listener")
        await asyncio.wait_for(self._connected.wait(), timeout=10)

    async def disconnect(self) -> None:
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._runner
        for closable in (self._pubsub, self._conn):
            if closable is not None:
                with contextlib.suppress(Exception):
                    await closable.aclose()

    async def subscribe(self, channel: str) -> None:
        self._channels.add(channel)
        if self._pubsub is not None and self._connected.is_set():
            with contextlib.suppress(RedisConnectionError, RedisTimeoutError, OSError):
                await self._pubsub.subscribe(channel)

    async def unsubscribe(self, channel: str) -> None:
        self._channels.discard(channel)
        if self._pubsub is not None and self._connected.is_set():
            with contextlib.suppress(RedisConnectionError, RedisTimeoutError, OSError):
                await self._pubsub.unsubscribe(channel)

    async def publish(self, channel: str, message: Any) -> None:
        assert self._conn is not None
        try:
            await self._conn.publish(channel, message)
        except (RedisConnectionError, RedisTimeoutError, OSError):
            # one retry on a fresh connection: the server may just have come back
            with contextlib.suppress(Exception):
                await self._conn.aclose()
            self._conn = self._client()
            await self._conn.publish(channel, message)

    async def next_published(self) -> Event:
        return await self._queue.get()

    async def ping(self) -> bool:
        try:
            assert self._conn is not None
            return bool(await self._conn.ping())
        except Exception:
            return False

    async def _run(self) -> None:
        backoff = 0.05
        lost = False
        while True:
            try:
                pubsub = self._client().pubsub()
                await pubsub.subscribe(HUB_CHANNEL, *sorted(self._channels))
                self._pubsub = pubsub
                self._connected.set()
                if lost:
                    self.reconnects += 1
                    log.warning(
                        "event broadcast reconnected to Redis; resubscribed %d channels", len(self._channels)
                    )
                    await self._queue.put(Event(RECONNECTED_CHANNEL, ""))
                backoff = 0.05
                async for message in pubsub.listen():
                    if message["type"] == "message":
                        await self._queue.put(Event(message["channel"].decode(), message["data"].decode()))
            except asyncio.CancelledError:
                raise
            except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
                if not lost or self._connected.is_set():
                    log.warning("event broadcast lost Redis (%s); reconnecting", type(exc).__name__)
                lost = True
                self._connected.clear()
                old, self._pubsub = self._pubsub, None
                if old is not None:
                    with contextlib.suppress(Exception):
                        await old.aclose()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)


RECONNECTED_CHANNEL = f"{PREFIX}:reconnected"

Item = Any  # a decoded payload dict, or RECONNECTED


class EventHub:
    """One per process: publishes, and fans each received event out to local subscribers."""

    def __init__(self, url: str, *, prefix: str = PREFIX) -> None:
        self.url = url
        #: namespaces the channels, so several deployments (or test runs) can share one Redis
        self.prefix = prefix
        scheme = urlparse(url).scheme
        self._backend: BroadcastBackend | None = (
            ResilientRedisBackend(url) if scheme in ("redis", "rediss") else None
        )
        self._broadcast = Broadcast(backend=self._backend) if self._backend is not None else Broadcast(url)
        self._local: dict[str, set[asyncio.Queue[Item]]] = {}
        self._pumps: dict[str, asyncio.Task[None]] = {}
        self._loads: OrderedDict[Hashable, asyncio.Future[Any]] = OrderedDict()
        self._started = False

    async def start(self) -> None:
        await self._broadcast.connect()
        self._started = True
        self._pumps[RECONNECTED_CHANNEL] = asyncio.create_task(self._pump(RECONNECTED_CHANNEL))

    async def stop(self) -> None:
        """Stop listening; bounded in time, so a stuck backend cannot hold up a shutdown."""
        pumps = list(self._pumps.values())
        for task in pumps:
            task.cancel()
        if pumps:
            await asyncio.wait(pumps, timeout=5)
        self._pumps.clear()
        for queues in self._local.values():
            for queue in queues:
                queue.put_nowait(None)
        self._local.clear()
        if self._started:
            self._started = False
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._broadcast.disconnect(), timeout=5)

    async def ping(self) -> bool:
        if isinstance(self._backend, ResilientRedisBackend):
            return await self._backend.ping()
        return self._started

    async def publish(self, channel: str, payload: dict[str, Any]) -> None:
        await self._broadcast.publish(channel, json.dumps(payload, default=_json_default))

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[asyncio.Queue[Item]]:
        """A queue receiving the channel's payloads (dicts), RECONNECTED markers, and None at shutdown."""
        queue: asyncio.Queue[Item] = asyncio.Queue()
        first = channel not in self._local
        self._local.setdefault(channel, set()).add(queue)
        if first:
            ready = asyncio.Event()
            self._pumps[channel] = asyncio.create_task(self._pump(channel, ready))
            await ready.wait()
        try:
            yield queue
        finally:
            queues = self._local.get(channel)
            if queues is not None:
                queues.discard(queue)
                if not queues:
                    del self._local[channel]
                    pump = self._pumps.pop(channel, None)
                    if pump is not None:
                        pump.cancel()

    async def _pump(self, channel: str, ready: asyncio.Event | None = None) -> None:
        async with self._broadcast.subscribe(channel) as subscriber:
            if ready is not None:
                ready.set()
            async for event in subscriber:  # type: ignore[union-attr]
                if event is None:
                    continue
                if channel == RECONNECTED_CHANNEL:
                    for queues in list(self._local.values()):
                        for queue in queues:
                            queue.put_nowait(RECONNECTED)
                    continue
                payload = json.loads(event.message)
                for queue in list(self._local.get(channel, ())):
                    queue.put_nowait(payload)

    async def load_once(self, key: Hashable, load: Callable[[], Awaitable[Any]]) -> Any:
        """Run `load` once for `key` in this process; every other caller awaits the same result."""
        future = self._loads.get(key)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._loads[key] = future
            while len(self._loads) > 2048:
                self._loads.popitem(last=False)
            try:
                future.set_result(await load())
            except Exception as exc:
                future.set_exception(exc)
                self._loads.pop(key, None)
                raise
        return await asyncio.shield(future)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot publish {type(value).__name__}")


_hub: EventHub | None = None


def install(hub: EventHub | None) -> EventHub | None:
    """Install the process's hub (the app's lifespan does this); returns the previous one."""
    global _hub
    previous, _hub = _hub, hub
    return previous


def hub() -> EventHub:
    if _hub is None:
        raise RuntimeError("no event hub is running")
    return _hub


P = TypeVar("P")


@dataclass(frozen=True)
class Topic(Generic[P]):
    """A typed family of channels: `Topic("ticket", TicketChanged).channel(report_id)`.

    Payloads are dataclasses of ids, versions, times and short strings; subscribers load
    what they show from the database.
    """

    name: str
    payload: type[P]

    def channel(self, key: int | str) -> str:
        return f"{hub().prefix}:{self.name}:{key}"

    async def publish(self, key: int | str, payload: P) -> None:
        """Publish after the transaction that made the change has committed; never raises."""
        try:
            await hub().publish(self.channel(key), asdict(payload))  # type: ignore[call-overload]
        except Exception as exc:
            # the change is committed; a lost event is recovered by replay (`since`), not by failing the request
            log.error("could not publish %s event\n%s", self.name, redacted_traceback(exc))

    def decode(self, raw: dict[str, Any]) -> P:
        values = dict(raw)
        for f in fields(self.payload):  # type: ignore[arg-type]
            if f.type in ("datetime", "datetime | None") and isinstance(values.get(f.name), str):
                values[f.name] = datetime.fromisoformat(values[f.name])
        return self.payload(**values)

    async def listen(self, *keys: int | str) -> AsyncGenerator[P | Reconnected, None]:
        """Payloads of this topic for `keys` (RECONNECTED after an outage), until cancelled."""
        async with contextlib.AsyncExitStack() as stack:
            queues = [await stack.enter_async_context(hub().subscribe(self.channel(k))) for k in keys]
            merged = queues[0] if len(queues) == 1 else _merge(queues, stack)
            while True:
                item = await merged.get()
                if item is None:
                    return
                yield item if isinstance(item, Reconnected) else self.decode(item)


def _merge(queues: list[asyncio.Queue[Item]], stack: contextlib.AsyncExitStack) -> asyncio.Queue[Item]:
    out: asyncio.Queue[Item] = asyncio.Queue()

    async def forward(q: asyncio.Queue[Item]) -> None:
        while True:
            out.put_nowait(await q.get())

    tasks = [asyncio.create_task(forward(q)) for q in queues]
    stack.callback(lambda: [t.cancel() for t in tasks])
    return out


K = TypeVar("K", bound=Hashable)


#: how far back a live feed replays; older history is for queries, which page
MAX_REPLAY = timedelta(days=7)
#: how long a delivered event's key is kept to recognise it arriving a second time
DEDUP_WINDOW = timedelta(minutes=10)


async def replay_then_live(
    live: AsyncIterator[P | Reconnected],
    replay: Callable[[datetime | None], Awaitable[list[P]]],
    *,
    since: datetime | None,
    key: Callable[[P], Hashable],
    at: Callable[[P], datetime],
) -> AsyncIterator[P]:
    """Events from the database since `since`, then live ones: no gap, no duplicate.

    The caller must have subscribed (`live`) before calling, so nothing published during the
    replay is missed; events seen in the replay are skipped when they arrive live. After a
    broadcast outage (RECONNECTED) the database is read again from the last event seen.
    """
    if since is not None and since < clock.now() - MAX_REPLAY:
        raise BadInput(f"`since` reaches back at most {MAX_REPLAY.days} days; load older history by query")
    # keys of the events delivered, with their times; only recent ones can come again (a replay reads
    # from the last event on), so older keys are dropped and a feed open for weeks stays small
    seen: dict[Hashable, datetime] = {}
    last: datetime = since if since is not None else clock.now()
    prune_at = 256

    def fresh(event: P) -> bool:
        nonlocal last, prune_at
        k = key(event)
        if k in seen:
            return False
        when = at(event)
        seen[k] = when
        last = max(last, when)
        if len(seen) >= prune_at:
            horizon = last - DEDUP_WINDOW
            for old in [k for k, w in seen.items() if w < horizon]:
                del seen[old]
            prune_at = max(256, 2 * len(seen))
        return True

    async def from_db(start: datetime) -> AsyncIterator[P]:
        for event in await replay(start):
            if fresh(event):
                yield event

    if since is not None:
        async for event in from_db(since):
            yield event
    async for item in live:
        if isinstance(item, Reconnected):
            async for event in from_db(last):
                yield event
        elif fresh(item):
            yield item
