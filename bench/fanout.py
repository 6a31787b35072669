"""Benchmark: one reading raising an alert, fanned out to N dashboard subscribers of one server process,
against a plain starlette websocket broadcast of the same JSON to N sockets of the same process.

    .venv/bin/python -m bench.fanout [--subscribers 100 1000] [--rounds 5]

Latency is from the moment the client sends the reading (or the broadcast request) to the moment
each socket has the message; p50/p99 are over all deliveries of all rounds. The zhili figure includes
the HTTP ingest, the transaction (reading, rules, alert upsert, event row), publishing, the one
shared load of the alert per event, and per-subscriber GraphQL execution of `AlertFeed`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import websockets

from bench.common import fresh_database, percentile, seed, server

ALERT_FEED = """
fragment AlertFields on Alert {
  id kind severity status raisedAt lastOccurredAt occurrences escalationLevel
  device { id serial kind } subject { id name } location { lat lng } acknowledgedBy { id displayName }
}
subscription AlertFeed($communityId: ID!, $since: DateTime) {
  alerts(communityId: $communityId, since: $since) { type at alert { ...AlertFields } }
}"""


class Sockets:
    """N open websockets, each recording when its next message arrived."""

    def __init__(self, count: int, accept: Callable[[str], bool]) -> None:
        self.count = count
        self.accept = accept
        self.arrived: list[float] = [0.0] * count
        self.pending = 0
        self.done = asyncio.Event()
        self.last_text = ""
        self.tasks: list[asyncio.Task[None]] = []
        self.conns: list[Any] = []

    def arm(self) -> None:
        self.arrived = [0.0] * self.count
        self.pending = self.count
        self.done.clear()

    def start(self, i: int, ws: Any) -> None:
        async def reader() -> None:
            async for message in ws:
                text = message if isinstance(message, str) else message.decode()
                if not self.accept(text):
                    continue
                if self.arrived[i] == 0.0 and self.pending:
                    self.arrived[i] = time.perf_counter()
                    self.last_text = text
                    self.pending -= 1
                    if self.pending == 0:
                        self.done.set()

        self.conns.append(ws)
        self.tasks.append(asyncio.create_task(reader()))

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*(ws.close() for ws in self.conns), return_exceptions=True)


async def open_zhili(url: str, token: str, community_gid: str, n: int) -> Sockets:
    socks = Sockets(n, lambda text: '"type":"next"' in text.replace(" ", ""))
    ws_url = url.replace("http", "ws", 1) + "/graphql"

    async def one(i: int) -> None:
        ws = await websockets.connect(
            ws_url, subprotocols=["graphql-transport-ws"], max_queue=None, ping_interval=None, open_timeout=60
        )
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        )
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(
            json.dumps(
                {
                    "type": "subscribe",
                    "id": "1",
                    "payload": {"query": ALERT_FEED, "variables": {"communityId": community_gid}},
                }
            )
        )
        socks.start(i, ws)

    for start in range(
        0, n, 100
    ):  # connect in waves, as dashboards would not all open in the same millisecond
        await asyncio.gather(*(one(i) for i in range(start, min(n, start + 100))))
    return socks


async def open_plain(url: str, n: int) -> Sockets:
    socks = Sockets(n, lambda text: True)
    ws_url = url.replace("http", "ws", 1) + "/bench/plain"

    async def one(i: int) -> None:
        ws = await websockets.connect(ws_url, max_queue=None, ping_interval=None, open_timeout=60)
        socks.start(i, ws)

    for start in range(0, n, 100):
        await asyncio.gather(*(one(i) for i in range(start, min(n, start + 100))))
    return socks


async def wait_until(client: httpx.AsyncClient, path: str, key: str, n: int) -> None:
    for _ in range(600):
        if (await client.get(path)).json()[key] >= n:
            return
        await asyncio.sleep(0.05)
    raise RuntimeError(f"{path} never reached {n}")


async def measure(url: str, token: str, community_gid: str, key: str, n: int, rounds: int) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        zhili = await open_zhili(url, token, community_gid, n)
        plain = await open_plain(url, n)
        await wait_until(client, "/bench/subscribers", "subscribers", n)
        await wait_until(client, "/bench/count", "sockets", n)
        # warm-up: the first event opens the alert, compiles what needs compiling
        zhili.arm()
        await client.post(
            "/ingest/v1/readings", json={"event": "SOS"}, headers={"Authorization": f"Bearer {key}"}
        )
        await asyncio.wait_for(zhili.done.wait(), 120)
        payload = zhili.last_text
        z_lat: list[float] = []
        p_lat: list[float] = []
        for _ in range(rounds):
            zhili.arm()
            t0 = time.perf_counter()
            answer = await client.post(
                "/ingest/v1/readings", json={"event": "SOS"}, headers={"Authorization": f"Bearer {key}"}
            )
            assert answer.status_code == 202, answer.text
            await asyncio.wait_for(zhili.done.wait(), 120)
            z_lat += [(t - t0) * 1000 for t in zhili.arrived]
            plain.arm()
            t0 = time.perf_counter()
            await client.post("/bench/broadcast", content=payload)
            await asyncio.wait_for(plain.done.wait(), 120)
            p_lat += [(t - t0) * 1000 for t in plain.arrived]
        await zhili.close()
        await plain.close()
    z50, z99, p50, p99 = (
        percentile(z_lat, 50),
        percentile(z_lat, 99),
        percentile(p_lat, 50),
        percentile(p_lat, 99),
    )
    return {
        "n": n,
        "zhili_p50": z50,
        "zhili_p99": z99,
        "plain_p50": p50,
        "plain_p99": p99,
        "ratio_p50": z50 / p50,
        "ratio_p99": z99 / p99,
        "bytes": len(payload),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with fresh_database("sqlite") as settings:
        seeded = asyncio.run(seed(settings, 1))
        with server(settings, "bench.fanout_app:app") as url:
            print(
                f"alert fan-out, one server process (uvicorn, SQLite, memory broadcast), {args.rounds} rounds"
            )
            print(
                f"{'subscribers':>11}  {'zhili p50':>10} {'zhili p99':>10}  {'plain p50':>10} {'plain p99':>10}"
                f"  {'ratio p50':>9} {'ratio p99':>9}"
            )
            for n in args.subscribers:
                r = asyncio.run(
                    measure(url, seeded.token, seeded.community_gid, seeded.keys[0], n, args.rounds)
                )
                print(
                    f"{r['n']:>11}  {r['zhili_p50']:>8.1f}ms {r['zhili_p99']:>8.1f}ms  {r['plain_p50']:>8.1f}ms "
                    f"{r['plain_p99']:>8.1f}ms  {r['ratio_p50']:>8.2f}x {r['ratio_p99']:>8.2f}x"
                    f"   ({r['bytes']} bytes per message)"
                )


if __name__ == "__main__":
    main()
