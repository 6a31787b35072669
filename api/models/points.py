"""The points ledger: append-only, one entry per change of an account's balance."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from api.models.accounts import Account


class PointsLedgerEntry(Model):
    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="ledger", on_delete=fields.CASCADE
    )
    delta = fields.IntField()
    #: the account's balance right after this entry
    balance = fields.IntField()
    reason = fields.CharField(max_length=255)
    #: what caused it, as "<kind>:<id>" (e.g. "report:42", "redemption:7")
    source = fields.CharField(max_length=128)
    #: makes a credit or spend happen at most once (e.g. "report-resolved:42")
    key = fields.CharField(max_length=128, unique=True, null=True)
    at = fields.DatetimeField()

    account_id: int

    class Meta:
        table = "points_ledger_entry"
        indexes = (("account_id", "id"),)
