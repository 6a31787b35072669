from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from api.models.members import (
    EvaluationVerdict,
    MemberKind,
    NeedStatus,
    ProjectStatus,
    ServiceOrderStatus,
    ServiceRating,
    Specialty,
    TeamKind,
)
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("care", "0001_initial"), ("core", "0001_initial")]

    initial = True

    operations = [
        ops.CreateModel(
            name="CommunityModeChange",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "community",
                    fields.ForeignKeyField(
                        "core.Community",
                        source_field="community_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="mode_changes",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("from_mode", fields.CharField(max_length=16)),
                ("to_mode", fields.CharField(max_length=16)),
                ("reason", fields.CharField(max_length=255)),
                (
                    "actor",
                    fields.ForeignKeyField(
                        "core.Account",
                        source_field="actor_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="mode_changes",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "reassigned",
                    fields.IntField(
                        default=0, description="how many members moved into or out of emergency teams"
                    ),
                ),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "community_mode_change",
                "app": "members",
                "indexes": [Index(fields=["community_id", "at"])],
                "pk_attr": "id",
                "table_description": "One switch of a community's mode (常急转换), kept as its history.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Member",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "account",
                    fields.ForeignKeyField(
                        "core.Account",
                        source_field="account_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="memberships",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "community",
                    fields.ForeignKeyField(
                        "core.Community",
                        source_field="community_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="members",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="PARTY_MEMBER: PARTY_MEMBER\nVOLUNTEER: VOLUNTEER\nGIG_WORKER: GIG_WORKER",
                        enum_type=MemberKind,
                        max_length=16,
                    ),
                ),
                (
                    "work_unit",
                    fields.ForeignKeyField(
                        "core.Organization",
                        source_field="work_unit_id",
                        null=True,
                        description="the member's work unit (单位党组织), whose ORG_ADMIN sees the member's service records",
                        db_constraint=True,
                        to_field="id",
                        related_name="checked_in_members",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "skills",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("checked_in_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "member",
                "app": "members",
                "unique_together": (("account", "community"),),
                "indexes": [Index(fields=["community_id", "id"]), Index(fields=["work_unit_id", "id"])],
                "pk_attr": "id",
                "table_description": "An account checked in to the community where it lives (双报到): one per account and community.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Pairing",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "member",
                    fields.ForeignKeyField(
                        "members.Member",
                        source_field="member_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="pairings",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "recipient",
                    fields.ForeignKeyField(
                        "care.CareRecipient",
                        source_field="recipient_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="pairings",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "community",
                    fields.ForeignKeyField(
                        "core.Community",
                        source_field="community_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="pairings",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("started_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("ended_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("end_reason", fields.CharField(null=True, max_length=255)),
                (
                    "active_key",
                    fields.CharField(
                        null=True,
                        unique=True,
                        description='"member:recipient" while the pairing lasts, null once ended, so one pair has one live pairing',
                        max_length=64,
                    ),
                ),
            ],
            options={
                "table": "pairing",
                "app": "members",
                "indexes": [Index(fields=["member_id", "id"]), Index(fields=["recipient_id", "id"])],
                "pk_attr": "id",
                "table_description": "认亲: a member paired with a care recipient. Ended pairings are kept.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PointsRule",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "community",
                    fields.OneToOneField(
                        "core.Community",
                        source_field="community_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="points_rule",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("excellent", fields.IntField()),
                ("good", fields.IntField()),
                ("fair", fields.IntField()),
                ("poor", fields.IntField()),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "points_rule",
                "app": "members",
                "pk_attr": "id",
                "table_description": "A community's points per 100 minutes of service for each rating (defaults in resolvers).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Post",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "community",
                    fields.ForeignKeyField(
                        "core.Community",
                        source_field="community_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="posts",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("title", fields.CharField(max_length=128)),
                (
                    "specialty",
                    fields.CharEnumField(
                        description="LEGAL: LEGAL\nMEDICAL: MEDICAL\nEDUCATION: EDUCATION\nPSYCHOLOGY: PSYCHOLOGY\nELDER_CARE: ELDER_CARE\nSUPPLY: SUPPLY",
                        enum_type=Specialty,
                        max_length=16,
                    ),
                ),
                ("description", fields.TextField(default="", unique=False)),
                ("capacity", fields.IntField()),
                (
                    "claimed_count",
                    fields.IntField(
                        default=0,
                        description="changed only by the conditional UPDATE of a claim (claimed_count below capacity)",
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "post",
                "app": "members",
                "indexes": [Index(fields=["community_id", "id"])],
                "pk_attr": "id",
                "table_description": "A standing post members claim (认岗), up to its capacity.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PostClaim",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "post",
                    fields.ForeignKeyField(
                        "members.Post",
                        source_field="post_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="claims",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "member",
                    fields.ForeignKeyField(
                        "members.Member",
                        source_field="member_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="post_claims",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("claimed_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "post_claim",
                "app": "members",
                "unique_together": (("post", "member"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Project",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "community",
                    fields.ForeignKeyField(
                        "core.Community",
                        source_field="community_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="projects",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("title", fields.CharField(max_length=128)),
                (
                    "lead_unit",
                    fields.ForeignKeyField(
                        "core.Organization",
                        source_field="lead_unit_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="led_projects",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("measures", fields.TextField(unique=False)),
                ("deadline", fields.DateField()),
                (
                    "status",
                    fields.CharEnumField(
                        default=ProjectStatus.IN_PROGRESS,
                        description="IN_PROGRESS: IN_PROGRESS\nFINISHED: FINISHED",
                        enum_type=ProjectStatus,
                        max_length=16,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("finished_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "project",
                "app": "members",
                "indexes": [Index(fields=["community_id", "status", "id"])],
                "pk_attr": "id",
                "table_description": "项目清单: a project agreed with a work unit, which leads it.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Evaluation",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "project",
                    fields.ForeignKeyField(
                        "members.Project",
                        source_field="project_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="evaluations",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "resident",
                    fields.ForeignKeyField(
                        "core.Account",
                        source_field="resident_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="evaluations",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "verdict",
                    fields.CharEnumField(
                        description="SATISFIED: SATISFIED\nBASICALLY_SATISFIED: BASICALLY_SATISFIED\nDISSATISFIED: DISSATISFIED",
                        enum_type=EvaluationVerdict,
                        max_length=32,
                    ),
                ),
                ("comment", fields.TextField(default="", unique=False)),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "evaluation",
                "app": "members",
                "unique_together": (("project", "resident"),),
                "pk_attr": "id",
                "table_description": "效果清单: a resident's evaluation of a finished project, one per resident and project.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Need",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "community",
                    fields.ForeignKeyField(
                        "core.Community",
                        source_field="community_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="needs",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("title", fields.CharField(max_length=128)),
                ("description", fields.TextField(unique=False)),
                (
                    "status",
                    fields.CharEnumField(
                        default=NeedStatus.OPEN,
                        description="OPEN: OPEN\nADOPTED: ADOPTED\nDECLINED: DECLINED",
                        enum_type=NeedStatus,
                        max_length=16,
                    ),
                ),
                (
                    "submitted_by",
                    fields.ForeignKeyField(
                        "core.Account",
                        source_field="submitted_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="needs",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "project",
                    fields.ForeignKeyField(
                        "members.Project",
                        source_field="project_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="needs",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "need",
                "app": "members",
                "indexes": [Index(fields=["community_id", "status", "id"])],
                "pk_attr": "id",
                "table_description": "需求清单: a need collected from residents.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ServiceOrder",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "community",
                    fields.ForeignKeyField(
                        "core.Community",
                        source_field="community_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="service_orders",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("title", fields.CharField(max_length=128)),
                ("description", fields.TextField(unique=False)),
                (
                    "specialty",
                    fields.CharEnumField(
                        null=True,
                        description="LEGAL: LEGAL\nMEDICAL: MEDICAL\nEDUCATION: EDUCATION\nPSYCHOLOGY: PSYCHOLOGY\nELDER_CARE: ELDER_CARE\nSUPPLY: SUPPLY",
                        enum_type=Specialty,
                        max_length=16,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        description="REQUESTED: REQUESTED\nPROPOSED: PROPOSED\nDISPATCHED: DISPATCHED\nACCEPTED: ACCEPTED\nCOMPLETED: COMPLETED\nCANCELLED: CANCELLED",
                        enum_type=ServiceOrderStatus,
                        max_length=16,
                    ),
                ),
                (
                    "requester",
                    fields.ForeignKeyField(
                        "core.Account",
                        source_field="requester_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="service_orders",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "assignee",
                    fields.ForeignKeyField(
                        "members.Member",
                        source_field="assignee_id",
                        null=True,
                        description="the member doing it: who accepted it, or who proposed it",
                        db_constraint=True,
                        to_field="id",
                        related_name="assigned_orders",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("dispatched_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("accepted_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("completed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("cancelled_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "service_order",
                "app": "members",
                "indexes": [
                    Index(fields=["community_id", "status", "id"]),
                    Index(fields=["assignee_id", "id"]),
                    Index(fields=["requester_id", "id"]),
                ],
                "pk_attr": "id",
                "table_description": "A service: asked by a resident (群众点单) or proposed by a member (创单), done by one member.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ServiceRecord",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "member",
                    fields.ForeignKeyField(
                        "members.Member",
                        source_field="member_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="service_records",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "community",
                    fields.ForeignKeyField(
                        "core.Community",
                        source_field="community_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="service_records",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "order",
                    fields.OneToOneField(
                        "members.ServiceOrder",
                        source_field="order_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="record",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("minutes", fields.IntField()),
                ("summary", fields.TextField(unique=False)),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "rating",
                    fields.CharEnumField(
                        null=True,
                        description="EXCELLENT: EXCELLENT\nGOOD: GOOD\nFAIR: FAIR\nPOOR: POOR",
                        enum_type=ServiceRating,
                        max_length=16,
                    ),
                ),
                ("points", fields.IntField(null=True)),
                ("rated_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "rated_by",
                    fields.ForeignKeyField(
                        "core.Account",
                        source_field="rated_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="rated_records",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
            ],
            options={
                "table": "service_record",
                "app": "members",
                "indexes": [Index(fields=["member_id", "at"]), Index(fields=["community_id", "at"])],
                "pk_attr": "id",
                "table_description": "服务纪实: what a member did, for how long, rated once by the community (一事一评).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Team",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "community",
                    fields.ForeignKeyField(
                        "core.Community",
                        source_field="community_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="teams",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=128)),
                (
                    "kind",
                    fields.CharEnumField(
                        description="SERVICE: SERVICE\nEMERGENCY: EMERGENCY",
                        enum_type=TeamKind,
                        max_length=16,
                    ),
                ),
                (
                    "specialty",
                    fields.CharEnumField(
                        null=True,
                        description="LEGAL: LEGAL\nMEDICAL: MEDICAL\nEDUCATION: EDUCATION\nPSYCHOLOGY: PSYCHOLOGY\nELDER_CARE: ELDER_CARE\nSUPPLY: SUPPLY",
                        enum_type=Specialty,
                        max_length=16,
                    ),
                ),
                (
                    "leader",
                    fields.ForeignKeyField(
                        "members.Member",
                        source_field="leader_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="led_teams",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "team",
                "app": "members",
                "unique_together": (("community", "name"),),
                "pk_attr": "id",
                "table_description": "A service team (服务队) or an emergency team (应急队) of a community.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="TeamMembership",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "team",
                    fields.ForeignKeyField(
                        "members.Team",
                        source_field="team_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="memberships",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "member",
                    fields.ForeignKeyField(
                        "members.Member",
                        source_field="member_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="team_memberships",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("joined_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "by_mode",
                    fields.BooleanField(
                        default=False,
                        description="made by a mode switch (EMERGENCY or EXTREME), removed when the community returns to NORMAL",
                    ),
                ),
                (
                    "suspended",
                    fields.BooleanField(
                        default=False,
                        description="the member was moved out by a mode switch, the membership counts again back in NORMAL",
                    ),
                ),
            ],
            options={
                "table": "team_membership",
                "app": "members",
                "unique_together": (("team", "member"),),
                "indexes": [Index(fields=["member_id", "team_id"])],
                "pk_attr": "id",
                "table_description": "A member in a team. During an emergency a member's own memberships are suspended and the",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Visit",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "pairing",
                    fields.ForeignKeyField(
                        "members.Pairing",
                        source_field="pairing_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="visits",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("minutes", fields.IntField()),
                ("note", fields.TextField(unique=False)),
                (
                    "logged_by",
                    fields.ForeignKeyField(
                        "core.Account",
                        source_field="logged_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="logged_visits",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
            ],
            options={
                "table": "visit",
                "app": "members",
                "indexes": [Index(fields=["pairing_id", "at"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
