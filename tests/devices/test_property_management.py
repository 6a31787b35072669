"""Drain, pipe and garbage sensors raise faults to the community's property management (物业), and only those."""

from __future__ import annotations

from api.models.accounts import Role
from api.models.places import OrganizationKind
from tests.conftest import subscribe
from tests.devices.helpers import FEED, OVERVIEW_ALERTS, REGISTER, RESOLVE, gid, send, setup

ALERTS = "{ alerts { totalCount edges { node { id kind detail device { serial kind } } } } }"


async def _property_manager(factory, community):
    company = await factory.organization(
        OrganizationKind.PROPERTY_MANAGEMENT, community=community, name="百瑞景物业"
    )
    return await factory.account(Role.ORG_ADMIN, organization=company)


async def test_property_management_sees_and_resolves_its_sensor_faults_only(api, factory):
    s = await setup(api, factory)
    drain = (
        await api.data(
            REGISTER,
            {
                "serial": "BRJ-DR-001",
                "kind": "DRAIN_SENSOR",
                "communityId": gid("Community", s.community.id),
                "location": {"lat": 30.5279, "lng": 114.3301},
            },
            as_=s.admin,
        )
    )["deviceRegister"]
    await send(api, s.key, {"event": "SOS"})
    fault = (await send(api, drain["ingestKey"], {"event": "FAULT", "fault": "DRAIN_BLOCKED"})).json()[
        "alerts"
    ][0]
    manager = await _property_manager(factory, s.community)
    elsewhere = await _property_manager(factory, await factory.community())
    seen = (await api.data(ALERTS, as_=manager))["alerts"]
    assert [(e["node"]["kind"], e["node"]["detail"]) for e in seen["edges"]] == [
        ("SENSOR_FAULT", "DRAIN_BLOCKED")
    ]
    assert (await api.data(ALERTS, as_=elsewhere))["alerts"]["totalCount"] == 0
    overview = await api.post(OVERVIEW_ALERTS, {"id": gid("Community", s.community.id)}, as_=manager)
    assert (
        overview["data"]["community"]["alerts"]["totalCount"] == 1
    )  # the stats stay with the community's staff
    sos = (await api.data(ALERTS, as_=s.grid_worker))["alerts"]["edges"]
    sos_id = next(e["node"]["id"] for e in sos if e["node"]["kind"] == "SOS")
    errors = (await api.data(RESOLVE, {"id": sos_id, "note": "x"}, as_=manager))["alertResolve"]["errors"]
    assert [e["code"] for e in errors] == ["NOT_FOUND"]
    done = (await api.data(RESOLVE, {"id": fault, "note": "已疏通"}, as_=manager))["alertResolve"]
    assert done["errors"] == [] and done["alert"]["status"] == "RESOLVED"


async def test_property_management_follows_only_sensor_alerts_live(api, factory):
    s = await setup(api, factory)
    pipe = (
        await api.data(
            REGISTER,
            {"serial": "BRJ-PP-001", "kind": "PIPE_SENSOR", "communityId": gid("Community", s.community.id)},
            as_=s.admin,
        )
    )["deviceRegister"]
    manager = await _property_manager(factory, s.community)
    async with api.websocket() as ws:
        sub = await subscribe(
            ws, FEED, {"communityId": gid("Community", s.community.id)}, token=await factory.token(manager)
        )
        from tests.devices.test_live import _ready

        await _ready(api, s)
        await send(api, s.key, {"event": "SOS"})
        leak = (await send(api, pipe["ingestKey"], {"event": "FAULT", "fault": "PIPE_LEAK"})).json()[
            "alerts"
        ][0]
        event = (await sub.next())["alerts"]
        assert event["alert"]["id"] == leak and event["alert"]["device"]["kind"] == "PIPE_SENSOR"


async def test_property_management_sees_no_one_behind_a_sensor(api, factory):
    """A sensor installed at someone's home: the company sees the fault and the place, never the person."""
    s = await setup(api, factory)
    drain = (
        await api.data(
            REGISTER,
            {
                "serial": "BRJ-DR-009",
                "kind": "DRAIN_SENSOR",
                "communityId": gid("Community", s.community.id),
                "wearerId": s.recipient_id,
                "location": {"lat": 30.5279, "lng": 114.3301},
            },
            as_=s.admin,
        )
    )["deviceRegister"]
    await send(api, drain["ingestKey"], {"event": "FAULT", "fault": "DRAIN_BLOCKED"})
    query = "{ alerts { edges { node { subject { name } device { location { lat } wearer { name } } } } } }"
    manager = await _property_manager(factory, s.community)
    seen = (await api.data(query, as_=manager))["alerts"]["edges"][0]["node"]
    assert seen["device"] == {"location": {"lat": 30.5279}, "wearer": None}
    assert seen["subject"] is None or seen["subject"]["name"] != "王建国"
    staff = (await api.data(query, as_=s.grid_worker))["alerts"]["edges"][0]["node"]
    assert staff["device"]["wearer"] == {"name": "王建国"}


async def test_a_wristbands_place_is_for_the_communitys_staff(api, factory):
    s = await setup(api, factory)
    city = await factory.account(Role.CITY_OPERATOR)
    board = (
        "query($c: ID!) { devices(filter: {communityId: $c}) { edges { node { serial location { lat } } } } }"
    )
    variables = {"c": gid("Community", s.community.id)}
    assert (await api.data(board, variables, as_=s.grid_worker))["devices"]["edges"][0]["node"]["location"]
    assert (await api.data(board, variables, as_=city))["devices"]["edges"][0]["node"]["location"] is None
