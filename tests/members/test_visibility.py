"""三方可见: a service record is seen by the member, their community's staff and their work unit's
ORG_ADMIN, and by no one else: through `node`, `serviceRecords` and `Member.serviceRecords`."""

from __future__ import annotations

import pytest

from api import clock
from api.models.accounts import Role
from api.models.members import ServiceRecord
from tests.members.helpers import gid

NODE = "query($id: ID!) { node(id: $id) { ... on ServiceRecord { id minutes member { id } } } }"
RECORDS = "query { serviceRecords(first: 50) { totalCount edges { node { id } } } }"
MEMBER = "query($id: ID!) { node(id: $id) { ... on Member { id points serviceRecords(first: 5) { totalCount } } } }"


@pytest.fixture
async def record(town):
    account, member = await town.member()
    row = await ServiceRecord.create(
        member=member, community=town.community, minutes=30, summary="入户走访", at=clock.now()
    )
    return account, member, row


async def _sees(api, who, record_id: str, member_id: str) -> tuple[bool, int, bool]:
    node = (await api.data(NODE, {"id": record_id}, as_=who))["node"]
    listed = (await api.data(RECORDS, as_=who))["serviceRecords"]["totalCount"]
    member = (await api.data(MEMBER, {"id": member_id}, as_=who))["node"]
    return node is not None, listed, member is not None and member["serviceRecords"]["totalCount"] == 1


async def test_the_member_sees_their_record(api, record):
    account, member, row = record
    assert await _sees(api, account, gid("ServiceRecord", row), gid("Member", member)) == (True, 1, True)


@pytest.mark.parametrize("role", [Role.COMMUNITY_ADMIN, Role.GRID_WORKER])
async def test_the_communitys_staff_see_it(api, town, record, factory, role):
    _, member, row = record
    staff = await factory.account(role, town.community)
    assert await _sees(api, staff, gid("ServiceRecord", row), gid("Member", member)) == (True, 1, True)


async def test_the_work_units_org_admin_sees_it(api, town, record):
    _, member, row = record
    assert await _sees(api, town.unit_admin, gid("ServiceRecord", row), gid("Member", member)) == (
        True,
        1,
        True,
    )


async def test_another_member_of_the_community_does_not(api, town, record):
    _, member, row = record
    other, _ = await town.member()
    assert await _sees(api, other, gid("ServiceRecord", row), gid("Member", member)) == (False, 0, False)


async def test_a_resident_does_not(api, town, record):
    _, member, row = record
    assert await _sees(api, town.resident, gid("ServiceRecord", row), gid("Member", member)) == (
        False,
        0,
        False,
    )


async def test_another_communitys_admin_does_not(api, record, factory):
    _, member, row = record
    stranger = await factory.account(Role.COMMUNITY_ADMIN, await factory.community())
    assert await _sees(api, stranger, gid("ServiceRecord", row), gid("Member", member)) == (False, 0, False)


async def test_another_organisations_org_admin_does_not(api, record, factory):
    _, member, row = record
    other_unit = await factory.organization()
    stranger = await factory.account(Role.ORG_ADMIN, organization=other_unit)
    assert await _sees(api, stranger, gid("ServiceRecord", row), gid("Member", member)) == (False, 0, False)


async def test_without_a_work_unit_no_org_admin_sees_it(api, town):
    account, member = await town.member(work_unit=False)
    row = await ServiceRecord.create(
        member=member, community=town.community, minutes=10, summary="x", at=clock.now()
    )
    assert await _sees(api, town.unit_admin, gid("ServiceRecord", row), gid("Member", member)) == (
        False,
        0,
        False,
    )
    assert await _sees(api, account, gid("ServiceRecord", row), gid("Member", member)) == (True, 1, True)


async def test_only_the_member_sees_their_ledger(api, town, record):
    account, member, _ = record
    ledger = "query($id: ID!) { node(id: $id) { ... on Member { pointsLedger(first: 5) { totalCount } } } }"
    from api import points
    from api.db import transaction

    async with transaction() as conn:
        await points.apply(account_id=account.id, delta=10, reason="test", source="test:1", connection=conn)
    assert (await api.data(ledger, {"id": gid("Member", member)}, as_=account))["node"]["pointsLedger"][
        "totalCount"
    ] == 1
    assert (await api.data(ledger, {"id": gid("Member", member)}, as_=town.admin))["node"]["pointsLedger"][
        "totalCount"
    ] == 0


async def test_the_work_units_org_admin_sees_the_record_not_the_residents_request(api, town, record):
    from api.models.members import ServiceOrder, ServiceOrderStatus

    account, member, row = record
    order = await ServiceOrder.create(
        community=town.community,
        title="陪诊",
        description="住在 3 栋 1201, 需要陪同去医院复查心脏",
        status=ServiceOrderStatus.COMPLETED,
        requester=town.resident,
        assignee=member,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    await ServiceRecord.filter(id=row.id).update(order_id=order.id)
    query = "query { serviceRecords(first: 5) { edges { node { minutes serviceOrder { description } } } } }"
    seen = (await api.data(query, as_=town.unit_admin))["serviceRecords"]["edges"]
    assert seen == [{"node": {"minutes": 30, "serviceOrder": None}}]
    mine = (await api.data(query, as_=account))["serviceRecords"]["edges"]
    assert mine[0]["node"]["serviceOrder"]["description"].startswith("住在")
