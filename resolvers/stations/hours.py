"""Opening hours of stations: weekly periods in a local time zone, open across midnight, `24:00` allowed.

A period `{dayOfWeek, opens, closes}` starts on its ISO weekday (1 = Monday … 7 = Sunday) at
`opens`; when `closes` is not after `opens` it ends on the next day (22:00–02:00), and `24:00`
is the end of the day. Times are wall-clock times of the station's zone, so a station in
Ürümqi or Berlin is open by its own clock, whatever the server's.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MINUTES_PER_DAY = 24 * 60
EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True, slots=True)
class Period:
    day_of_week: int
    opens: int  # minutes after local midnight
    closes: int  # minutes after local midnight, 1..1440; not after `opens` means the next day

    def as_json(self) -> dict[str, Any]:
        return {
            "dayOfWeek": self.day_of_week,
            "opens": format_minutes(self.opens),
            "closes": format_minutes(self.closes),
        }


def parse_time(value: str, *, allow_end_of_day: bool) -> int | None:
    """Minutes after midnight of `HH:MM` (`24:00` only if `allow_end_of_day`), None if malformed."""
    text = (value or "").strip()
    if len(text) != 5 or text[2] != ":" or not (text[:2] + text[3:]).isdigit():
        return None
    hours, minutes = int(text[:2]), int(text[3:])
    if hours == 24 and minutes == 0 and allow_end_of_day:
        return MINUTES_PER_DAY
    if hours > 23 or minutes > 59:
        return None
    return hours * 60 + minutes


def format_minutes(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def periods_of(raw: Iterable[Mapping[str, Any]]) -> list[Period]:
    """Periods from their stored form (already validated when written)."""
    out = []
    for p in raw:
        opens = parse_time(str(p["opens"]), allow_end_of_day=False)
        closes = parse_time(str(p["closes"]), allow_end_of_day=True)
        if opens is not None and closes is not None:
            out.append(Period(int(p["dayOfWeek"]), opens, closes))
    return out


def zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def is_open_at(periods: Iterable[Period], local: datetime) -> bool:
    """Whether any period covers the local wall-clock time `local`."""
    day = local.isoweekday()
    previous_day = 7 if day == 1 else day - 1
    minute = local.hour * 60 + local.minute
    for p in periods:
        if p.closes > p.opens:
            if p.day_of_week == day and p.opens <= minute < p.closes:
                return True
        else:  # runs past midnight into the next day
            if p.day_of_week == day and minute >= p.opens:
                return True
            if p.day_of_week == previous_day and minute < p.closes:
                return True
    return False


def is_open(raw_periods: Iterable[Mapping[str, Any]], timezone: str, now: datetime) -> bool:
    """Whether a station with these stored periods, in this zone, is open at the instant `now`."""
    tz = zone(timezone)
    if tz is None:
        return False
    return is_open_at(periods_of(raw_periods), now.astimezone(tz))


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lng: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min lat, max lat, min lng, max lng) of a box holding the circle; a cheap SQL prefilter."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    cos_lat = max(math.cos(math.radians(lat)), 1e-6)
    dlng = min(180.0, math.degrees(radius_m / (EARTH_RADIUS_M * cos_lat)))
    return lat - dlat, lat + dlat, lng - dlng, lng + dlng
