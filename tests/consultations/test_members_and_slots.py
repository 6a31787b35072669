"""Committee members, rooms and slots: who publishes them, the overlap rules, and public reading."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from api import clock as clock_module
from api.models.accounts import Role
from api.models.consultations import CommitteeMember, ConsultationSlot, SlotStatus
from tests.consultations.helpers import OPEN_SLOTS, committee_member, gid, grants_of, room, slot

CREATE_ROOM = """
mutation CreateRoom($communityId: ID!, $name: String!, $address: String!) {
  roomCreate(input: { communityId: $communityId, name: $name, address: $address }) {
    room { id name address }
    errors { field code message }
  }
}"""
CREATE_MEMBER = """
mutation CreateCommitteeMember($accountId: ID!, $name: String!, $sector: String!, $title: String!,
  $expertise: [String!]!, $bio: String, $communityIds: [ID!]!) {
  committeeMemberCreate(input: { accountId: $accountId, name: $name, sector: $sector, title: $title,
    expertise: $expertise, bio: $bio, communityIds: $communityIds }) {
    committeeMember { id name sector title expertise }
    errors { field code message }
  }
}"""
PUBLISH = """
mutation PublishSlots($committeeMemberId: ID!, $slots: [ConsultationSlotInput!]!) {
  consultationSlotsCreate(input: { committeeMemberId: $committeeMemberId, slots: $slots }) {
    slots { id startsAt endsAt mode available }
    errors { field code message }
  }
}"""
FIND = """
query FindCommitteeMembers($communityId: ID, $expertise: String, $first: Int = 20) {
  committeeMembers(filter: { communityId: $communityId, expertise: $expertise }, first: $first) {
    edges { node { id name sector title expertise bio } }
  }
}"""
PORTAL = """
query PortalCommitteeMembers($first: Int = 50) {
  committeeMembers(first: $first) { edges { node { id name sector title expertise } } }
}"""


def _at(hours: float) -> str:
    return (clock_module.now() + timedelta(hours=hours)).isoformat()


async def test_room_and_committee_member_created_by_the_community_admin(api, factory, clock):
    binhu = await factory.community(code="BHSQ", name="滨湖社区")
    other = await factory.community()
    admin = await factory.account(Role.COMMUNITY_ADMIN, binhu)
    other_admin = await factory.account(Role.COMMUNITY_ADMIN, other)
    resident = await factory.account(Role.RESIDENT, binhu)
    lawyer = await factory.account(Role.RESIDENT, binhu, display_name="何显刚")

    room_vars = {
        "communityId": gid("Community", binhu.id),
        "name": "委员在身边活动室",
        "address": "党群服务中心二楼",
    }
    assert await api.error_code(CREATE_ROOM, room_vars) == "UNAUTHENTICATED"
    assert await api.error_code(CREATE_ROOM, room_vars, as_=resident) == "FORBIDDEN"
    assert await api.error_code(CREATE_ROOM, room_vars, as_=other_admin) == "FORBIDDEN"
    data = (await api.data(CREATE_ROOM, room_vars, as_=admin))["roomCreate"]
    assert data["errors"] == [] and data["room"]["name"] == "委员在身边活动室"
    again = (await api.data(CREATE_ROOM, room_vars, as_=admin))["roomCreate"]
    assert [e["code"] for e in again["errors"]] == ["DUPLICATE"]

    member_vars = {
        "accountId": gid("Account", lawyer.id),
        "name": "何显刚",
        "sector": "法律界",
        "title": "律师",
        "expertise": ["法律", "遗嘱"],
        "bio": "专业律师",
        "communityIds": [gid("Community", binhu.id)],
    }
    assert await api.error_code(CREATE_MEMBER, member_vars, as_=resident) == "FORBIDDEN"
    assert await api.error_code(CREATE_MEMBER, member_vars, as_=other_admin) == "FORBIDDEN"
    data = (await api.data(CREATE_MEMBER, member_vars, as_=admin))["committeeMemberCreate"]
    assert data["errors"] == []
    assert data["committeeMember"]["expertise"] == ["法律", "遗嘱"]
    assert ("COMMITTEE_MEMBER", binhu.id) in await grants_of(lawyer)
    twice = (await api.data(CREATE_MEMBER, member_vars, as_=admin))["committeeMemberCreate"]
    assert [e["code"] for e in twice["errors"]] == ["DUPLICATE"]
    bad = (await api.data(CREATE_MEMBER, {**member_vars, "name": " ", "expertise": []}, as_=admin))[
        "committeeMemberCreate"
    ]
    assert {(e["field"], e["code"]) for e in bad["errors"]} == {
        ("name", "REQUIRED"),
        ("expertise", "REQUIRED"),
    }


async def test_publishing_slots_refuses_overlaps_and_a_room_used_twice(api, factory, clock):
    binhu = await factory.community()
    member, account = await committee_member(factory, binhu)
    teacher, _ = await committee_member(factory, binhu, name="彭琼", expertise="教育\n儿童心理")
    hall = await room(binhu)
    resident = await factory.account(Role.RESIDENT, binhu)
    admin = await factory.account(Role.COMMUNITY_ADMIN, binhu)

    slots = [
        {"startsAt": _at(24), "endsAt": _at(25), "mode": "IN_PERSON", "roomId": gid("Room", hall.id)},
        {"startsAt": _at(26), "endsAt": _at(27), "mode": "ONLINE"},
    ]
    variables = {"committeeMemberId": gid("CommitteeMember", member.id), "slots": slots}
    assert await api.error_code(PUBLISH, variables) == "UNAUTHENTICATED"
    assert await api.error_code(PUBLISH, variables, as_=resident) == "FORBIDDEN"
    data = (await api.data(PUBLISH, variables, as_=account))["consultationSlotsCreate"]
    assert data["errors"] == [] and [s["mode"] for s in data["slots"]] == ["IN_PERSON", "ONLINE"]
    assert all(s["available"] for s in data["slots"])

    # the member's own overlap, and one inside the request
    overlapping = [{"startsAt": _at(24.5), "endsAt": _at(25.5), "mode": "ONLINE"}]
    data = (await api.data(PUBLISH, {**variables, "slots": overlapping}, as_=account))[
        "consultationSlotsCreate"
    ]
    assert [(e["field"], e["code"]) for e in data["errors"]] == [("slots.0.startsAt", "CONFLICT")]
    pair = [
        {"startsAt": _at(30), "endsAt": _at(31), "mode": "ONLINE"},
        {"startsAt": _at(30.5), "endsAt": _at(31.5), "mode": "ONLINE"},
    ]
    data = (await api.data(PUBLISH, {**variables, "slots": pair}, as_=account))["consultationSlotsCreate"]
    assert [(e["field"], e["code"]) for e in data["errors"]] == [("slots.1.startsAt", "CONFLICT")]
    # another member cannot have the room at the same time; the community admin publishes for them
    same_room = [
        {"startsAt": _at(24.5), "endsAt": _at(25.5), "mode": "IN_PERSON", "roomId": gid("Room", hall.id)}
    ]
    data = (
        await api.data(
            PUBLISH, {"committeeMemberId": gid("CommitteeMember", teacher.id), "slots": same_room}, as_=admin
        )
    )["consultationSlotsCreate"]
    assert [(e["field"], e["code"]) for e in data["errors"]] == [("slots.0.roomId", "ALREADY_TAKEN")]
    # face to face needs a room; the past is refused
    data = (
        await api.data(
            PUBLISH,
            {
                **variables,
                "slots": [
                    {"startsAt": _at(40), "endsAt": _at(41), "mode": "IN_PERSON"},
                    {"startsAt": _at(-2), "endsAt": _at(-1), "mode": "ONLINE"},
                ],
            },
            as_=account,
        )
    )["consultationSlotsCreate"]
    assert {(e["field"], e["code"]) for e in data["errors"]} == {
        ("slots.0.roomId", "REQUIRED"),
        ("slots.1.startsAt", "INVALID"),
    }
    assert await ConsultationSlot.all().count() == 2


async def test_withdrawn_slot_disappears_and_only_the_member_withdraws(api, factory, clock):
    binhu = await factory.community()
    member, account = await committee_member(factory, binhu)
    s = await slot(member)
    resident = await factory.account(Role.RESIDENT, binhu)
    withdraw = "mutation($id: ID!) { consultationSlotWithdraw(input: {slotId: $id}) { slot { id available } errors { code } } }"
    assert await api.error_code(withdraw, {"id": gid("ConsultationSlot", s.id)}, as_=resident) == "FORBIDDEN"
    data = (await api.data(withdraw, {"id": gid("ConsultationSlot", s.id)}, as_=account))[
        "consultationSlotWithdraw"
    ]
    assert data["errors"] == [] and data["slot"]["available"] is False
    assert (await ConsultationSlot.get(id=s.id)).status is SlotStatus.WITHDRAWN
    shown = (
        await api.data(
            OPEN_SLOTS,
            {"committeeMemberId": gid("CommitteeMember", member.id), "from": _at(0), "to": _at(48)},
        )
    )["committeeMember"]["slots"]
    assert shown == []


async def test_profiles_and_open_slots_are_public(api, factory, clock):
    binhu = await factory.community()
    elsewhere = await factory.community()
    lawyer, _ = await committee_member(factory, binhu)
    teacher, _ = await committee_member(
        factory, binhu, name="彭琼", expertise="教育\n儿童心理", sector="教育界"
    )
    await committee_member(factory, elsewhere, name="外地委员", expertise="法律")
    hall = await room(binhu)
    in_room = await slot(lawyer, hours_from_now=24, in_room=hall)
    online = await slot(lawyer, hours_from_now=48)
    await slot(lawyer, hours_from_now=24 * 40)  # outside the window asked for
    booked = await slot(lawyer, hours_from_now=30)
    booked.status = SlotStatus.BOOKED
    await booked.save()

    found = (await api.data(FIND, {"communityId": gid("Community", binhu.id), "expertise": "法律"}))[
        "committeeMembers"
    ]
    assert [e["node"]["name"] for e in found["edges"]] == ["何显刚"]
    found = (await api.data(FIND, {"communityId": gid("Community", binhu.id)}))["committeeMembers"]
    assert [e["node"]["name"] for e in found["edges"]] == ["何显刚", "彭琼"]
    portal = (await api.data(PORTAL))["committeeMembers"]
    assert len(portal["edges"]) == 3

    data = (
        await api.data(
            OPEN_SLOTS,
            {"committeeMemberId": gid("CommitteeMember", lawyer.id), "from": _at(0), "to": _at(24 * 7)},
        )
    )["committeeMember"]
    assert [s["id"] for s in data["slots"]] == [
        gid("ConsultationSlot", in_room.id),
        gid("ConsultationSlot", online.id),
    ]
    assert data["slots"][0]["room"]["name"] == "委员在身边活动室" and data["slots"][1]["room"] is None
    assert all(s["available"] for s in data["slots"])
    body = await api.post(
        OPEN_SLOTS,
        {"committeeMemberId": gid("CommitteeMember", lawyer.id), "from": _at(0), "to": _at(24 * 365)},
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert teacher.id


async def test_committee_member_is_a_federation_entity(api, factory, clock):
    member, _ = await committee_member(factory, await factory.community())
    query = (
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on CommitteeMember { id name sector } } }"
    )
    data = await api.data(
        query, {"r": [{"__typename": "CommitteeMember", "id": gid("CommitteeMember", member.id)}]}
    )
    assert data["_entities"] == [
        {"id": gid("CommitteeMember", member.id), "name": "何显刚", "sector": "法律界"}
    ]
    assert await CommitteeMember.all().count() == 1


async def test_times_sent_with_a_local_offset_are_the_same_instants(api, factory, clock):
    """A client in 襄阳 sends +08:00 times; they are stored and compared as the same instants in UTC."""
    binhu = await factory.community()
    member, account = await committee_member(factory, binhu)
    # the clock is 2026-07-01 01:00 UTC = 09:00 in 襄阳; publish 19:00-20:00 local tomorrow
    slots = [
        {"startsAt": "2026-07-02T19:00:00+08:00", "endsAt": "2026-07-02T20:00:00+08:00", "mode": "ONLINE"}
    ]
    data = (
        await api.data(
            PUBLISH, {"committeeMemberId": gid("CommitteeMember", member.id), "slots": slots}, as_=account
        )
    )["consultationSlotsCreate"]
    assert data["errors"] == []
    assert data["slots"][0]["startsAt"].startswith("2026-07-02T11:00:00")
    clash = [
        {"startsAt": "2026-07-02T11:30:00+00:00", "endsAt": "2026-07-02T12:30:00+00:00", "mode": "ONLINE"}
    ]
    data = (
        await api.data(
            PUBLISH, {"committeeMemberId": gid("CommitteeMember", member.id), "slots": clash}, as_=account
        )
    )["consultationSlotsCreate"]
    assert [e["code"] for e in data["errors"]] == ["CONFLICT"]
    window = {"committeeMemberId": gid("CommitteeMember", member.id)}
    shown = await api.data(
        OPEN_SLOTS, {**window, "from": "2026-07-02T18:00:00+08:00", "to": "2026-07-02T19:30:00+08:00"}
    )
    assert len(shown["committeeMember"]["slots"]) == 1
    shown = await api.data(
        OPEN_SLOTS, {**window, "from": "2026-07-02T19:30:00+08:00", "to": "2026-07-03T00:00:00+08:00"}
    )
    assert shown["committeeMember"]["slots"] == []


async def test_two_members_publishing_one_room_at_once_get_it_once(factory, clock):
    from api.auth import principal_for_account
    from api.errors import UserErrors
    from api.models.consultations import ConsultationMode
    from resolvers.consultations import SlotSpec, create_slots

    binhu = await factory.community()
    hall = await room(binhu)
    members = [await committee_member(factory, binhu, name=f"委员{i}") for i in range(4)]
    starts = clock.now() + timedelta(days=1)
    spec = SlotSpec(starts, starts + timedelta(hours=1), ConsultationMode.IN_PERSON, hall.id)

    async def publish(member, account):
        try:
            await create_slots(
                principal=await principal_for_account(account), member_id=member.id, slots=[spec]
            )
        except UserErrors as exc:
            return exc.errors[0].code
        return "ok"

    outcomes = await asyncio.gather(*(publish(m, a) for m, a in members))
    assert sorted(outcomes) == ["ALREADY_TAKEN"] * 3 + ["ok"]
    assert await ConsultationSlot.filter(room_id=hall.id).count() == 1


async def test_a_community_lists_its_committee_members_rooms_and_stations(api, factory, clock):
    from tests.stations.helpers import station

    binhu = await factory.community()
    await committee_member(factory, binhu)
    await room(binhu)
    await station("滨湖驿站", community=binhu)
    await station("别处驿站")
    resident = await factory.account(Role.RESIDENT, binhu)
    query = """query($id: ID!) { community(id: $id) {
      committeeMembers(first: 5) { edges { node { name } } } rooms { name } stations { totalCount edges { node { name } } }
    } }"""
    data = (await api.data(query, {"id": gid("Community", binhu.id)}, as_=resident))["community"]
    assert data == {
        "committeeMembers": {"edges": [{"node": {"name": "何显刚"}}]},
        "rooms": [{"name": "委员在身边活动室"}],
        "stations": {"totalCount": 1, "edges": [{"node": {"name": "滨湖驿站"}}]},
    }
