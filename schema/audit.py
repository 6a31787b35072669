"""The audit log of reads of personal data (ADMIN)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Self

import strawberry
from strawberry import relay

from api.models.accounts import Role
from api.models.audit import AuditEntry as AuditEntryRow
from schema.base import Connection, HasRole, ModelNode, connection
from schema.context import Info

if TYPE_CHECKING:
    from schema.accounts import Account


@strawberry.type(description="One read of personal data by staff: who, what, when, why.")
class AuditEntry(ModelNode):
    model = AuditEntryRow
    id: relay.NodeID[int]
    at: datetime
    action: str = strawberry.field(description="What was done, e.g. `careRecipient.read`.")
    subject_id: str = strawberry.field(description="The global id of what was read.")
    reason: str = strawberry.field(description="Why: the operation that read it.")
    fields_read: list[str] = strawberry.field(description="Which personal fields were shown.")
    actor_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, obj: AuditEntryRow) -> Self:
        return cls(
            id=obj.id,
            at=obj.at,
            action=obj.action,
            subject_id=obj.subject_id,
            reason=obj.reason,
            fields_read=[f for f in obj.fields_read.split(",") if f],
            actor_id=obj.actor_id,
        )

    @classmethod
    async def visible(cls, info: Info, rows: list[AuditEntryRow]) -> list[bool]:  # type: ignore[override]
        return [info.context.principal.is_admin] * len(rows)

    @strawberry.field(description="Who read it.")
    async def actor(self, info: Info) -> Annotated[Account, strawberry.lazy("schema.accounts")] | None:
        from schema.accounts import Account

        return await Account.load(info, self.actor_id)


@strawberry.type
class Query:
    @strawberry.field(
        permission_classes=[HasRole(Role.ADMIN)], description="Reads of personal data, newest first (ADMIN)."
    )
    async def audit_log(
        self,
        info: Info,
        subject_id: strawberry.ID | None = None,
        action: str | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[AuditEntry]:
        qs = AuditEntryRow.all().order_by("-at", "-id")
        if subject_id:
            qs = qs.filter(subject_id=str(subject_id))
        if action:
            qs = qs.filter(action=action)
        return await connection(
            info, qs, AuditEntry.from_model, first=first, after=after, last=last, before=before
        )
