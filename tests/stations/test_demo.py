"""The demo data: stations around 黄鹤楼 with rewards, committee members of 滨湖社区 with open slots; idempotent."""

from __future__ import annotations

from datetime import timedelta

from api.models.consultations import CommitteeMember, ConsultationSlot
from api.models.stations import Reward, Station
from resolvers.demo import seed_demo
from schema.base import encode_id
from tests.consultations.helpers import OPEN_SLOTS
from tests.stations.test_stations import STATIONS_NEARBY

FIND = """query($communityId: ID) { committeeMembers(filter: {communityId: $communityId}) {
  edges { node { id name expertise } } } }"""


async def test_demo_data_is_idempotent_and_usable_without_logging_in(api, settings, clock):
    await seed_demo(settings)
    counts = (await Station.all().count(), await Reward.all().count(), await ConsultationSlot.all().count())
    await seed_demo(settings)
    assert (
        await Station.all().count(),
        await Reward.all().count(),
        await ConsultationSlot.all().count(),
    ) == counts
    assert await CommitteeMember.all().count() == 3

    nearby = await api.data(STATIONS_NEARBY, {"near": {"lat": 30.5446, "lng": 114.3015}, "radiusM": 3000})
    names = [e["node"]["name"] for e in nearby["stations"]["edges"]]
    assert names[0] == "机安社区“江城蜂巢”爱心驿站"  # 09:00 in Wuhan: the night station is closed
    assert "司门口夜间“蜂巢”" not in names

    from api.models.places import Community

    binhu = await Community.get(code="BHSQ")
    members = (await api.data(FIND, {"communityId": encode_id("Community", binhu.id)}))["committeeMembers"][
        "edges"
    ]
    assert {m["node"]["name"] for m in members} == {"周委员", "何显刚", "彭琼"}
    lawyer = next(m["node"] for m in members if m["node"]["name"] == "何显刚")
    slots = await api.data(
        OPEN_SLOTS,
        {
            "committeeMemberId": lawyer["id"],
            "from": clock.now().isoformat(),
            "to": (clock.now() + timedelta(days=15)).isoformat(),
        },
    )
    assert len(slots["committeeMember"]["slots"]) == 4
