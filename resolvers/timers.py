"""Every domain's timers, in the order the scheduler runs them."""

from __future__ import annotations

from api.scheduler import Job
from resolvers import consultations, devices, reports

#: each entry: a name and an idempotent `async def run_timers(*, now) -> int`
JOBS: list[Job] = [
    Job("reports", reports.run_timer_count),
    Job("consultations", consultations.run_timers),
    Job("devices", devices.run_timers),
]
