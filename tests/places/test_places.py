"""Communities, grids, grid workers and organisations, per role."""

from __future__ import annotations

from api.models.accounts import Role, RoleGrant
from api.models.places import Community
from schema.base import encode_id

CREATE_COMMUNITY = """
mutation CreateCommunity($name: String!, $code: String!, $city: String!, $district: String!, $street: String!,
                         $location: GeoPointInput) {
  communityCreate(input: {name: $name, code: $code, city: $city, district: $district, street: $street,
                          location: $location}) {
    community { id name code city district street } errors { field code message } } }"""
VARS = {
    "name": "百瑞景社区",
    "code": "brj",
    "city": "武汉市",
    "district": "武昌区",
    "street": "中南路街道",
    "location": {"lat": 30.5275, "lng": 114.3297},
}


async def test_only_admins_create_communities(api, factory):
    assert (
        await api.error_code(CREATE_COMMUNITY, VARS, as_=await factory.account(Role.COMMUNITY_ADMIN))
        == "FORBIDDEN"
    )
    assert await api.error_code(CREATE_COMMUNITY, VARS) == "UNAUTHENTICATED"
    admin = await factory.account(Role.ADMIN)
    created = (await api.data(CREATE_COMMUNITY, VARS, as_=admin))["communityCreate"]
    assert created["errors"] == [] and created["community"]["code"] == "BRJ"
    again = (await api.data(CREATE_COMMUNITY, VARS, as_=admin))["communityCreate"]
    assert [(e["field"], e["code"]) for e in again["errors"]] == [("code", "DUPLICATE")]
    bad = await api.data(
        CREATE_COMMUNITY, {**VARS, "code": "x y", "location": {"lat": 91, "lng": 0}}, as_=admin
    )
    assert {(e["field"], e["code"]) for e in bad["communityCreate"]["errors"]} == {
        ("code", "INVALID"),
        ("location", "OUT_OF_RANGE"),
    }
    assert await Community.all().count() == 1


async def test_community_admin_builds_grids_and_assigns_grid_workers_in_their_community_only(api, factory):
    mine, other = await factory.community(), await factory.community()
    admin = await factory.account(Role.COMMUNITY_ADMIN, mine)
    worker = await factory.account(Role.RESIDENT, mine)
    grid_create = """mutation($c: ID!, $n: String!) { gridCreate(input: {communityId: $c, name: $n}) {
      grid { id name community { id } } errors { field code } } }"""
    created = (
        await api.data(grid_create, {"c": encode_id("Community", mine.id), "n": "第一网格"}, as_=admin)
    )["gridCreate"]
    assert created["errors"] == [] and created["grid"]["name"] == "第一网格"
    assert (
        await api.error_code(grid_create, {"c": encode_id("Community", other.id), "n": "x"}, as_=admin)
        == "FORBIDDEN"
    )
    assign = """mutation($g: ID!, $a: ID!) { gridWorkerAssign(input: {gridId: $g, accountId: $a}) {
      grid { gridWorkers { displayName } } errors { code } } }"""
    assigned = await api.data(
        assign, {"g": created["grid"]["id"], "a": encode_id("Account", worker.id)}, as_=admin
    )
    assert assigned["gridWorkerAssign"]["grid"]["gridWorkers"] == [{"displayName": worker.display_name}]
    assert await RoleGrant.exists(account_id=worker.id, role=Role.GRID_WORKER, community_id=mine.id)


async def test_organizations_with_kind_and_parent(api, factory):
    admin = await factory.account(Role.ADMIN)
    create = """mutation($n: String!, $k: OrganizationKind!, $p: ID) {
      organizationCreate(input: {name: $n, kind: $k, parentId: $p}) { organization { id name kind } errors { field code } } }"""
    city = (await api.data(create, {"n": "武汉市城市运行管理中心", "k": "CITY_OPS_CENTER"}, as_=admin))[
        "organizationCreate"
    ]
    street = await api.data(
        create, {"n": "中南路街道", "k": "STREET", "p": city["organization"]["id"]}, as_=admin
    )
    org_id = street["organizationCreate"]["organization"]["id"]
    read = await api.data(
        """query($id: ID!) { node(id: $id) { ... on Organization { kind parent { name } } } }""",
        {"id": org_id},
        as_=admin,
    )
    assert read["node"] == {"kind": "STREET", "parent": {"name": "武汉市城市运行管理中心"}}
    missing = await api.data(
        create, {"n": "x", "k": "STREET", "p": encode_id("Organization", 999)}, as_=admin
    )
    assert [(e["field"], e["code"]) for e in missing["organizationCreate"]["errors"]] == [
        ("parentId", "NOT_FOUND")
    ]
    wrong = await api.data(create, {"n": "x", "k": "STREET", "p": encode_id("Community", 1)}, as_=admin)
    assert [(e["field"], e["code"]) for e in wrong["organizationCreate"]["errors"]] == [
        ("parentId", "INVALID")
    ]
    resident = await factory.account(Role.RESIDENT)
    assert await api.error_code(create, {"n": "x", "k": "STREET"}, as_=resident) == "FORBIDDEN"
