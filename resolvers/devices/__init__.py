"""Devices, readings and alerts: the use cases, split by concept.

- `registry`: registering devices (the ingest key shown once), keys, disabling, rules, geofences
- `ingest`: a batch of readings stored with its alert rules run, in one transaction
- `rules`: the pure rules engine (thresholds per kind, geofence distance)
- `alerts`: one open alert per device and kind, ACTIVE → ACKNOWLEDGED → RESOLVED, events
- `timers`: offline devices, silent water meters, escalation
- `feeds`: live alerts (with replay) and live readings
"""

from __future__ import annotations

from resolvers.devices.timers import run_timers

__all__ = ["run_timers"]
