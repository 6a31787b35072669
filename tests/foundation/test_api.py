"""The GraphQL surface as a client meets it: transport, limits, errors, nodes, pagination, federation."""

from __future__ import annotations

import asyncio
import json

import pytest
from httpx_ws import WebSocketDisconnect

from api.models.accounts import Role
from api.models.places import OrganizationKind
from schema.base import encode_id


async def test_get_serves_queries_and_refuses_mutations(api, factory):
    response = await api.http.get("/graphql", params={"query": "{ __typename }"})
    assert response.status_code == 200 and response.json() == {"data": {"__typename": "Query"}}
    response = await api.http.get("/graphql", params={"query": "mutation { tokenRevoke { revoked } }"})
    assert response.status_code == 405


async def test_graphql_response_json_and_400_on_validation_errors(api):
    response = await api.http.post(
        "/graphql", json={"query": "{ nope }"}, headers={"accept": "application/graphql-response+json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/graphql-response+json")
    assert "data" not in response.json()


async def test_health_and_readiness(api):
    assert (await api.http.get("/healthz")).json() == {"status": "ok"}
    ready = await api.http.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ok", "database": True, "broadcast": True}


async def test_depth_and_alias_limits(api, factory):
    deep = "{ me { " + "communities { grids { community { " * 6 + "id" + " } } }" * 6 + " } }"
    body = await api.post(deep)
    assert body["errors"] and "exceeds maximum operation depth" in body["errors"][0]["message"]
    aliases = "{ " + " ".join(f"a{i}: __typename" for i in range(40)) + " }"
    body = await api.post(aliases)
    assert body["errors"] and "aliases" in body["errors"][0]["message"].lower()


async def test_unexpected_errors_are_masked_with_a_request_id(api, factory, monkeypatch, caplog):
    from resolvers import places

    def boom(**_: object) -> object:
        raise RuntimeError("secret detail: phone 13912345678")

    monkeypatch.setattr(places, "communities", boom)
    body = await api.post("{ communities { totalCount } }", as_=await factory.account())
    error = body["errors"][0]
    assert error["message"] == "Unexpected error." and "secret" not in json.dumps(body)
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR" and error["extensions"]["requestId"]
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "zhili.graphql")
    assert error["extensions"]["requestId"] in logged and "RuntimeError" in logged and "in boom" in logged
    assert "13912345678" not in logged and "13912345678" not in caplog.text


async def test_unauthenticated_and_forbidden_are_top_level_codes(api, factory):
    query = "{ auditLog { edges { node { action } } } }"
    assert await api.error_code(query) == "UNAUTHENTICATED"
    assert await api.error_code(query, as_=await factory.account(Role.RESIDENT)) == "FORBIDDEN"
    assert await api.error_code(query, as_="zt_not-a-real-token") == "UNAUTHENTICATED"
    assert (await api.data(query, as_=await factory.account(Role.ADMIN)))["auditLog"]["edges"] == []


async def test_pagination_forward_backward_and_limits(api, factory):
    for i in range(7):
        await factory.community(code=f"P{i}", name=f"社区{i}")
    reader = await factory.account()
    page = """query($first: Int, $after: String, $last: Int, $before: String) {
      communities(first: $first, after: $after, last: $last, before: $before) {
        totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { code } } } }"""
    first = (await api.data(page, {"first": 3}, as_=reader))["communities"]
    assert [e["node"]["code"] for e in first["edges"]] == ["P0", "P1", "P2"]
    assert (
        first["totalCount"] == 7
        and first["pageInfo"]["hasNextPage"]
        and not first["pageInfo"]["hasPreviousPage"]
    )
    second = (await api.data(page, {"first": 3, "after": first["pageInfo"]["endCursor"]}, as_=reader))[
        "communities"
    ]
    assert [e["node"]["code"] for e in second["edges"]] == ["P3", "P4", "P5"]
    last = (await api.data(page, {"last": 2}, as_=reader))["communities"]
    assert [e["node"]["code"] for e in last["edges"]] == ["P5", "P6"] and not last["pageInfo"]["hasNextPage"]
    before = (await api.data(page, {"last": 2, "before": second["edges"][0]["cursor"]}, as_=reader))[
        "communities"
    ]
    assert [e["node"]["code"] for e in before["edges"]] == ["P1", "P2"]
    assert await api.error_code(page, {"first": 101}, as_=reader) == "BAD_USER_INPUT"
    assert await api.error_code(page, {"first": 2, "after": "garbage"}, as_=reader) == "BAD_USER_INPUT"


async def test_node_and_nodes_respect_visibility(api, factory):
    community = await factory.community()
    me = await factory.account(Role.RESIDENT, community)
    other = await factory.account(Role.RESIDENT, community)
    query = """query($ids: [ID!]!) { nodes(ids: $ids) { id __typename ... on Community { name } } }"""
    ids = [
        encode_id("Community", community.id),
        encode_id("Account", me.id),
        encode_id("Account", other.id),
        encode_id("Community", 999),
    ]
    nodes = (await api.data(query, {"ids": ids}, as_=me))["nodes"]
    assert nodes[0] == {"id": ids[0], "__typename": "Community", "name": community.name}
    assert nodes[1]["__typename"] == "Account"
    assert nodes[2] is None and nodes[3] is None  # another person's account; a missing row


async def test_federation_service_and_entities_in_one_batch(api, factory):
    from tortoise import connections

    communities = [await factory.community() for _ in range(3)]
    org = await factory.organization(OrganizationKind.STREET)
    portal = await factory.account()
    sdl = (await api.data("{ _service { sdl } }"))["_service"]["sdl"]
    assert '@key(fields: "id")' in sdl and "type Community" in sdl
    query = """query($r: [_Any!]!) { _entities(representations: $r) {
      ... on Community { id name } ... on Organization { id name kind } } }"""
    reps = [{"__typename": "Community", "id": encode_id("Community", c.id)} for c in communities]
    reps.append({"__typename": "Organization", "id": encode_id("Organization", org.id)})
    conn = connections.get("default")
    statements: list[str] = []
    original = conn.execute_query

    async def counting(sql, values=None):  # type: ignore[no-untyped-def]
        statements.append(sql)
        return await original(sql, values)

    conn.execute_query = counting  # type: ignore[method-assign]
    try:
        entities = (await api.data(query, {"r": reps}, as_=portal))["_entities"]
    finally:
        conn.execute_query = original  # type: ignore[method-assign]
    assert [e["name"] for e in entities] == [c.name for c in communities] + [org.name]
    community_selects = [s for s in statements if 'FROM "community"' in s]
    assert len(community_selects) == 1, statements


async def test_websocket_needs_a_token_in_connection_init(api, factory):
    account = await factory.account()
    async with api.websocket() as ws:
        await ws.send_json({"type": "connection_init", "payload": {}})
        with pytest.raises(WebSocketDisconnect) as closed:
            await asyncio.wait_for(ws.receive_json(), 5)
        assert closed.value.code == 4401
    async with api.websocket() as ws:
        await ws.send_json({"type": "connection_init", "payload": {"authorization": "Bearer zt_wrong"}})
        with pytest.raises(WebSocketDisconnect) as closed:
            await asyncio.wait_for(ws.receive_json(), 5)
        assert closed.value.code == 4403
    async with api.websocket() as ws:
        token = await factory.token(account)
        await ws.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        assert (await asyncio.wait_for(ws.receive_json(), 5))["type"] == "connection_ack"
        await ws.send_json({"type": "subscribe", "id": "q", "payload": {"query": "{ me { username } }"}})
        message = await asyncio.wait_for(ws.receive_json(), 5)
        assert message["type"] == "next" and message["payload"]["data"]["me"]["username"] == account.username


async def test_legacy_graphql_ws_authenticates_too(api, factory):
    account = await factory.account()
    async with api.websocket("graphql-ws") as ws:
        await ws.send_json({"type": "connection_init", "payload": {}})
        message = await asyncio.wait_for(ws.receive_json(), 5)
        assert message["type"] == "connection_error" and message["payload"]["code"] == "UNAUTHENTICATED"
    async with api.websocket("graphql-ws") as ws:
        token = await factory.token(account)
        await ws.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        assert (await asyncio.wait_for(ws.receive_json(), 5))["type"] == "connection_ack"


async def test_forged_cursors_and_entity_ids_are_typed_refusals_not_crashes(api, factory):
    import base64

    reader = await factory.account()
    deep = base64.urlsafe_b64encode(b"o:1" + b"0" * 30).decode()
    assert (
        await api.error_code(
            "query($a: String) { communities(first: 2, after: $a) { totalCount } }", {"a": deep}, as_=reader
        )
        == "BAD_USER_INPUT"
    )
    community = await factory.community()
    query = """query($r: [_Any!]!) { _entities(representations: $r) { ... on Community { name } } }"""
    reps = [
        {"__typename": "Community", "id": "garbage!!"},
        {"__typename": "Community", "id": encode_id("Organization", community.id)},
        {"__typename": "Community", "id": encode_id("Community", community.id)},
    ]
    assert (await api.data(query, {"r": reps}, as_=reader))["_entities"] == [
        None,
        None,
        {"name": community.name},
    ]


async def test_nodes_takes_at_most_a_hundred_ids(api, factory):
    reader = await factory.account()
    ids = [encode_id("Community", i) for i in range(101)]
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    assert await api.error_code(query, {"ids": ids}, as_=reader) == "BAD_USER_INPUT"
    assert len((await api.data(query, {"ids": ids[:100]}, as_=reader))["nodes"]) == 100


async def test_a_websocket_closes_when_its_token_is_revoked(api, factory):
    account = await factory.account()
    token = await factory.token(account)
    async with api.websocket() as ws:
        await ws.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        assert (await asyncio.wait_for(ws.receive_json(), 5))["type"] == "connection_ack"
        revoked = await api.data("mutation { tokenRevoke { revoked } }", as_=token)
        assert revoked["tokenRevoke"]["revoked"] is True
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:  # pings may come first
                await asyncio.wait_for(ws.receive_json(), 10)
        assert closed.value.code == 4401


async def test_graphiql_is_served_outside_production(api):
    page = await api.http.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    schema = await api.post("{ __schema { queryType { name } } }")
    assert schema["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_an_oversized_body_is_refused_before_it_is_read(settings):
    import httpx

    from api.app import create_app

    small = create_app(settings.with_overrides(max_photos=1, max_upload_bytes=1000), manage_db=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=small), base_url="http://test") as http:
        big = b"x" * (1024 * 1024 + 1001)
        response = await http.post("/graphql", content=big, headers={"content-type": "application/json"})
        assert response.status_code == 413
        fine = await http.post("/graphql", json={"query": "{ __typename }"})
        assert fine.json() == {"data": {"__typename": "Query"}}
