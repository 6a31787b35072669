"""Stations: creating them, finding the nearest open ones without logging in, opening hours."""

from __future__ import annotations

from datetime import UTC, datetime

from api.models.accounts import Role
from api.models.places import OrganizationKind
from api.models.stations import Station, StationService
from resolvers.stations.hours import is_open
from schema.base import encode_id
from tests.stations.helpers import station

CREATE_STATION = """
mutation CreateStation($name: String!, $communityId: ID, $address: String!, $location: GeoPointInput!,
  $managingUnitId: ID, $contactName: String, $contactPhone: String, $services: [StationService!]!,
  $openingHours: [OpeningPeriodInput!]!, $demonstration: Boolean = false) {
  stationCreate(input: {name: $name, communityId: $communityId, address: $address, location: $location,
    managingUnitId: $managingUnitId, contactName: $contactName, contactPhone: $contactPhone, services: $services,
    openingHours: $openingHours, demonstration: $demonstration}) {
    station { id name services isOpenNow }
    errors { field code message }
  }
}"""

STATIONS_NEARBY = """
query StationsNearby($near: GeoPointInput!, $radiusM: Int!, $service: StationService) {
  stations(filter: { near: $near, radiusM: $radiusM, service: $service, openNow: true }, first: 20) {
    edges { node { id name address distanceM isOpenNow demonstration location { lat lng }
      openingHours { dayOfWeek opens closes } services managingUnit { id name } contact { name phone } } }
  }
}"""

PORTAL_STATIONS = """
query PortalStations($first: Int = 50, $after: String) {
  stations(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { id name address services isOpenNow location { lat lng } } }
  }
}"""

HUANGHELOU = {"lat": 30.5446, "lng": 114.3015}


def _input(community=None, **over):
    base = {
        "name": "机安社区江城蜂巢",
        "address": "武昌区黄鹤楼街道机安社区",
        "location": HUANGHELOU,
        "services": ["REST_CHARGING", "WATER_MEALS"],
        "contactName": "郭站长",
        "contactPhone": "02788886666",
        "openingHours": [{"dayOfWeek": d, "opens": "08:00", "closes": "22:00"} for d in range(1, 8)],
        "communityId": encode_id("Community", community.id) if community else None,
    }
    return {**base, **over}


async def test_create_station_per_role(api, factory, clock):
    community = await factory.community(code="JASQ")
    other = await factory.community()
    admin = await factory.account(Role.ADMIN)
    community_admin = await factory.account(Role.COMMUNITY_ADMIN, community)
    other_admin = await factory.account(Role.COMMUNITY_ADMIN, other)
    resident = await factory.account(Role.RESIDENT, community)

    assert await api.error_code(CREATE_STATION, _input(community)) == "UNAUTHENTICATED"
    assert await api.error_code(CREATE_STATION, _input(community), as_=resident) == "FORBIDDEN"
    assert await api.error_code(CREATE_STATION, _input(community), as_=other_admin) == "FORBIDDEN"
    # a community admin cannot add a station outside any community
    assert await api.error_code(CREATE_STATION, _input(None), as_=community_admin) == "FORBIDDEN"

    data = (await api.data(CREATE_STATION, _input(community), as_=community_admin))["stationCreate"]
    assert data["errors"] == []
    assert data["station"]["services"] == ["REST_CHARGING", "WATER_MEALS"]
    assert data["station"]["isOpenNow"] is True  # 09:00 in Wuhan
    data = (await api.data(CREATE_STATION, _input(None, name="市级示范蜂巢", demonstration=True), as_=admin))[
        "stationCreate"
    ]
    assert data["errors"] == []
    assert await Station.filter(demonstration=True).count() == 1


async def test_create_station_refuses_bad_hours_and_place(api, factory):
    admin = await factory.account(Role.ADMIN)
    bad = _input(
        None,
        location={"lat": 91, "lng": 0},
        openingHours=[
            {"dayOfWeek": 8, "opens": "08:00", "closes": "20:00"},
            {"dayOfWeek": 1, "opens": "24:00", "closes": "20:00"},
            {"dayOfWeek": 2, "opens": "08:00", "closes": "25:00"},
            {"dayOfWeek": 3, "opens": "08:00", "closes": "08:00"},
        ],
    )
    errors = (await api.data(CREATE_STATION, bad, as_=admin))["stationCreate"]["errors"]
    assert {(e["field"], e["code"]) for e in errors} == {
        ("location", "OUT_OF_RANGE"),
        ("openingHours.0.dayOfWeek", "OUT_OF_RANGE"),
        ("openingHours.1.opens", "INVALID"),
        ("openingHours.2.closes", "INVALID"),
        ("openingHours.3.closes", "INVALID"),
    }
    assert await Station.all().count() == 0


async def test_nearest_open_stations_first_closed_and_far_ones_absent_without_logging_in(api, factory, clock):
    unit = await factory.organization(OrganizationKind.STREET, name="黄鹤楼街道办事处")
    near = await station(
        "机安蜂巢",
        lat=30.5450,
        lng=114.3020,
        managing_unit=unit,
        contact_name="郭站长",
        contact_phone="02788886666",
    )  # ~60 m
    farther = await station("西厂口蜂巢", lat=30.5500, lng=114.3015, demonstration=True)  # ~600 m
    await station(
        "打烊的蜂巢",
        lat=30.5447,
        lng=114.3016,
        hours=[{"dayOfWeek": d, "opens": "18:00", "closes": "23:00"} for d in range(1, 8)],
    )  # closed at 09:00
    await station("汉口蜂巢", lat=30.6000, lng=114.3000)  # ~6 km, outside the radius
    await station("只有阅读", lat=30.5449, lng=114.3017, services=(StationService.READING,))

    data = await api.data(STATIONS_NEARBY, {"near": HUANGHELOU, "radiusM": 2000, "service": "REST_CHARGING"})
    nodes = [e["node"] for e in data["stations"]["edges"]]
    assert [n["name"] for n in nodes] == ["机安蜂巢", "西厂口蜂巢"]
    assert nodes[0]["id"] == encode_id("Station", near.id) and nodes[1]["id"] == encode_id(
        "Station", farther.id
    )
    assert 40 < nodes[0]["distanceM"] < 80 and 550 < nodes[1]["distanceM"] < 650
    assert all(n["isOpenNow"] for n in nodes)
    assert nodes[0]["managingUnit"]["name"] == "黄鹤楼街道办事处"
    assert nodes[0]["contact"] == {"name": "郭站长", "phone": "02788886666"}
    assert nodes[1]["demonstration"] is True
    assert nodes[0]["openingHours"][0] == {"dayOfWeek": 1, "opens": "00:00", "closes": "24:00"}

    # in the evening the evening station opens and shows up, nearest of all
    clock.set(datetime(2026, 7, 1, 11, 30, tzinfo=UTC))  # 19:30 in Wuhan
    data = await api.data(STATIONS_NEARBY, {"near": HUANGHELOU, "radiusM": 2000, "service": None})
    assert [e["node"]["name"] for e in data["stations"]["edges"]] == [
        "打烊的蜂巢",
        "只有阅读",
        "机安蜂巢",
        "西厂口蜂巢",
    ]


async def test_portal_lists_stations_page_by_page_without_logging_in(api, factory, clock):
    for i in range(3):
        await station(f"蜂巢{i}")
    first = (await api.data(PORTAL_STATIONS, {"first": 2}))["stations"]
    assert [e["node"]["name"] for e in first["edges"]] == ["蜂巢0", "蜂巢1"]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = (await api.data(PORTAL_STATIONS, {"first": 2, "after": first["pageInfo"]["endCursor"]}))[
        "stations"
    ]
    assert [e["node"]["name"] for e in rest["edges"]] == ["蜂巢2"]
    assert rest["pageInfo"]["hasNextPage"] is False


async def test_radius_is_bounded(api, factory):
    body = await api.post(STATIONS_NEARBY, {"near": HUANGHELOU, "radiusM": 500_000})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def _hours(day: int, opens: str, closes: str) -> list[dict[str, object]]:
    return [{"dayOfWeek": day, "opens": opens, "closes": closes}]


def test_opening_hours_across_midnight_end_of_day_and_time_zones():
    shanghai = "Asia/Shanghai"
    # Monday 22:00 to Tuesday 02:00 (Wuhan time); 2026-07-06 is a Monday
    late = _hours(1, "22:00", "02:00")
    at = lambda day, hh, mm: datetime(2026, 7, day, hh, mm, tzinfo=UTC).replace(tzinfo=None)  # noqa: E731
    from zoneinfo import ZoneInfo

    def utc(day: int, hh: int, mm: int, tz: str = shanghai) -> datetime:
        return at(day, hh, mm).replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)

    assert not is_open(late, shanghai, utc(6, 21, 59))
    assert is_open(late, shanghai, utc(6, 22, 0))
    assert is_open(late, shanghai, utc(7, 1, 59))  # Tuesday, from Monday's period
    assert not is_open(late, shanghai, utc(7, 2, 0))
    assert not is_open(late, shanghai, utc(7, 23, 0))  # Tuesday evening: no period
    # Sunday night into Monday morning wraps around the week
    sunday = _hours(7, "20:00", "06:00")
    assert is_open(sunday, shanghai, utc(6, 5, 0))  # Monday 05:00
    # 24:00 closes at the very end of the day
    until_midnight = _hours(3, "08:00", "24:00")
    assert is_open(until_midnight, shanghai, utc(8, 23, 59))
    assert not is_open(until_midnight, shanghai, utc(9, 0, 0))
    all_day = _hours(3, "00:00", "24:00")
    assert is_open(all_day, shanghai, utc(8, 0, 0)) and is_open(all_day, shanghai, utc(8, 23, 59))
    # the same instant is open in Wuhan and closed in Berlin, by each place's own clock
    office = [{"dayOfWeek": d, "opens": "09:00", "closes": "17:00"} for d in range(1, 8)]
    instant = datetime(2026, 7, 8, 3, 0, tzinfo=UTC)  # 11:00 in Wuhan, 05:00 in Berlin
    assert is_open(office, shanghai, instant)
    assert not is_open(office, "Europe/Berlin", instant)


async def test_is_open_now_follows_the_station_time_zone(api, factory, clock):
    office = [{"dayOfWeek": d, "opens": "09:00", "closes": "17:00"} for d in range(1, 8)]
    wuhan = await station("武汉蜂巢", hours=office)
    berlin = await station("柏林驿站", hours=office, timezone="Europe/Berlin")
    clock.set(datetime(2026, 7, 8, 3, 0, tzinfo=UTC))
    query = "query($id: ID!) { station(id: $id) { isOpenNow timezone } }"
    assert (await api.data(query, {"id": encode_id("Station", wuhan.id)}))["station"]["isOpenNow"] is True
    assert (await api.data(query, {"id": encode_id("Station", berlin.id)}))["station"] == {
        "isOpenNow": False,
        "timezone": "Europe/Berlin",
    }


async def test_station_update_by_its_managers(api, factory, clock):
    community = await factory.community()
    s = await station("旧名", community=community)
    manager = await factory.account(Role.COMMUNITY_ADMIN, community)
    stranger = await factory.account(Role.COMMUNITY_ADMIN, await factory.community())
    update = """mutation($id: ID!, $name: String, $h: [OpeningPeriodInput!]) {
      stationUpdate(input: {id: $id, name: $name, openingHours: $h}) { station { name isOpenNow } errors { code } } }"""
    variables = {"id": encode_id("Station", s.id), "name": "新名", "h": _hours(3, "18:00", "02:00")}
    assert await api.error_code(update, variables, as_=stranger) == "FORBIDDEN"
    data = (await api.data(update, variables, as_=manager))["stationUpdate"]
    assert data == {"station": {"name": "新名", "isOpenNow": False}, "errors": []}


async def test_station_is_a_federation_entity(api, factory):
    s = await station("联邦蜂巢")
    query = """query($r: [_Any!]!) { _entities(representations: $r) { ... on Station { id name } } }"""
    gid = encode_id("Station", s.id)
    data = await api.data(query, {"r": [{"__typename": "Station", "id": gid}]})
    assert data["_entities"] == [{"id": gid, "name": "联邦蜂巢"}]
