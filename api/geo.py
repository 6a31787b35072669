"""Distances on the earth: a bounding box to prefilter in SQL, then haversine for the exact figure.

Plain arithmetic, so the same code works on SQLite and PostgreSQL without spatial extensions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: the mean radius of the earth (IUGG), metres
EARTH_RADIUS_M = 6_371_008.8


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """The great-circle distance between two WGS-84 points, in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True, slots=True)
class Box:
    """Every point within the radius lies inside; `lng_min > lng_max` never happens (see `around`)."""

    lat_min: float
    lat_max: float
    #: None when the box spans a pole or the antimeridian: do not filter on longitude then
    lng_min: float | None
    lng_max: float | None


def around(lat: float, lng: float, radius_m: float) -> Box:
    """The smallest latitude/longitude box holding the circle of `radius_m` around the point."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M) * 1.001
    lat_min, lat_max = lat - dlat, lat + dlat
    if lat_min <= -90 or lat_max >= 90:
        return Box(max(lat_min, -90.0), min(lat_max, 90.0), None, None)
    dlng = dlat / math.cos(math.radians(max(abs(lat_min), abs(lat_max))))
    if lng - dlng < -180 or lng + dlng > 180:
        return Box(lat_min, lat_max, None, None)
    return Box(lat_min, lat_max, lng - dlng, lng + dlng)


def valid_point(lat: float | None, lng: float | None) -> bool:
    return lat is not None and lng is not None and -90 <= lat <= 90 and -180 <= lng <= 180
