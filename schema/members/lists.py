"""三张清单: needs (需求清单), projects (项目清单) and evaluations (效果清单)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Self

import strawberry
from strawberry import relay

from api.errors import BadInput, UserError
from api.models.accounts import Role
from api.models.members import Evaluation as EvaluationRow
from api.models.members import EvaluationVerdict, NeedStatus, ProjectStatus
from api.models.members import Need as NeedRow
from api.models.members import Project as ProjectRow
from resolvers.members import lists
from schema.base import (
    Connection,
    HasRole,
    IsAuthenticated,
    ModelNode,
    UserErrorType,
    connection,
    decode_id,
    decode_optional,
    mutate,
    nested_connection,
)
from schema.context import Info
from schema.members.types import (
    CommunityRef,
    OrganizationRef,
    load_community,
)

NeedStatusEnum = strawberry.enum(
    NeedStatus, name="NeedStatus", description="Whether a need was taken up by a project."
)
ProjectStatusEnum = strawberry.enum(ProjectStatus, name="ProjectStatus")
EvaluationVerdictEnum = strawberry.enum(
    EvaluationVerdict, name="EvaluationVerdict", description="A resident's verdict on a finished project."
)


def _reads(info: Info, community_id: int) -> bool:
    ids = lists.readable_communities(info.context.principal)
    return ids is None or community_id in ids


@strawberry.type(description="需求清单: a need collected from residents.")
class Need(ModelNode):
    model = NeedRow
    id: relay.NodeID[int]
    title: str
    description: str
    status: NeedStatusEnum  # type: ignore[valid-type]
    created_at: datetime
    community_id: strawberry.Private[int]
    project_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, obj: NeedRow) -> Self:
        return cls(
            id=obj.id,
            title=obj.title,
            description=obj.description,
            status=obj.status,
            created_at=obj.created_at,
            community_id=obj.community_id,
            project_id=obj.project_id,
        )

    @classmethod
    async def visible(cls, info: Info, rows: Sequence[NeedRow]) -> list[bool]:
        return [_reads(info, r.community_id) for r in rows]

    @strawberry.field
    async def community(self, info: Info) -> CommunityRef:
        return await load_community(info, self.community_id)

    @strawberry.field(description="The project that answers this need.")
    async def project(self, info: Info) -> Project | None:
        return await Project.load(info, self.project_id)


@strawberry.type(description="Residents' verdicts on a finished project.")
class EvaluationSummary:
    satisfied: int
    basically_satisfied: int
    dissatisfied: int


@strawberry.type(description="项目清单: a project the community agreed with a work unit, which leads it.")
class Project(ModelNode):
    model = ProjectRow
    id: relay.NodeID[int]
    title: str
    measures: str = strawberry.field(description="推进措施: how the lead unit will do it.")
    deadline: date = strawberry.field(description="完成时限.")
    status: ProjectStatusEnum  # type: ignore[valid-type]
    created_at: datetime
    finished_at: datetime | None
    community_id: strawberry.Private[int]
    lead_unit_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, obj: ProjectRow) -> Self:
        return cls(
            id=obj.id,
            title=obj.title,
            measures=obj.measures,
            deadline=obj.deadline,
            status=obj.status,
            created_at=obj.created_at,
            finished_at=obj.finished_at,
            community_id=obj.community_id,
            lead_unit_id=obj.lead_unit_id,
        )

    @classmethod
    async def visible(cls, info: Info, rows: Sequence[ProjectRow]) -> list[bool]:
        orgs = info.context.principal.organization_ids(Role.ORG_ADMIN)
        return [_reads(info, r.community_id) or r.lead_unit_id in orgs for r in rows]

    @strawberry.field
    async def community(self, info: Info) -> CommunityRef:
        return await load_community(info, self.community_id)

    @strawberry.field(description="领办单位: the work unit leading the project.")
    async def lead_unit(self, info: Info) -> OrganizationRef:
        from schema.places import Organization

        found = await Organization.load(info, self.lead_unit_id)
        assert found is not None
        return found

    @strawberry.field(description="The needs the project answers.")
    async def needs(self, info: Info) -> list[Need]:
        rows = await info.context.loaders.many_by(NeedRow, "project_id", "id").load(self.id)
        return [Need.from_model(r) for r in rows]

    @strawberry.field(description="效果清单: residents' evaluations, newest first.")
    async def evaluations(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Evaluation]:
        return await nested_connection(
            info,
            "EvaluationsByProject",
            EvaluationRow.all(),
            parent_column="project_id",
            parent_id=self.id,
            order=("-at", "-id"),
            to_node=Evaluation.from_model,
            first=first,
            after=after,
        )

    @strawberry.field(description="How many residents gave each verdict.")
    async def evaluation_summary(self, info: Info) -> EvaluationSummary:
        counts = await info.context.loaders.get("VerdictCountsByProject", lists.verdict_counts).load(self.id)
        return EvaluationSummary(
            satisfied=counts[EvaluationVerdict.SATISFIED],
            basically_satisfied=counts[EvaluationVerdict.BASICALLY_SATISFIED],
            dissatisfied=counts[EvaluationVerdict.DISSATISFIED],
        )


@strawberry.type(description="效果清单: a resident's evaluation of a finished project.")
class Evaluation(ModelNode):
    model = EvaluationRow
    id: relay.NodeID[int]
    verdict: EvaluationVerdictEnum  # type: ignore[valid-type]
    comment: str
    at: datetime

    @classmethod
    def from_model(cls, obj: EvaluationRow) -> Self:
        return cls(id=obj.id, verdict=obj.verdict, comment=obj.comment, at=obj.at)


@strawberry.input
class NeedSubmitInput:
    community_id: strawberry.ID
    title: str
    description: str


@strawberry.type
class NeedPayload:
    need: Need | None = None
    errors: list[UserErrorType]


@strawberry.input
class ProjectCreateInput:
    community_id: strawberry.ID
    title: str
    lead_unit_id: strawberry.ID = strawberry.field(description="领办单位: the work unit leading it.")
    measures: str
    deadline: date
    need_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Open needs it answers."
    )


@strawberry.input
class ProjectFinishInput:
    project_id: strawberry.ID


@strawberry.type
class ProjectPayload:
    project: Project | None = None
    errors: list[UserErrorType]


@strawberry.input
class ProjectEvaluateInput:
    project_id: strawberry.ID
    verdict: EvaluationVerdictEnum  # type: ignore[valid-type]
    comment: str | None = None


@strawberry.type
class EvaluationPayload:
    evaluation: Evaluation | None = None
    errors: list[UserErrorType]


def _optional_community(community_id: strawberry.ID | None) -> int | None:
    try:
        return decode_optional(community_id, "Community", field="communityId")
    except UserError as exc:
        raise BadInput(exc.message) from exc


@strawberry.type
class Query:
    @strawberry.field(
        permission_classes=[IsAuthenticated], description="需求清单 of the communities you belong to."
    )
    async def needs(
        self,
        info: Info,
        community_id: strawberry.ID | None = None,
        status: NeedStatusEnum | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Need]:
        qs = lists.needs(
            principal=info.context.principal, community_id=_optional_community(community_id), status=status
        )
        return await connection(info, qs, Need.from_model, first=first, after=after, last=last, before=before)

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="项目清单 of the communities you belong to, and those your organisation leads.",
    )
    async def projects(
        self,
        info: Info,
        community_id: strawberry.ID | None = None,
        status: ProjectStatusEnum | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Project]:
        qs = lists.projects(
            principal=info.context.principal, community_id=_optional_community(community_id), status=status
        )
        return await connection(
            info, qs, Project.from_model, first=first, after=after, last=last, before=before
        )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        permission_classes=[IsAuthenticated], description="Tell your community what it needs (需求清单)."
    )
    async def need_submit(self, info: Info, input: NeedSubmitInput) -> NeedPayload:
        return await mutate(
            NeedPayload,
            lambda: lists.submit_need(
                principal=info.context.principal,
                community_id=decode_id(input.community_id, "Community", field="communityId"),
                title=input.title,
                description=input.description,
            ),
            lambda n: {"need": Need.from_model(n)},
        )

    @strawberry.mutation(
        permission_classes=[HasRole(Role.COMMUNITY_ADMIN)],
        description="Agree a project with a work unit (COMMUNITY_ADMIN); the needs it answers are adopted.",
    )
    async def project_create(self, info: Info, input: ProjectCreateInput) -> ProjectPayload:
        return await mutate(
            ProjectPayload,
            lambda: lists.create_project(
                principal=info.context.principal,
                community_id=decode_id(input.community_id, "Community", field="communityId"),
                title=input.title,
                lead_unit_id=decode_id(input.lead_unit_id, "Organization", field="leadUnitId"),
                measures=input.measures,
                deadline=input.deadline,
                need_ids=[decode_id(n, "Need", field="needIds") for n in input.need_ids],
            ),
            lambda p: {"project": Project.from_model(p)},
        )

    @strawberry.mutation(
        permission_classes=[HasRole(Role.COMMUNITY_ADMIN, Role.ORG_ADMIN)],
        description="Report a project done (the community's admin or the lead unit's ORG_ADMIN).",
    )
    async def project_finish(self, info: Info, input: ProjectFinishInput) -> ProjectPayload:
        return await mutate(
            ProjectPayload,
            lambda: lists.finish_project(
                principal=info.context.principal,
                project_id=decode_id(input.project_id, "Project", field="projectId"),
            ),
            lambda p: {"project": Project.from_model(p)},
        )

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="效果清单: evaluate a finished project of your community, once.",
    )
    async def project_evaluate(self, info: Info, input: ProjectEvaluateInput) -> EvaluationPayload:
        return await mutate(
            EvaluationPayload,
            lambda: lists.evaluate_project(
                principal=info.context.principal,
                project_id=decode_id(input.project_id, "Project", field="projectId"),
                verdict=input.verdict,
                comment=input.comment,
            ),
            lambda e: {"evaluation": Evaluation.from_model(e)},
        )
