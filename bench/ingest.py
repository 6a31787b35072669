"""Benchmark: ingest throughput, readings per second for batches of 100 with the rules on, SQLite and PostgreSQL.

    .venv/bin/python -m bench.ingest [--batches 600] [--concurrency 8] [--devices 20] [--backend sqlite postgres]

One uvicorn process per backend, fresh database; `--concurrency` clients post batches of 100
realistic wristband readings (the simulator's: drifting heart rate, SpO2, blood pressure now and
then, occasional SOS, so the rules raise and bump alerts) to `POST /ingest/v1/readings`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import sys
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx

from api.models.devices import DeviceKind
from api.simulate import SimDevice
from bench.common import fresh_database, percentile, seed, server

BATCH = 100


async def hammer(url: str, keys: list[str], batches: int, concurrency: int) -> dict[str, float]:
    tz = ZoneInfo("Asia/Shanghai")
    sims = [
        SimDevice(f"B{i}", DeviceKind.WRISTBAND, k, 30.52, 114.33, seq=0, rng=random.Random(i))
        for i, k in enumerate(keys)
    ]
    queue: asyncio.Queue[int] = asyncio.Queue()
    for b in range(batches):
        queue.put_nowait(b)
    latencies: list[float] = []
    stored = 0

    async with httpx.AsyncClient(
        base_url=url, timeout=120, limits=httpx.Limits(max_connections=concurrency)
    ) as client:

        async def worker() -> None:
            nonlocal stored
            while True:
                try:
                    b = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                sim = sims[b % len(sims)]
                now = datetime.now().astimezone()
                body = {"readings": [sim.reading(now, tz) for _ in range(BATCH)]}
                t0 = time.perf_counter()
                answer = await client.post(
                    "/ingest/v1/readings", json=body, headers={"Authorization": f"Bearer {sim.key}"}
                )
                latencies.append((time.perf_counter() - t0) * 1000)
                assert answer.status_code == 202, answer.text
                stored += answer.json()["stored"]

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {
        "readings": stored,
        "seconds": elapsed,
        "per_second": stored / elapsed,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--backend", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--quiet", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.quiet:
        print(
            f"ingest, batches of {BATCH} with rules on, {args.batches} batches, {args.concurrency} concurrent clients, "
            f"{args.devices} wristbands, one uvicorn process"
        )
        print(
            f"{'backend':>9}  {'readings':>8}  {'seconds':>7}  {'readings/s':>10}  {'batch p50':>9}  {'batch p99':>9}"
        )
    if len(args.backend) > 1:
        # one process per backend: tortoise keeps per-dialect SQL on the model classes once initialised
        for backend in args.backend:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.ingest",
                    "--quiet",
                    "--backend",
                    backend,
                    "--batches",
                    str(args.batches),
                    "--concurrency",
                    str(args.concurrency),
                    "--devices",
                    str(args.devices),
                ],
                check=False,
            )
        return
    backend = args.backend[0]
    try:
        with fresh_database(backend) as settings:
            seeded = asyncio.run(seed(settings, args.devices))
            with server(settings) as url:
                r = asyncio.run(hammer(url, seeded.keys, args.batches, args.concurrency))
    except OSError as exc:
        print(f"{backend:>9}  unavailable: {exc}")
        return
    print(
        f"{backend:>9}  {r['readings']:>8.0f}  {r['seconds']:>7.2f}  {r['per_second']:>10.0f}  "
        f"{r['p50']:>7.1f}ms  {r['p99']:>7.1f}ms",
        flush=True,
    )


if __name__ == "__main__":
    main()
