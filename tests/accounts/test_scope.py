"""A grant without a scope makes no one staff, member or resident of every community."""

from __future__ import annotations

from api.auth import Grant, Principal
from api.models.accounts import Role
from schema.base import encode_id

SIGN_UP = """mutation($u: String!) { accountRegister(input: {username: $u, password: "Sup3r-secret!", displayName: "M"}) {
  account { id roles } errors { code } } }"""


def test_only_admins_and_city_operators_hold_everywhere():
    nowhere = Principal(
        account_id=1, grants=(Grant(Role.RESIDENT), Grant(Role.GRID_WORKER), Grant(Role.MEMBER))
    )
    assert not nowhere.acts_in_community(7, Role.RESIDENT, Role.GRID_WORKER, Role.MEMBER)
    assert not nowhere.reads_community(7, Role.GRID_WORKER)
    assert nowhere.community_ids(Role.RESIDENT, Role.GRID_WORKER) == set()
    operator = Principal(account_id=2, grants=(Grant(Role.CITY_OPERATOR),))
    assert (
        operator.reads_community(7, Role.GRID_WORKER) and operator.community_ids(Role.CITY_OPERATOR) is None
    )


async def test_signing_up_without_a_community_code_joins_no_community(api, factory):
    community = await factory.community()
    account = (await api.data(SIGN_UP, {"u": "mallory"}))["accountRegister"]["account"]
    assert account["roles"] == ["RESIDENT"]
    token = (
        await api.data(
            'mutation { tokenCreate(input: {username: "mallory", password: "Sup3r-secret!"}) { token } }'
        )
    )["tokenCreate"]["token"]
    request = """mutation($c: ID!) { serviceOrderRequest(input: {communityId: $c, title: "帮忙", description: "买菜"}) {
      serviceOrder { id } errors { code } } }"""
    body = await api.post(request, {"c": encode_id("Community", community.id)}, as_=token)
    assert body.get("errors") or body["data"]["serviceOrderRequest"]["serviceOrder"] is None
