"""Members and their service: check-in (双报到), posts, teams, service orders and records, pairings,
the three lists (三张清单) and the history of a community's mode (常急转换).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from api.models.accounts import Account
    from api.models.care import CareRecipient
    from api.models.places import Community, Organization


class MemberKind(StrEnum):
    PARTY_MEMBER = "PARTY_MEMBER"
    VOLUNTEER = "VOLUNTEER"
    GIG_WORKER = "GIG_WORKER"


class Specialty(StrEnum):
    LEGAL = "LEGAL"
    MEDICAL = "MEDICAL"
    EDUCATION = "EDUCATION"
    PSYCHOLOGY = "PSYCHOLOGY"
    ELDER_CARE = "ELDER_CARE"
    SUPPLY = "SUPPLY"


class TeamKind(StrEnum):
    SERVICE = "SERVICE"
    EMERGENCY = "EMERGENCY"


class ServiceOrderStatus(StrEnum):
    REQUESTED = "REQUESTED"
    PROPOSED = "PROPOSED"
    DISPATCHED = "DISPATCHED"
    ACCEPTED = "ACCEPTED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class ServiceRating(StrEnum):
    EXCELLENT = "EXCELLENT"
    GOOD = "GOOD"
    FAIR = "FAIR"
    POOR = "POOR"


class NeedStatus(StrEnum):
    OPEN = "OPEN"
    ADOPTED = "ADOPTED"
    DECLINED = "DECLINED"


class ProjectStatus(StrEnum):
    IN_PROGRESS = "IN_PROGRESS"
    FINISHED = "FINISHED"


class EvaluationVerdict(StrEnum):
    SATISFIED = "SATISFIED"
    BASICALLY_SATISFIED = "BASICALLY_SATISFIED"
    DISSATISFIED = "DISSATISFIED"


class Member(Model):
    """An account checked in to the community where it lives (双报到): one per account and community."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="memberships", on_delete=fields.CASCADE
    )
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "core.Community", related_name="members", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(MemberKind, max_length=16)
    #: the member's work unit (单位党组织), whose ORG_ADMIN sees the member's service records
    work_unit: fields.ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "core.Organization", related_name="checked_in_members", null=True, on_delete=fields.SET_NULL
    )
    skills: fields.JSONField[list[str]] = fields.JSONField(default=list)
    checked_in_at = fields.DatetimeField()

    account_id: int
    community_id: int
    work_unit_id: int | None

    class Meta:
        table = "member"
        unique_together = (("account", "community"),)
        indexes = (("community_id", "id"), ("work_unit_id", "id"))


class Post(Model):
    """A standing post members claim (认岗), up to its capacity."""

    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "core.Community", related_name="posts", on_delete=fields.CASCADE
    )
    title = fields.CharField(max_length=128)
    specialty = fields.CharEnumField(Specialty, max_length=16)
    description = fields.TextField(default="")
    capacity = fields.IntField()
    #: changed only by the conditional UPDATE of a claim (claimed_count below capacity)
    claimed_count = fields.IntField(default=0)
    created_at = fields.DatetimeField()

    community_id: int

    class Meta:
        table = "post"
        indexes = (("community_id", "id"),)


class PostClaim(Model):
    id = fields.IntField(primary_key=True)
    post: fields.ForeignKeyRelation[Post] = fields.ForeignKeyField(
        "members.Post", related_name="claims", on_delete=fields.CASCADE
    )
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "members.Member", related_name="post_claims", on_delete=fields.CASCADE
    )
    claimed_at = fields.DatetimeField()

    post_id: int
    member_id: int

    class Meta:
        table = "post_claim"
        unique_together = (("post", "member"),)


class Team(Model):
    """A service team (服务队) or an emergency team (应急队) of a community."""

    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "core.Community", related_name="teams", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=128)
    kind = fields.CharEnumField(TeamKind, max_length=16)
    specialty = fields.CharEnumField(Specialty, max_length=16, null=True)
    leader: fields.ForeignKeyNullableRelation[Member] = fields.ForeignKeyField(
        "members.Member", related_name="led_teams", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField()

    community_id: int
    leader_id: int | None

    class Meta:
        table = "team"
        unique_together = (("community", "name"),)


class TeamMembership(Model):
    """A member in a team. During an emergency a member's own memberships are suspended and the
    ones the mode switch made are marked `by_mode`, so returning to NORMAL restores the former."""

    id = fields.IntField(primary_key=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "members.Team", related_name="memberships", on_delete=fields.CASCADE
    )
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "members.Member", related_name="team_memberships", on_delete=fields.CASCADE
    )
    joined_at = fields.DatetimeField()
    #: made by a mode switch (EMERGENCY or EXTREME), removed when the community returns to NORMAL
    by_mode = fields.BooleanField(default=False)
    #: the member was moved out by a mode switch, the membership counts again back in NORMAL
    suspended = fields.BooleanField(default=False)

    team_id: int
    member_id: int

    class Meta:
        table = "team_membership"
        unique_together = (("team", "member"),)
        indexes = (("member_id", "team_id"),)


class ServiceOrder(Model):
    """A service: asked by a resident (群众点单) or proposed by a member (创单), done by one member."""

    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "core.Community", related_name="service_orders", on_delete=fields.CASCADE
    )
    title = fields.CharField(max_length=128)
    description = fields.TextField()
    specialty = fields.CharEnumField(Specialty, max_length=16, null=True)
    status = fields.CharEnumField(ServiceOrderStatus, max_length=16)
    requester: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="service_orders", on_delete=fields.CASCADE
    )
    #: the member doing it: who accepted it, or who proposed it
    assignee: fields.ForeignKeyNullableRelation[Member] = fields.ForeignKeyField(
        "members.Member", related_name="assigned_orders", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    dispatched_at = fields.DatetimeField(null=True)
    accepted_at = fields.DatetimeField(null=True)
    completed_at = fields.DatetimeField(null=True)
    cancelled_at = fields.DatetimeField(null=True)

    community_id: int
    requester_id: int
    assignee_id: int | None

    class Meta:
        table = "service_order"
        indexes = (("community_id", "status", "id"), ("assignee_id", "id"), ("requester_id", "id"))


class ServiceRecord(Model):
    """服务纪实: what a member did, for how long, rated once by the community (一事一评)."""

    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "members.Member", related_name="service_records", on_delete=fields.CASCADE
    )
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "core.Community", related_name="service_records", on_delete=fields.CASCADE
    )
    order: fields.OneToOneNullableRelation[ServiceOrder] = fields.OneToOneField(
        "members.ServiceOrder", related_name="record", null=True, on_delete=fields.SET_NULL
    )
    minutes = fields.IntField()
    summary = fields.TextField()
    at = fields.DatetimeField()
    #: set once, by the conditional UPDATE of the rating (rating still null)
    rating = fields.CharEnumField(ServiceRating, max_length=16, null=True)
    points = fields.IntField(null=True)
    rated_at = fields.DatetimeField(null=True)
    rated_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="rated_records", null=True, on_delete=fields.SET_NULL
    )

    member_id: int
    community_id: int
    order_id: int | None
    rated_by_id: int | None

    class Meta:
        table = "service_record"
        indexes = (("member_id", "at"), ("community_id", "at"))


class PointsRule(Model):
    """A community's points per 100 minutes of service for each rating (defaults in resolvers)."""

    id = fields.IntField(primary_key=True)
    community: fields.OneToOneRelation[Community] = fields.OneToOneField(
        "core.Community", related_name="points_rule", on_delete=fields.CASCADE
    )
    excellent = fields.IntField()
    good = fields.IntField()
    fair = fields.IntField()
    poor = fields.IntField()
    updated_at = fields.DatetimeField()

    community_id: int

    class Meta:
        table = "points_rule"


class Pairing(Model):
    """认亲: a member paired with a care recipient. Ended pairings are kept."""

    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "members.Member", related_name="pairings", on_delete=fields.CASCADE
    )
    recipient: fields.ForeignKeyRelation[CareRecipient] = fields.ForeignKeyField(
        "care.CareRecipient", related_name="pairings", on_delete=fields.CASCADE
    )
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "core.Community", related_name="pairings", on_delete=fields.CASCADE
    )
    started_at = fields.DatetimeField()
    ended_at = fields.DatetimeField(null=True)
    end_reason = fields.CharField(max_length=255, null=True)
    #: "member:recipient" while the pairing lasts, null once ended, so one pair has one live pairing
    active_key = fields.CharField(max_length=64, null=True, unique=True)
    #: when the community's staff approved it (a member's own request waits for that), null while pending
    approved_at = fields.DatetimeField(null=True)
    approved_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="approved_pairings", null=True, on_delete=fields.SET_NULL
    )

    member_id: int
    recipient_id: int
    community_id: int
    approved_by_id: int | None

    class Meta:
        table = "pairing"
        indexes = (("member_id", "id"), ("recipient_id", "id"))


class Visit(Model):
    id = fields.IntField(primary_key=True)
    pairing: fields.ForeignKeyRelation[Pairing] = fields.ForeignKeyField(
        "members.Pairing", related_name="visits", on_delete=fields.CASCADE
    )
    at = fields.DatetimeField()
    minutes = fields.IntField()
    note = fields.TextField()
    logged_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="logged_visits", null=True, on_delete=fields.SET_NULL
    )

    pairing_id: int
    logged_by_id: int | None

    class Meta:
        table = "visit"
        indexes = (("pairing_id", "at"),)


class Need(Model):
    """需求清单: a need collected from residents."""

    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "core.Community", related_name="needs", on_delete=fields.CASCADE
    )
    title = fields.CharField(max_length=128)
    description = fields.TextField()
    status = fields.CharEnumField(NeedStatus, max_length=16, default=NeedStatus.OPEN)
    submitted_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="needs", null=True, on_delete=fields.SET_NULL
    )
    project: fields.ForeignKeyNullableRelation[Project] = fields.ForeignKeyField(
        "members.Project", related_name="needs", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField()

    community_id: int
    submitted_by_id: int | None
    project_id: int | None

    class Meta:
        table = "need"
        indexes = (("community_id", "status", "id"),)


class Project(Model):
    """项目清单: a project agreed with a work unit, which leads it."""

    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "core.Community", related_name="projects", on_delete=fields.CASCADE
    )
    title = fields.CharField(max_length=128)
    lead_unit: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "core.Organization", related_name="led_projects", on_delete=fields.CASCADE
    )
    measures = fields.TextField()
    deadline = fields.DateField()
    status = fields.CharEnumField(ProjectStatus, max_length=16, default=ProjectStatus.IN_PROGRESS)
    created_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)

    community_id: int
    lead_unit_id: int

    class Meta:
        table = "project"
        indexes = (("community_id", "status", "id"),)


class Evaluation(Model):
    """效果清单: a resident's evaluation of a finished project, one per resident and project."""

    id = fields.IntField(primary_key=True)
    project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "members.Project", related_name="evaluations", on_delete=fields.CASCADE
    )
    resident: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="evaluations", on_delete=fields.CASCADE
    )
    verdict = fields.CharEnumField(EvaluationVerdict, max_length=32)
    comment = fields.TextField(default="")
    at = fields.DatetimeField()

    project_id: int
    resident_id: int

    class Meta:
        table = "evaluation"
        unique_together = (("project", "resident"),)


class CommunityModeChange(Model):
    """One switch of a community's mode (常急转换), kept as its history."""

    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "core.Community", related_name="mode_changes", on_delete=fields.CASCADE
    )
    from_mode = fields.CharField(max_length=16)
    to_mode = fields.CharField(max_length=16)
    reason = fields.CharField(max_length=255)
    actor: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="mode_changes", null=True, on_delete=fields.SET_NULL
    )
    #: how many members moved into or out of emergency teams
    reassigned = fields.IntField(default=0)
    at = fields.DatetimeField()

    community_id: int
    actor_id: int | None

    class Meta:
        table = "community_mode_change"
        indexes = (("community_id", "at"),)
