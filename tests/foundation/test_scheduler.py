"""One scheduler acts at a time; another takes over when the holder stops renewing its lease."""

from __future__ import annotations

from datetime import datetime

from api.scheduler import Job, Scheduler


async def test_only_the_lease_holder_runs_timers(database, clock):
    runs: list[tuple[str, datetime]] = []

    def job(name: str) -> Job:
        async def run(*, now: datetime) -> int:
            runs.append((name, now))
            return 1

        return Job(name, run)

    first = Scheduler([job("a")], lease_seconds=60)
    second = Scheduler([job("b")], lease_seconds=60)
    assert await first.run_once(clock.now()) == {"a": 1}
    assert await second.run_once(clock.now()) is None
    clock.advance(seconds=30)
    assert await first.run_once(clock.now()) == {"a": 1}  # renews
    assert await second.run_once(clock.now()) is None
    clock.advance(seconds=61)  # the first holder went silent
    assert await second.run_once(clock.now()) == {"b": 1}
    assert await first.run_once(clock.now()) is None
    assert [name for name, _ in runs] == ["a", "a", "b"]


async def test_a_failing_timer_does_not_stop_the_others(database, clock):
    async def broken(*, now: datetime) -> int:
        raise RuntimeError("boom")

    async def fine(*, now: datetime) -> int:
        return 2

    scheduler = Scheduler([Job("broken", broken), Job("fine", fine)])
    assert await scheduler.run_once(clock.now()) == {"broken": -1, "fine": 2}
    await scheduler.release()
