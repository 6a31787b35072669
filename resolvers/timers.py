"""Every domain's timers, in the order the scheduler runs them."""

from __future__ import annotations

from api.scheduler import Job
from resolvers import devices

#: each entry: a name and an idempotent `async def run_timers(*, now) -> int`
JOBS: list[Job] = [Job("devices", devices.run_timers)]
