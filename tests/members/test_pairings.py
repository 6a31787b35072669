"""认亲: pairing a member with a care recipient, visits, ended pairings kept."""

from __future__ import annotations

from api import clock
from api.models.accounts import Role
from api.models.care import CareCategory, CareRecipient
from api.models.members import Pairing
from tests.members.helpers import codes, gid, op

END = 'mutation($id: ID!) { pairingEnd(input: {pairingId: $id, reason: "搬去子女家"}) { pairing { id active endedAt } errors { code } } }'
RECIPIENT_PHONE = "query { me { member { pairings { recipient { name phone } } } } }"


async def _recipient(community, name: str = "梁爹爹") -> CareRecipient:
    return await CareRecipient.create(
        community=community,
        name=name,
        category=CareCategory.ELDERLY_ALONE,
        phone="13712345678",
        address="百瑞景小区 3 栋 1201",
        created_at=clock.now(),
    )


async def test_pair_visit_and_see_it(api, town, clock):
    account, member = await town.member()
    recipient = await _recipient(town.community)
    paired = (await api.data(op("PairUp"), {"recipientId": gid("CareRecipient", recipient)}, as_=account))[
        "pairingCreate"
    ]
    assert paired["errors"] == []
    pairing = paired["pairing"]
    assert pairing["member"] == {"id": gid("Member", member)}
    # a member's own request waits for the community: nothing of the person is shown, no visits yet
    assert pairing["recipient"] is None
    early = await api.data(
        op("LogVisit"), {"pairingId": pairing["id"], "minutes": 30, "note": "x"}, as_=account
    )
    assert codes(early["pairingVisitLog"]) == ["INVALID_TRANSITION"]
    approve = """mutation($id: ID!) { pairingApprove(input: {pairingId: $id}) {
      pairing { approvedAt recipient { id name category } } errors { code } } }"""
    # the member cannot approve their own request
    own = await api.data(approve, {"id": pairing["id"]}, as_=account)
    assert codes(own["pairingApprove"]) == ["NOT_FOUND"]
    approved = (await api.data(approve, {"id": pairing["id"]}, as_=town.grid))["pairingApprove"]
    assert approved["errors"] == [] and approved["pairing"]["approvedAt"]
    assert codes((await api.data(approve, {"id": pairing["id"]}, as_=town.grid))["pairingApprove"]) == [
        "ALREADY_DONE"
    ]
    assert approved["pairing"]["recipient"] == {
        "id": gid("CareRecipient", recipient),
        "name": "梁爹爹",
        "category": "ELDERLY_ALONE",
    }
    for i, note in enumerate(["陪老人聊天", "帮忙打扫卫生", "送去降压药"]):
        clock.advance(days=1)
        logged = (
            await api.data(
                op("LogVisit"), {"pairingId": pairing["id"], "minutes": 30 + i, "note": note}, as_=account
            )
        )["pairingVisitLog"]
        assert (
            logged["errors"] == []
            and logged["visit"]["note"] == note
            and logged["visit"]["minutes"] == 30 + i
        )
    mine = (await api.data(op("MyPairings"), as_=account))["me"]["member"]["pairings"]
    assert len(mine) == 1 and mine[0]["recipient"]["name"] == "梁爹爹"
    assert [e["node"]["note"] for e in mine[0]["visits"]["edges"]] == [
        "送去降压药",
        "帮忙打扫卫生",
        "陪老人聊天",
    ]
    # the member sees the person's name and category, personal data masked
    shown = (await api.data(RECIPIENT_PHONE, as_=account))["me"]["member"]["pairings"][0]["recipient"]
    assert shown == {"name": "梁爹爹", "phone": "137****5678"}


async def test_ended_pairings_are_kept_and_take_no_visits(api, town):
    account, _ = await town.member()
    recipient = await _recipient(town.community)
    pairing_id = (
        await api.data(op("PairUp"), {"recipientId": gid("CareRecipient", recipient)}, as_=account)
    )["pairingCreate"]["pairing"]["id"]
    twice = (await api.data(op("PairUp"), {"recipientId": gid("CareRecipient", recipient)}, as_=account))[
        "pairingCreate"
    ]
    assert codes(twice) == ["DUPLICATE"]
    ended = (await api.data(END, {"id": pairing_id}, as_=account))["pairingEnd"]
    assert ended["errors"] == [] and ended["pairing"]["active"] is False and ended["pairing"]["endedAt"]
    late = await api.data(op("LogVisit"), {"pairingId": pairing_id, "minutes": 10, "note": "x"}, as_=account)
    assert codes(late["pairingVisitLog"]) == ["INVALID_TRANSITION"]
    assert codes((await api.data(END, {"id": pairing_id}, as_=account))["pairingEnd"]) == [
        "INVALID_TRANSITION"
    ]
    # pairing again after the end is a new pairing; the ended one is kept
    again = (await api.data(op("PairUp"), {"recipientId": gid("CareRecipient", recipient)}, as_=account))[
        "pairingCreate"
    ]
    assert again["errors"] == []
    assert await Pairing.all().count() == 2
    assert len((await api.data(op("MyPairings"), as_=account))["me"]["member"]["pairings"]) == 2


async def test_who_may_pair_and_log(api, town, factory):
    account, member = await town.member()
    other, _ = await town.member()
    recipient = await _recipient(town.community)
    elsewhere = await _recipient(await factory.community(), "外社区老人")
    # another community's person and a missing one look the same: nothing to enumerate
    for target in (elsewhere.id, 999):
        refused = await api.data(op("PairUp"), {"recipientId": gid("CareRecipient", target)}, as_=account)
        assert codes(refused["pairingCreate"]) == ["NOT_FOUND"]
    # a member cannot pair someone else; the community's staff can
    on_behalf = {"recipientId": gid("CareRecipient", recipient), "memberId": gid("Member", member)}
    assert await api.error_code(op("PairUp"), on_behalf, as_=other) == "FORBIDDEN"
    by_staff = (await api.data(op("PairUp"), on_behalf, as_=town.grid))["pairingCreate"]
    assert by_staff["errors"] == [] and by_staff["pairing"]["member"]["id"] == gid("Member", member)
    pairing_id = by_staff["pairing"]["id"]
    # only the paired member logs visits
    visit = {"pairingId": pairing_id, "minutes": 20, "note": "看望"}
    assert await api.error_code(op("LogVisit"), visit, as_=other) == "FORBIDDEN"
    assert await api.error_code(op("LogVisit"), visit, as_=town.resident) == "FORBIDDEN"
    bad = (await api.data(op("LogVisit"), {**visit, "minutes": 0, "note": ""}, as_=account))[
        "pairingVisitLog"
    ]
    assert {(e["field"], e["code"]) for e in bad["errors"]} == {
        ("minutes", "OUT_OF_RANGE"),
        ("note", "REQUIRED"),
    }
    # the other member does not see the pairing
    node = "query($id: ID!) { node(id: $id) { id } }"
    assert (await api.data(node, {"id": pairing_id}, as_=other))["node"] is None
    assert (await api.data(node, {"id": pairing_id}, as_=account))["node"] == {"id": pairing_id}
    admin = await factory.account(Role.COMMUNITY_ADMIN, town.community)
    assert (await api.data(node, {"id": pairing_id}, as_=admin))["node"] == {"id": pairing_id}
