"""An injectable clock: code asks `clock.now()` instead of the system, so tests move time by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that moves only when told to (tests, simulations)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 7, 1, 1, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self._now += delta if delta is not None else timedelta(**kwargs)
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when


_clock: Clock = SystemClock()


def now() -> datetime:
    """The current time in UTC, from the installed clock."""
    return _clock.now()


def install(clock: Clock) -> Clock:
    """Install a clock for the process; returns the previous one so a test can restore it."""
    global _clock
    previous, _clock = _clock, clock
    return previous
