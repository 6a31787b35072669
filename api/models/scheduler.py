"""The scheduler's lease: which process runs the timers now."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class SchedulerLease(Model):
    name = fields.CharField(max_length=64, primary_key=True)
    holder = fields.CharField(max_length=128)
    expires_at = fields.DatetimeField()

    class Meta:
        table = "scheduler_lease"
