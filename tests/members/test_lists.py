"""三张清单: needs from residents, projects with work units, residents' evaluations of finished projects."""

from __future__ import annotations

from api.models.accounts import Role
from api.models.members import Need, NeedStatus
from tests.members.helpers import codes, gid

NEED = """mutation($c: ID!, $t: String!, $d: String!) { needSubmit(input: {communityId: $c, title: $t, description: $d}) {
  need { id title status } errors { field code } } }"""
PROJECT = """mutation($c: ID!, $t: String!, $u: ID!, $m: String!, $d: Date!, $n: [ID!]!) {
  projectCreate(input: {communityId: $c, title: $t, leadUnitId: $u, measures: $m, deadline: $d, needIds: $n}) {
  project { id title status deadline leadUnit { name } needs { title status } } errors { field code } } }"""
FINISH = "mutation($p: ID!) { projectFinish(input: {projectId: $p}) { project { id status finishedAt } errors { code } } }"
EVALUATE = """mutation($p: ID!, $v: EvaluationVerdict!) { projectEvaluate(input: {projectId: $p, verdict: $v, comment: "路灯修好了"}) {
  evaluation { verdict comment } errors { code } } }"""
LISTS = """query($c: ID!) { needs(communityId: $c) { totalCount edges { node { title status project { title } } } }
  projects(communityId: $c) { edges { node { title status evaluationSummary { satisfied basicallySatisfied dissatisfied }
  evaluations(first: 5) { totalCount edges { node { verdict } } } } } } }"""


async def test_needs_projects_evaluations(api, town, factory, clock):
    community = gid("Community", town.community)
    need = (
        await api.data(
            NEED, {"c": community, "t": "小区路灯不亮", "d": "3 栋到 5 栋之间晚上太黑"}, as_=town.resident
        )
    )["needSubmit"]
    assert need["errors"] == [] and need["need"]["status"] == "OPEN"
    stranger = await factory.account(Role.RESIDENT, await factory.community())
    assert await api.error_code(NEED, {"c": community, "t": "x", "d": "y"}, as_=stranger) == "FORBIDDEN"

    variables = {
        "c": community,
        "t": "路灯改造",
        "u": gid("Organization", town.unit),
        "m": "税务局出资, 物业施工",
        "d": "2026-09-30",
        "n": [need["need"]["id"]],
    }
    assert await api.error_code(PROJECT, variables, as_=town.resident) == "FORBIDDEN"
    past = (await api.data(PROJECT, {**variables, "d": "2020-01-01"}, as_=town.admin))["projectCreate"]
    assert codes(past) == ["OUT_OF_RANGE"]
    made = (await api.data(PROJECT, variables, as_=town.admin))["projectCreate"]
    assert made["errors"] == [] and made["project"]["leadUnit"]["name"] == "武汉市税务局第一分局"
    assert made["project"]["needs"] == [{"title": "小区路灯不亮", "status": "ADOPTED"}]
    assert (await Need.get()).status == NeedStatus.ADOPTED
    project_id = made["project"]["id"]

    early = (await api.data(EVALUATE, {"p": project_id, "v": "SATISFIED"}, as_=town.resident))[
        "projectEvaluate"
    ]
    assert codes(early) == ["INVALID_TRANSITION"]
    # the lead unit's ORG_ADMIN reports it done
    done = (await api.data(FINISH, {"p": project_id}, as_=town.unit_admin))["projectFinish"]
    assert done["errors"] == [] and done["project"]["status"] == "FINISHED"
    assert codes((await api.data(FINISH, {"p": project_id}, as_=town.admin))["projectFinish"]) == [
        "INVALID_TRANSITION"
    ]

    first = (await api.data(EVALUATE, {"p": project_id, "v": "SATISFIED"}, as_=town.resident))[
        "projectEvaluate"
    ]
    assert first == {"evaluation": {"verdict": "SATISFIED", "comment": "路灯修好了"}, "errors": []}
    again = (await api.data(EVALUATE, {"p": project_id, "v": "DISSATISFIED"}, as_=town.resident))[
        "projectEvaluate"
    ]
    assert codes(again) == ["ALREADY_DONE"]
    member_account, _ = await town.member()
    await api.data(EVALUATE, {"p": project_id, "v": "BASICALLY_SATISFIED"}, as_=member_account)
    assert await api.error_code(EVALUATE, {"p": project_id, "v": "SATISFIED"}, as_=stranger) == "FORBIDDEN"

    lists = await api.data(LISTS, {"c": community}, as_=town.resident)
    assert lists["needs"]["totalCount"] == 1 and lists["needs"]["edges"][0]["node"]["project"] == {
        "title": "路灯改造"
    }
    project = lists["projects"]["edges"][0]["node"]
    assert project["evaluationSummary"] == {"satisfied": 1, "basicallySatisfied": 1, "dissatisfied": 0}
    assert project["evaluations"]["totalCount"] == 2
    assert (await api.data(LISTS, {"c": community}, as_=stranger))["needs"]["totalCount"] == 0
