"""ORM models, one module per domain.

Each domain is a tortoise app with its own migrations package (`migrations/<app>/`), so the
domains' schema changes stay independent; `APPS` below is the single registry of them.
"""

from __future__ import annotations

#: app label -> the model modules it is made of. A domain adds its line here.
APPS: dict[str, list[str]] = {
    "core": [
        "api.models.accounts",
        "api.models.places",
        "api.models.points",
        "api.models.audit",
        "api.models.scheduler",
    ],
    "care": ["api.models.care"],
    "consultations": ["api.models.consultations"],
    "stations": ["api.models.stations"],
    "members": ["api.models.members"],
    "reports": ["api.models.reports"],
    "devices": ["api.models.devices"],
}
