from tortoise import migrations
from tortoise.migrations import operations as ops
from api.models.reports import ReportCategory, TicketAction, TicketStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    initial = True

    operations = [
        ops.CreateModel(
            name="Report",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "number",
                    fields.CharField(
                        null=True,
                        unique=True,
                        description='human-readable, e.g. "BRJ-20260701-00042", set from the id right after the insert',
                        max_length=48,
                    ),
                ),
                (
                    "community",
                    fields.ForeignKeyField(
                        "core.Community",
                        source_field="community_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="reports",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "reporter",
                    fields.ForeignKeyField(
                        "core.Account",
                        source_field="reporter_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="reports",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "anonymous",
                    fields.BooleanField(
                        default=False,
                        description="the reporter's identity is shown only to the reporter and the community's staff",
                    ),
                ),
                (
                    "category",
                    fields.CharEnumField(
                        description="SECURITY_CLUE: SECURITY_CLUE\nSAFETY_HAZARD: SAFETY_HAZARD\nENVIRONMENT: ENVIRONMENT\nFACILITY_FAULT: FACILITY_FAULT\nDAILY_GOVERNANCE: DAILY_GOVERNANCE\nAPPEAL_RIGHTS: APPEAL_RIGHTS\nAPPEAL_INDUSTRY: APPEAL_INDUSTRY",
                        enum_type=ReportCategory,
                        max_length=32,
                    ),
                ),
                ("description", fields.TextField(unique=False)),
                ("address", fields.CharField(null=True, max_length=255)),
                ("lat", fields.FloatField(db_index=True)),
                ("lng", fields.FloatField()),
                (
                    "status",
                    fields.CharEnumField(
                        default=TicketStatus.SUBMITTED,
                        description="SUBMITTED: SUBMITTED\nACCEPTED: ACCEPTED\nDISPATCHED: DISPATCHED\nIN_PROGRESS: IN_PROGRESS\nRESOLVED: RESOLVED\nCLOSED: CLOSED\nREJECTED: REJECTED",
                        enum_type=TicketStatus,
                        max_length=16,
                    ),
                ),
                (
                    "assignee",
                    fields.ForeignKeyField(
                        "core.Organization",
                        source_field="assignee_id",
                        null=True,
                        description="the body handling it now (None: the community itself)",
                        db_constraint=True,
                        to_field="id",
                        related_name="assigned_reports",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "escalation_level",
                    fields.IntField(
                        default=0,
                        description="0 in the community, 1 passed to the street, 2 to the city operations centre",
                    ),
                ),
                ("due_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "overdue_at",
                    fields.DatetimeField(
                        null=True,
                        description="when the timer flagged it overdue (once)",
                        auto_now=False,
                        auto_now_add=False,
                    ),
                ),
                (
                    "duplicate_of",
                    fields.ForeignKeyField(
                        "reports.Report",
                        source_field="duplicate_of_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="duplicates",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("points_awarded", fields.IntField(default=0)),
                ("resolved_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "version",
                    fields.IntField(
                        default=1,
                        description="bumped by every change, so concurrent transitions cannot both win",
                    ),
                ),
                ("created_at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "report",
                "app": "reports",
                "indexes": [
                    Index(fields=["community_id", "status"]),
                    Index(fields=["reporter_id", "id"]),
                    Index(fields=["assignee_id", "status"]),
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ReportEvent",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "report",
                    fields.ForeignKeyField(
                        "reports.Report",
                        source_field="report_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="events",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "action",
                    fields.CharEnumField(
                        description="SUBMITTED: SUBMITTED\nACCEPTED: ACCEPTED\nDISPATCHED: DISPATCHED\nSTARTED: STARTED\nRESOLVED: RESOLVED\nREJECTED: REJECTED\nESCALATED: ESCALATED\nREOPENED: REOPENED\nCLOSED: CLOSED\nMARKED_DUPLICATE: MARKED_DUPLICATE\nOVERDUE: OVERDUE",
                        enum_type=TicketAction,
                        max_length=24,
                    ),
                ),
                (
                    "from_status",
                    fields.CharEnumField(
                        null=True,
                        description="SUBMITTED: SUBMITTED\nACCEPTED: ACCEPTED\nDISPATCHED: DISPATCHED\nIN_PROGRESS: IN_PROGRESS\nRESOLVED: RESOLVED\nCLOSED: CLOSED\nREJECTED: REJECTED",
                        enum_type=TicketStatus,
                        max_length=16,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        description="SUBMITTED: SUBMITTED\nACCEPTED: ACCEPTED\nDISPATCHED: DISPATCHED\nIN_PROGRESS: IN_PROGRESS\nRESOLVED: RESOLVED\nCLOSED: CLOSED\nREJECTED: REJECTED",
                        enum_type=TicketStatus,
                        max_length=16,
                    ),
                ),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "actor",
                    fields.ForeignKeyField(
                        "core.Account",
                        source_field="actor_id",
                        null=True,
                        description="who did it (None: the system, e.g. a timer)",
                        db_constraint=True,
                        to_field="id",
                        related_name="report_events",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("note", fields.TextField(null=True, unique=False)),
                ("version", fields.IntField(description="the report's version after the change")),
            ],
            options={
                "table": "report_event",
                "app": "reports",
                "indexes": [Index(fields=["report_id", "id"])],
                "pk_attr": "id",
                "table_description": "One timeline entry: every change of a ticket is exactly one.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ReportPhoto",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "report",
                    fields.ForeignKeyField(
                        "reports.Report",
                        source_field="report_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="photos",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "path",
                    fields.CharField(
                        unique=True,
                        description="the file's path under the media directory (a random name)",
                        max_length=255,
                    ),
                ),
                ("content_type", fields.CharField(max_length=32)),
                ("size", fields.IntField()),
                ("position", fields.IntField()),
            ],
            options={"table": "report_photo", "app": "reports", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ReportRoute",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "community",
                    fields.ForeignKeyField(
                        "core.Community",
                        source_field="community_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="report_routes",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "category",
                    fields.CharEnumField(
                        description="SECURITY_CLUE: SECURITY_CLUE\nSAFETY_HAZARD: SAFETY_HAZARD\nENVIRONMENT: ENVIRONMENT\nFACILITY_FAULT: FACILITY_FAULT\nDAILY_GOVERNANCE: DAILY_GOVERNANCE\nAPPEAL_RIGHTS: APPEAL_RIGHTS\nAPPEAL_INDUSTRY: APPEAL_INDUSTRY",
                        enum_type=ReportCategory,
                        max_length=32,
                    ),
                ),
                (
                    "organization",
                    fields.ForeignKeyField(
                        "core.Organization",
                        source_field="organization_id",
                        null=True,
                        description="None means the community handles it itself",
                        db_constraint=True,
                        to_field="id",
                        related_name="report_routes",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("sla_hours", fields.IntField()),
                ("points", fields.IntField()),
            ],
            options={
                "table": "report_route",
                "app": "reports",
                "unique_together": (("community", "category"),),
                "pk_attr": "id",
                "table_description": "A community's routing of one category: who handles it, by when, and the reporter's points.",
            },
            bases=["Model"],
        ),
    ]
