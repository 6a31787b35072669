"""Who may see a report, and its reporter: a resident their own (and what they follow), staff their
community's, an organisation what is assigned to it, city operators everything."""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from api.auth import Principal
from api.models.accounts import Role
from api.models.reports import Report

STAFF = (Role.GRID_WORKER, Role.COMMUNITY_ADMIN)


def handles(principal: Principal, report: Report) -> bool:
    """An admin of the organisation the report is assigned to."""
    assignee = report.assignee_id
    return assignee is not None and assignee in principal.organization_ids(Role.ORG_ADMIN)


def sees_besides_assignment(principal: Principal, report: Report) -> bool:
    return (
        principal.reads_everything
        or report.reporter_id == principal.account_id
        or principal.serves(report.community_id)
    )


def sees_directly(principal: Principal, report: Report) -> bool:
    return sees_besides_assignment(principal, report) or handles(principal, report)


async def followed(principal: Principal, report_ids: Sequence[int]) -> set[int]:
    """Of these reports, those the principal follows because their own report was marked its duplicate."""
    if principal.account_id is None or not report_ids:
        return set()
    rows = await Report.filter(duplicate_of_id__in=list(report_ids), reporter_id=principal.account_id).values(
        "duplicate_of_id"
    )
    return {int(r["duplicate_of_id"]) for r in rows}


async def following(principal: Principal, report_ids: list[int]) -> list[bool]:
    """Whether the principal follows each report (a DataLoader batch function)."""
    found = await followed(principal, report_ids)
    return [i in found for i in report_ids]


async def can_see(principal: Principal, reports: Sequence[Report]) -> list[bool]:
    """Whether the principal may see each report: a resident their own (and what they follow),
    staff their community's, an organisation what is assigned to it, city operators everything."""
    undecided = [r.id for r in reports if not sees_directly(principal, r)]
    following = await followed(principal, undecided)
    return [sees_directly(principal, r) or r.id in following for r in reports]


def sees_reporter(principal: Principal, report: Report) -> bool:
    """An anonymous reporter's identity is shown only to the reporter and the community's staff."""
    return (
        not report.anonymous
        or report.reporter_id == principal.account_id
        or principal.serves(report.community_id)
    )


def visible(principal: Principal) -> QuerySet[Report]:
    """The reports a principal may see, as a queryset to filter further."""
    if principal.reads_everything:
        return Report.all()
    if principal.account_id is None:
        return Report.filter(id__in=[])
    communities = principal.community_ids(*STAFF)
    if communities is None:
        return Report.all()
    me = principal.account_id
    following = Subquery(
        Report.filter(reporter_id=me, duplicate_of_id__not_isnull=True).values("duplicate_of_id")
    )
    scope = Q(reporter_id=me) | Q(id__in=following)
    if communities:
        scope |= Q(community_id__in=sorted(communities))
    organizations = principal.organization_ids(Role.ORG_ADMIN)
    if organizations:
        scope |= Q(assignee_id__in=sorted(organizations))
    return Report.filter(scope)
