"""The audit log of reads of personal data by staff."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from api.models.accounts import Account


class AuditEntry(Model):
    id = fields.IntField(primary_key=True)
    at = fields.DatetimeField(db_index=True)
    actor: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="audit_entries", null=True, on_delete=fields.SET_NULL
    )
    #: what was done, e.g. "careRecipient.read"
    action = fields.CharField(max_length=64)
    #: the global id of what was read
    subject_id = fields.CharField(max_length=128, db_index=True)
    #: why: the operation that caused the read
    reason = fields.CharField(max_length=255)
    #: which personal fields were shown
    fields_read = fields.CharField(max_length=255, default="")

    actor_id: int | None

    class Meta:
        table = "audit_entry"
