"""Station activities (a birthday party, park tickets): announced by the station, signed up for within capacity."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from api.models.accounts import Role
from api.models.stations import StationActivity, StationActivitySignup
from schema.base import encode_id
from tests.stations.helpers import station

CREATE = """mutation($stationId: ID!, $title: String!, $startsAt: DateTime!, $endsAt: DateTime!, $capacity: Int!) {
  stationActivityCreate(input: {stationId: $stationId, title: $title, startsAt: $startsAt, endsAt: $endsAt,
    capacity: $capacity}) { activity { id title capacity remaining } errors { field code } } }"""
SIGN_UP = """mutation($id: ID!) { stationActivitySignUp(input: {activityId: $id}) {
  activity { id signedUp remaining viewerSignedUp } errors { field code } } }"""
LIST = """query($id: ID!) { station(id: $id) { activities { title capacity signedUp remaining viewerSignedUp } } }"""


async def test_activity_sign_up_never_exceeds_capacity(api, factory, clock):
    community = await factory.community()
    s = await station(community=community)
    manager = await factory.account(Role.COMMUNITY_ADMIN, community)
    riders = [await factory.account(Role.RESIDENT, community) for _ in range(5)]
    starts = clock.now() + timedelta(days=3)
    variables = {
        "stationId": encode_id("Station", s.id),
        "title": "新就业群体集体生日会",
        "capacity": 2,
        "startsAt": starts.isoformat(),
        "endsAt": (starts + timedelta(hours=3)).isoformat(),
    }
    assert await api.error_code(CREATE, variables, as_=riders[0]) == "FORBIDDEN"
    created = (await api.data(CREATE, variables, as_=manager))["stationActivityCreate"]
    assert created["errors"] == [] and created["activity"]["remaining"] == 2
    activity_id = created["activity"]["id"]

    results = await asyncio.gather(*(api.data(SIGN_UP, {"id": activity_id}, as_=r) for r in riders))
    outcomes = sorted(
        r["stationActivitySignUp"]["errors"][0]["code"] if r["stationActivitySignUp"]["errors"] else "ok"
        for r in results
    )
    assert outcomes == ["CAPACITY_REACHED"] * 3 + ["ok"] * 2
    row = await StationActivity.get(title="新就业群体集体生日会")
    assert row.signed_up == 2 and await StationActivitySignup.filter(activity_id=row.id).count() == 2

    winner = next(
        r for r, res in zip(riders, results, strict=True) if not res["stationActivitySignUp"]["errors"]
    )
    again = (await api.data(SIGN_UP, {"id": activity_id}, as_=winner))["stationActivitySignUp"]
    assert [e["code"] for e in again["errors"]] == ["ALREADY_DONE"]

    public = (await api.data(LIST, {"id": encode_id("Station", s.id)}))["station"]["activities"]
    assert public == [
        {
            "title": "新就业群体集体生日会",
            "capacity": 2,
            "signedUp": 2,
            "remaining": 0,
            "viewerSignedUp": False,
        }
    ]
    mine = (await api.data(LIST, {"id": encode_id("Station", s.id)}, as_=winner))["station"]["activities"]
    assert mine[0]["viewerSignedUp"] is True

    clock.advance(days=4)
    late = (await api.data(SIGN_UP, {"id": activity_id}, as_=riders[0]))["stationActivitySignUp"]
    assert [e["code"] for e in late["errors"]] == ["EXPIRED"]
    assert (await api.data(LIST, {"id": encode_id("Station", s.id)}))["station"]["activities"] == []
