"""Reading reports: per-role visibility, anonymity, near + radius, me.reports, Community.reports, stats, federation."""

from __future__ import annotations

from strawberry import relay

from api.models.reports import Report
from schema.base import encode_id
from tests.reports.conftest import JPEG, operation, rid, submitted

NEARBY = operation("resident-app.graphql", "NearbyReports")
MY_REPORTS = operation("resident-app.graphql", "MyReports")
LIST = """query($filter: ReportFilter) { reports(filter: $filter, first: 100) {
  totalCount edges { node { id number status anonymous reporter { displayName } } } } }"""
#: the reports part of the dashboard's CommunityOverview, as it sends it
OVERVIEW = """query CommunityOverview($id: ID!) {
  community(id: $id) {
    id name
    stats { openReports }
    reports(filter: { status: [SUBMITTED, ACCEPTED, DISPATCHED, IN_PROGRESS] }, first: 50) {
      totalCount
      edges { node { id number category status createdAt dueAt overdue assignee { id name kind } reporter { displayName } } }
    }
  }
}"""


def ids(data) -> set[int]:
    return {int(relay.GlobalID.from_id(e["node"]["id"]).node_id) for e in data["reports"]["edges"]}


async def test_each_role_sees_what_it_may(api, world, factory):
    from api.models.accounts import Role

    mine = await submitted(api, world.resident, category="ENVIRONMENT")  # routed to the property company
    theirs = await submitted(api, world.neighbour, category="SAFETY_HAZARD")
    elsewhere = await submitted(api, world.neighbour, location={"lat": 30.1189, "lng": 114.6268})  # 茅圻村
    assert (await Report.get(id=elsewhere)).community_id == world.other.id
    everything = {mine, theirs, elsewhere}

    async def seen(who) -> set[int]:
        return ids(await api.data(LIST, as_=who))

    assert await seen(world.resident) == {mine}
    assert await seen(world.neighbour) == {theirs, elsewhere}
    assert await seen(world.grid) == {mine, theirs}
    assert await seen(world.admin) == {mine, theirs}
    assert await seen(world.other_admin) == {elsewhere}
    assert await seen(world.property_admin) == {mine}
    assert await seen(world.street_admin) == set()
    assert await seen(world.city) == everything
    assert await seen(await factory.account(Role.ADMIN)) == everything
    assert await api.error_code(LIST) == "UNAUTHENTICATED"
    # node(id:) follows the same rules
    node = "query($id: ID!) { node(id: $id) { id } }"
    assert (await api.data(node, {"id": rid(theirs)}, as_=world.resident))["node"] is None
    assert (await api.data(node, {"id": rid(theirs)}, as_=world.grid))["node"] == {"id": rid(theirs)}


async def test_anonymous_reporter_is_hidden_from_all_but_community_staff(api, world):
    n = await submitted(api, world.resident, anonymous=True, category="ENVIRONMENT")
    query = """query($id: ID!) { report(id: $id) { anonymous reporter { displayName } timeline { status actor { displayName } } } }"""

    async def seen(who):
        return (await api.data(query, {"id": rid(n)}, as_=who))["report"]

    assert (await seen(world.resident))["reporter"] == {"displayName": "王阿姨"}
    assert (await seen(world.grid))["reporter"] == {"displayName": "王阿姨"}
    assert (await seen(world.grid))["timeline"] == [
        {"status": "SUBMITTED", "actor": {"displayName": "王阿姨"}}
    ]
    for who in (world.city, world.property_admin):
        report = await seen(who)
        assert report["anonymous"] is True and report["reporter"] is None
        assert report["timeline"] == [{"status": "SUBMITTED", "actor": None}]
    # not anonymous: shown to whoever sees the report
    named = await submitted(api, world.resident, category="ENVIRONMENT")
    assert (await api.data(query, {"id": rid(named)}, as_=world.property_admin))["report"]["reporter"] == {
        "displayName": "王阿姨"
    }


async def test_nearby_reports_nearest_first_within_radius(api, world):
    here = {"lat": 30.5275, "lng": 114.3297}
    # about 11 m, 33 m and 111 m north of `here`
    near = await submitted(api, world.resident, location={"lat": 30.5276, "lng": 114.3297})
    nearer = await submitted(
        api,
        world.neighbour,
        location={"lat": 30.52751, "lng": 114.3297},
        photos=[("a.jpg", JPEG, "image/jpeg")],
    )
    middle = await submitted(api, world.resident, location={"lat": 30.5278, "lng": 114.3297})
    await submitted(api, world.resident, location={"lat": 30.5285, "lng": 114.3297})  # 111 m
    await submitted(api, world.resident, category="ENVIRONMENT", location=here)  # another category
    data = await api.data(NEARBY, {"near": here, "category": "SAFETY_HAZARD"}, as_=world.resident)
    nodes = [e["node"] for e in data["reports"]["edges"]]
    assert [n["id"] for n in nodes] == [rid(nearer), rid(near), rid(middle)]
    assert [round(n["distanceM"]) for n in nodes] == [1, 11, 33]
    assert all(n["status"] == "SUBMITTED" and n["number"].startswith("BRJ-") for n in nodes)
    # the neighbour's report is listed to suggest it, as a summary: nothing personal
    summary = """query($near: GeoPointInput!) { reports(filter: {near: $near, radiusM: 50, open: true}) {
      edges { node { id description address photos { url } timeline { status } reporter { displayName } } } } }"""
    edges = (await api.data(summary, {"near": here}, as_=world.resident))["reports"]["edges"]
    theirs = next(e["node"] for e in edges if e["node"]["id"] == rid(nearer))
    assert theirs == {
        "id": rid(nearer),
        "description": None,
        "address": None,
        "photos": [],
        "timeline": [],
        "reporter": None,
    }
    ours = next(e["node"] for e in edges if e["node"]["id"] == rid(near))
    assert ours["description"] == "路口红绿灯失灵" and ours["timeline"] == [{"status": "SUBMITTED"}]
    # closed reports are not suggested
    await Report.filter(id=nearer).update(status="CLOSED")
    data = await api.data(NEARBY, {"near": here, "category": "SAFETY_HAZARD"}, as_=world.resident)
    assert rid(nearer) not in [e["node"]["id"] for e in data["reports"]["edges"]]


async def test_wide_near_search_keeps_visibility(api, world):
    here = {"lat": 30.5275, "lng": 114.3297}
    await submitted(api, world.neighbour, location=here)
    mine = await submitted(api, world.resident, location=here)
    query = """query($near: GeoPointInput!) { reports(filter: {near: $near, radiusM: 5000}) { totalCount edges { node { id } } } }"""
    data = await api.data(query, {"near": here}, as_=world.resident)
    assert data["reports"]["totalCount"] == 1 and ids(data) == {mine}
    bad = """query { reports(filter: {near: {lat: 30, lng: 114}, radiusM: 50000}) { totalCount } }"""
    assert await api.error_code(bad, as_=world.resident) == "BAD_USER_INPUT"


async def test_my_reports_with_photos_and_timeline(api, world, clock):
    first = await submitted(api, world.resident, photos=[("a.jpg", JPEG, "image/jpeg")])
    clock.advance(minutes=5)
    second = await submitted(api, world.resident, category="ENVIRONMENT", description="楼道里垃圾堆放")
    await submitted(api, world.neighbour)
    data = await api.data(MY_REPORTS, {"first": 1}, as_=world.resident)
    page = data["me"]["reports"]
    assert page["totalCount"] == 2 and page["pageInfo"]["hasNextPage"] is True
    assert page["edges"][0]["node"]["id"] == rid(second)
    data = await api.data(
        MY_REPORTS, {"first": 5, "after": page["pageInfo"]["endCursor"]}, as_=world.resident
    )
    node = data["me"]["reports"]["edges"][0]["node"]
    assert node["id"] == rid(first)
    assert node["photos"][0]["contentType"] == "image/jpeg" and node["photos"][0]["url"].startswith(
        "/media/reports/"
    )
    assert node["timeline"] == [{"status": "SUBMITTED", "at": node["createdAt"], "note": None}]
    assert node["location"] == {"lat": 30.5275, "lng": 114.3297} and node["pointsAwarded"] == 0
    # the photo's URL works for the reporter
    response = await api.http.get(node["photos"][0]["url"], headers=await api.headers_for(world.resident))
    assert response.status_code == 200 and response.content == JPEG


async def test_community_overview_reports_and_open_count(api, world, clock):
    a = await submitted(api, world.resident, category="ENVIRONMENT", anonymous=True)
    b = await submitted(api, world.neighbour, category="SAFETY_HAZARD")
    c = await submitted(api, world.neighbour, category="SAFETY_HAZARD")
    await Report.filter(id=c).update(status="REJECTED")
    await submitted(api, world.neighbour, location={"lat": 30.1189, "lng": 114.6268})  # elsewhere
    clock.advance(hours=30)  # b (24 h) is overdue, a (48 h) is not
    data = await api.data(OVERVIEW, {"id": encode_id("Community", world.brj.id)}, as_=world.admin)
    community = data["community"]
    assert community["stats"] == {"openReports": 2}
    nodes = {e["node"]["id"]: e["node"] for e in community["reports"]["edges"]}
    assert community["reports"]["totalCount"] == 2 and set(nodes) == {rid(a), rid(b)}
    assert nodes[rid(a)]["assignee"] == {
        "id": encode_id("Organization", world.property.id),
        "name": "百瑞景物业服务中心",
        "kind": "PROPERTY_MANAGEMENT",
    }
    assert nodes[rid(a)]["reporter"] == {"displayName": "王阿姨"}  # staff see anonymous reporters
    assert nodes[rid(b)]["assignee"] is None and nodes[rid(b)]["overdue"] is True
    assert nodes[rid(a)]["overdue"] is False
    # a resident of the community sees only their own among them
    data = await api.data(OVERVIEW, {"id": encode_id("Community", world.brj.id)}, as_=world.resident)
    assert {e["node"]["id"] for e in data["community"]["reports"]["edges"]} == {rid(a)}


async def test_me_reports_of_someone_else_is_empty(api, world):
    await submitted(api, world.resident)
    query = """query($id: ID!) { report(id: $id) { reporter { reports { totalCount } } } }"""
    data = await api.data(query, {"id": rid(1)}, as_=world.grid)
    assert data["report"]["reporter"]["reports"]["totalCount"] == 0


async def test_filters(api, world, clock):
    env = await submitted(api, world.resident, category="ENVIRONMENT")
    hazard = await submitted(api, world.resident, category="SAFETY_HAZARD")
    await Report.filter(id=hazard).update(status="RESOLVED")

    async def listed(f):
        return ids(await api.data(LIST, {"filter": f}, as_=world.admin))

    assert await listed({"category": "ENVIRONMENT"}) == {env}
    assert await listed({"open": True}) == {env}
    assert await listed({"open": False}) == {hazard}
    assert await listed({"status": ["RESOLVED", "CLOSED"]}) == {hazard}
    assert await listed({"assigneeId": encode_id("Organization", world.property.id)}) == {env}
    assert await listed({"communityId": encode_id("Community", world.other.id)}) == set()
    clock.advance(days=3)
    assert await listed({"overdue": True}) == {env}
    assert (
        await api.error_code(LIST, {"filter": {"communityId": "nonsense"}}, as_=world.admin)
        == "BAD_USER_INPUT"
    )


async def test_report_is_a_federation_entity(api, world):
    n = await submitted(api, world.resident)
    query = """query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Report { id number status } } }"""
    reps = [{"__typename": "Report", "id": rid(n)}]
    data = await api.data(query, {"reps": reps}, as_=world.city)
    assert data["_entities"] == [
        {"id": rid(n), "number": "BRJ-" + data["_entities"][0]["number"][4:], "status": "SUBMITTED"}
    ]
    # an entity is resolved with the caller's visibility
    assert (await api.data(query, {"reps": reps}, as_=world.neighbour))["_entities"] == [None]
    sdl = (await api.data("{ _service { sdl } }", as_=world.city))["_service"]["sdl"]
    assert 'type Report implements Node @key(fields: "id")' in sdl
