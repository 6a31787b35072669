"""Snap reports and appeals (随手拍、报事报修、我的诉求): tickets, their photos, timeline and routing."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from api.models.accounts import Account
from api.models.places import Community, Organization


class ReportCategory(StrEnum):
    SECURITY_CLUE = "SECURITY_CLUE"
    SAFETY_HAZARD = "SAFETY_HAZARD"
    ENVIRONMENT = "ENVIRONMENT"
    FACILITY_FAULT = "FACILITY_FAULT"
    DAILY_GOVERNANCE = "DAILY_GOVERNANCE"
    #: 我的诉求: rights of gig workers (routed to the enterprise)
    APPEAL_RIGHTS = "APPEAL_RIGHTS"
    #: 我的诉求: industry governance (routed to the industry committee)
    APPEAL_INDUSTRY = "APPEAL_INDUSTRY"


class TicketStatus(StrEnum):
    SUBMITTED = "SUBMITTED"
    ACCEPTED = "ACCEPTED"
    DISPATCHED = "DISPATCHED"
    IN_PROGRESS = "IN_PROGRESS"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"
    REJECTED = "REJECTED"


#: a report someone still has to act on
OPEN_STATUSES = (
    TicketStatus.SUBMITTED,
    TicketStatus.ACCEPTED,
    TicketStatus.DISPATCHED,
    TicketStatus.IN_PROGRESS,
)


class TicketAction(StrEnum):
    """What a timeline entry records: a transition, or a flag on the ticket (OVERDUE)."""

    SUBMITTED = "SUBMITTED"
    ACCEPTED = "ACCEPTED"
    DISPATCHED = "DISPATCHED"
    STARTED = "STARTED"
    RESOLVED = "RESOLVED"
    REJECTED = "REJECTED"
    ESCALATED = "ESCALATED"
    REOPENED = "REOPENED"
    CLOSED = "CLOSED"
    MARKED_DUPLICATE = "MARKED_DUPLICATE"
    OVERDUE = "OVERDUE"


class Report(Model):
    id = fields.IntField(primary_key=True)
    #: human-readable, e.g. "BRJ-20260701-00042", set from the id right after the insert
    number = fields.CharField(max_length=48, unique=True, null=True)
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "core.Community", related_name="reports", on_delete=fields.CASCADE
    )
    reporter: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="reports", null=True, on_delete=fields.SET_NULL
    )
    #: the reporter's identity is shown only to the reporter and the community's staff
    anonymous = fields.BooleanField(default=False)
    category = fields.CharEnumField(ReportCategory, max_length=32)
    description = fields.TextField()
    address = fields.CharField(max_length=255, null=True)
    lat = fields.FloatField(db_index=True)
    lng = fields.FloatField()
    status = fields.CharEnumField(TicketStatus, max_length=16, default=TicketStatus.SUBMITTED)
    #: the body handling it now (None: the community itself)
    assignee: fields.ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "core.Organization", related_name="assigned_reports", null=True, on_delete=fields.SET_NULL
    )
    #: 0 in the community, 1 passed to the street, 2 to the city operations centre
    escalation_level = fields.IntField(default=0)
    due_at = fields.DatetimeField(null=True)
    #: when the timer flagged it overdue (once)
    overdue_at = fields.DatetimeField(null=True)
    duplicate_of: fields.ForeignKeyNullableRelation[Report] = fields.ForeignKeyField(
        "reports.Report", related_name="duplicates", null=True, on_delete=fields.SET_NULL
    )
    points_awarded = fields.IntField(default=0)
    resolved_at = fields.DatetimeField(null=True)
    #: bumped by every change, so concurrent transitions cannot both win
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(db_index=True)
    updated_at = fields.DatetimeField()

    community_id: int
    reporter_id: int | None
    assignee_id: int | None
    duplicate_of_id: int | None

    class Meta:
        table = "report"
        indexes = (("community_id", "status"), ("reporter_id", "id"), ("assignee_id", "status"))


class ReportPhoto(Model):
    id = fields.IntField(primary_key=True)
    report: fields.ForeignKeyRelation[Report] = fields.ForeignKeyField(
        "reports.Report", related_name="photos", on_delete=fields.CASCADE
    )
    #: the file's path under the media directory (a random name)
    path = fields.CharField(max_length=255, unique=True)
    content_type = fields.CharField(max_length=32)
    size = fields.IntField()
    position = fields.IntField()

    report_id: int

    class Meta:
        table = "report_photo"


class ReportEvent(Model):
    """One timeline entry: every change of a ticket is exactly one."""

    id = fields.IntField(primary_key=True)
    report: fields.ForeignKeyRelation[Report] = fields.ForeignKeyField(
        "reports.Report", related_name="events", on_delete=fields.CASCADE
    )
    action = fields.CharEnumField(TicketAction, max_length=24)
    from_status = fields.CharEnumField(TicketStatus, max_length=16, null=True)
    #: the status after the change
    status = fields.CharEnumField(TicketStatus, max_length=16)
    at = fields.DatetimeField()
    #: who did it (None: the system, e.g. a timer)
    actor: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="report_events", null=True, on_delete=fields.SET_NULL
    )
    note = fields.TextField(null=True)
    #: the report's version after the change
    version = fields.IntField()

    report_id: int
    actor_id: int | None

    class Meta:
        table = "report_event"
        indexes = (("report_id", "id"),)


class ReportRoute(Model):
    """A community's routing of one category: who handles it, by when, and the reporter's points."""

    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "core.Community", related_name="report_routes", on_delete=fields.CASCADE
    )
    category = fields.CharEnumField(ReportCategory, max_length=32)
    #: None means the community handles it itself
    organization: fields.ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "core.Organization", related_name="report_routes", null=True, on_delete=fields.SET_NULL
    )
    sla_hours = fields.IntField()
    points = fields.IntField()

    community_id: int
    organization_id: int | None

    class Meta:
        table = "report_route"
        unique_together = (("community", "category"),)
