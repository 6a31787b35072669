"""三张清单: needs collected from residents (需求清单), projects agreed with work units (项目清单),
and residents' evaluations of finished projects (效果清单).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from api import clock
from api.auth import Principal
from api.db import transaction
from api.errors import ErrorCode, Forbidden, UserError, Validator
from api.models.accounts import Role
from api.models.members import Evaluation, EvaluationVerdict, Need, NeedStatus, Project, ProjectStatus
from api.models.places import Community, Organization
from resolvers.members.access import COMMUNITY_PEOPLE, belongs_to, is_admin_of, require_admin


def readable_communities(principal: Principal) -> set[int] | None:
    """Communities whose lists the principal reads (None: all)."""
    if principal.reads_everything:
        return None
    return principal.community_ids(*COMMUNITY_PEOPLE, Role.GRID_WORKER, Role.COMMUNITY_ADMIN)


async def submit_need(*, principal: Principal, community_id: int, title: str, description: str) -> Need:
    """A resident tells the community what it needs; the community collects them into its needs list."""
    if not belongs_to(principal, community_id):
        raise Forbidden("Only the community's residents and staff add to its needs list.")
    v = Validator()
    title_ = v.text("title", title, max_length=128)
    description_ = v.text("description", description, max_length=2000)
    v.raise_if_any()
    if not await Community.exists(id=community_id):
        raise UserError(ErrorCode.NOT_FOUND, "No such community.", "communityId")
    return await Need.create(
        community_id=community_id,
        title=title_,
        description=description_,
        submitted_by_id=principal.account_id,
        created_at=clock.now(),
    )


def needs(
    *, principal: Principal, community_id: int | None = None, status: NeedStatus | None = None
) -> QuerySet[Need]:
    qs = Need.all()
    ids = readable_communities(principal)
    if ids is not None:
        qs = qs.filter(community_id__in=sorted(ids))
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    if status is not None:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


async def create_project(
    *,
    principal: Principal,
    community_id: int,
    title: str,
    lead_unit_id: int,
    measures: str,
    deadline: date,
    need_ids: Sequence[int] = (),
) -> Project:
    """The community agrees a project with a work unit, which leads it; the needs it answers are adopted."""
    require_admin(principal, community_id, "agrees projects")
    v = Validator()
    title_ = v.text("title", title, max_length=128)
    measures_ = v.text("measures", measures, max_length=4000)
    v.check(
        deadline >= clock.now().date(), ErrorCode.OUT_OF_RANGE, "The deadline is in the past.", "deadline"
    )
    v.check(
        await Organization.exists(id=lead_unit_id), ErrorCode.NOT_FOUND, "No such work unit.", "leadUnitId"
    )
    ids = sorted(set(need_ids))
    if ids:
        found = await Need.filter(id__in=ids, community_id=community_id, status=NeedStatus.OPEN).count()
        v.check(
            found == len(ids),
            ErrorCode.INVALID,
            "Every need must be an open need of this community.",
            "needIds",
        )
    v.raise_if_any()
    async with transaction() as conn:
        project = await Project.create(
            community_id=community_id,
            title=title_,
            lead_unit_id=lead_unit_id,
            measures=measures_,
            deadline=deadline,
            created_at=clock.now(),
            using_db=conn,
        )
        if ids:
            adopted = (
                await Need.filter(id__in=ids, status=NeedStatus.OPEN)
                .using_db(conn)
                .update(status=NeedStatus.ADOPTED, project_id=project.id)
            )
            if adopted != len(ids):
                raise UserError(ErrorCode.CONFLICT, "A need was adopted meanwhile.", "needIds")
    return project


async def _project(project_id: int) -> Project:
    project = await Project.get_or_none(id=project_id)
    if project is None:
        raise UserError(ErrorCode.NOT_FOUND, "No such project.", "projectId")
    return project


async def finish_project(*, principal: Principal, project_id: int) -> Project:
    """The community's admin, or the lead unit's ORG_ADMIN, reports the project done."""
    project = await _project(project_id)
    lead = project.lead_unit_id in principal.organization_ids(Role.ORG_ADMIN)
    if not lead and not is_admin_of(principal, project.community_id):
        raise Forbidden("Only the community's admin or the lead unit finishes a project.")
    finished = await Project.filter(id=project.id, status=ProjectStatus.IN_PROGRESS).update(
        status=ProjectStatus.FINISHED, finished_at=clock.now()
    )
    if not finished:
        raise UserError(ErrorCode.INVALID_TRANSITION, "This project is already finished.", "projectId")
    return await _project(project_id)


async def evaluate_project(
    *, principal: Principal, project_id: int, verdict: EvaluationVerdict, comment: str | None = None
) -> Evaluation:
    """A resident evaluates a finished project, once."""
    v = Validator()
    comment_ = v.text("comment", comment, max_length=2000, required=False)
    v.raise_if_any()
    project = await _project(project_id)
    if not principal.acts_in_community(project.community_id, *COMMUNITY_PEOPLE):
        raise Forbidden("Only the community's residents evaluate its projects.")
    if project.status != ProjectStatus.FINISHED:
        raise UserError(ErrorCode.INVALID_TRANSITION, "Only a finished project is evaluated.", "projectId")
    try:
        return await Evaluation.create(
            project_id=project.id,
            resident_id=principal.account_id,
            verdict=verdict,
            comment=comment_ or "",
            at=clock.now(),
        )
    except IntegrityError as exc:
        raise UserError(
            ErrorCode.ALREADY_DONE, "You have already evaluated this project.", "projectId"
        ) from exc


def projects(
    *,
    principal: Principal,
    community_id: int | None = None,
    status: ProjectStatus | None = None,
    lead_unit_id: int | None = None,
) -> QuerySet[Project]:
    """Projects of the communities the principal reads, and those their organisation leads (ORG_ADMIN)."""
    qs = Project.all()
    ids = readable_communities(principal)
    if ids is not None:
        orgs = sorted(principal.organization_ids(Role.ORG_ADMIN))
        qs = qs.filter(Q(community_id__in=sorted(ids)) | Q(lead_unit_id__in=orgs))
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    if status is not None:
        qs = qs.filter(status=status)
    if lead_unit_id is not None:
        qs = qs.filter(lead_unit_id=lead_unit_id)
    return qs.order_by("-created_at", "-id")


async def verdict_counts(project_ids: list[int]) -> list[dict[EvaluationVerdict, int]]:
    """Evaluations per verdict for each project, in one grouped statement."""
    rows = (
        await Evaluation.filter(project_id__in=project_ids)
        .annotate(n=Count("id"))
        .group_by("project_id", "verdict")
        .values("project_id", "verdict", "n")
    )
    out: dict[int, dict[EvaluationVerdict, int]] = {p: {v: 0 for v in EvaluationVerdict} for p in project_ids}
    for r in rows:
        out[r["project_id"]][EvaluationVerdict(r["verdict"])] = int(r["n"])
    return [out[p] for p in project_ids]
