"""Writing the audit log: who read which personal data, when, and why."""

from __future__ import annotations

from collections.abc import Iterable

from api import clock
from api.auth import Principal
from api.models.audit import AuditEntry


async def record_reads(
    principal: Principal, *, action: str, subject_ids: Iterable[str], reason: str, fields: Iterable[str] = ()
) -> None:
    """One entry per subject, written in one statement."""
    now = clock.now()
    shown = ",".join(sorted(set(fields)))
    entries = [
        AuditEntry(
            at=now,
            actor_id=principal.account_id,
            action=action,
            subject_id=s,
            reason=reason,
            fields_read=shown,
        )
        for s in dict.fromkeys(subject_ids)
    ]
    if entries:
        await AuditEntry.bulk_create(entries)
