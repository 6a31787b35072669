"""One scheduler for every timer (offline devices, silent water meters, escalations, overdue reports…).

Every process runs the loop, but only the holder of the lease acts: the lease is a database row
taken with a conditional UPDATE (or INSERT), so exactly one process holds it at a time on SQLite
and PostgreSQL alike, and another takes over when the holder stops renewing it. Timers are
plain idempotent functions of the current time, so tests call `run_once()` after moving the
clock instead of sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from api import clock
from api.logs import redacted_traceback
from api.models.scheduler import SchedulerLease

log = logging.getLogger("zhili.scheduler")

Timer = Callable[..., Awaitable[int]]


@dataclass(frozen=True)
class Job:
    name: str
    run: Timer


class Scheduler:
    def __init__(
        self,
        jobs: Sequence[Job],
        *,
        interval_seconds: float = 30.0,
        lease_seconds: int = 60,
        lease_name: str = "timers",
    ) -> None:
        self.jobs = list(jobs)
        self.interval = interval_seconds
        self.lease_seconds = lease_seconds
        self.lease_name = lease_name
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._task: asyncio.Task[None] | None = None

    async def acquire(self, now: datetime) -> bool:
        """Take or renew the lease; True when this process holds it until now + lease_seconds."""
        until = now + timedelta(seconds=self.lease_seconds)
        taken = await SchedulerLease.filter(
            Q(holder=self.holder) | Q(expires_at__lt=now), name=self.lease_name
        ).update(holder=self.holder, expires_at=until)
        if taken:
            return True
        if await SchedulerLease.exists(name=self.lease_name):
            return False
        try:
            await SchedulerLease.create(name=self.lease_name, holder=self.holder, expires_at=until)
        except IntegrityError:
            return False
        return True

    async def release(self) -> None:
        await SchedulerLease.filter(name=self.lease_name, holder=self.holder).delete()

    async def run_once(self, now: datetime | None = None) -> dict[str, int] | None:
        """Run every timer once if this process holds the lease; None when another one does."""
        now = now or clock.now()
        if not await self.acquire(now):
            return None
        results: dict[str, int] = {}
        for job in self.jobs:
            try:
                results[job.name] = await job.run(now=now)
            except Exception as exc:
                log.error("timer %s failed\n%s", job.name, redacted_traceback(exc))
                results[job.name] = -1
        changed = {k: v for k, v in results.items() if v}
        if changed:
            log.info("timers changed %s", changed)
        return results

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception as exc:
                log.error("scheduler tick failed\n%s", redacted_traceback(exc))
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="zhili-scheduler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await self.release()
