"""Two server processes behind one database and one Redis: a subscriber on one hears a change made on the other."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from httpx_ws import aconnect_ws

from api.models.accounts import Role
from tests.conftest import BACKEND
from tests.servers import serve, zhili_env

pytestmark = pytest.mark.skipif(
    BACKEND != "postgres", reason="needs PostgreSQL + Redis shared by two processes"
)

SUBMIT = """mutation($location: GeoPointInput!) { reportSubmit(input: {category: FACILITY_FAULT,
  description: "红绿灯不亮了", location: $location}) { report { id } errors { code } } }"""
ACCEPT = "mutation($id: ID!) { reportAccept(input: {id: $id}) { report { id status } errors { code } } }"
BOARD = """subscription($communityId: ID!) { ticketStatus(communityId: $communityId) {
  report { id status } from to actor { displayName } } }"""


async def test_a_subscription_on_one_process_hears_a_change_made_on_another(settings, factory):
    from schema.base import encode_id

    community = await factory.community(code="BRJ", lat=30.5275, lng=114.3297)
    resident = await factory.account(Role.RESIDENT, community)
    grid_worker = await factory.account(Role.GRID_WORKER, community, display_name="李网格员")
    env = zhili_env(
        ZHILI_DATABASE_URL=settings.database_url,
        ZHILI_BROADCAST_URL=settings.broadcast_url,
        ZHILI_BROADCAST_PREFIX=settings.broadcast_prefix,
        ZHILI_MEDIA_DIR=settings.media_dir,
    )
    headers = {"authorization": f"Bearer {await factory.token(resident)}"}
    staff = {"authorization": f"Bearer {await factory.token(grid_worker)}"}
    with serve(env) as port_a, serve(env) as port_b:
        async with (
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port_b}", timeout=20) as b,
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port_a}", timeout=20) as a,
        ):
            async with aconnect_ws("/graphql", a, subprotocols=["graphql-transport-ws"]) as ws:
                await ws.send_json({"type": "connection_init", "payload": staff})
                assert (await asyncio.wait_for(ws.receive_json(), 10))["type"] == "connection_ack"
                await ws.send_json(
                    {
                        "type": "subscribe",
                        "id": "1",
                        "payload": {
                            "query": BOARD,
                            "variables": {"communityId": encode_id("Community", community.id)},
                        },
                    }
                )
                # give the subscription a moment to reach Redis, then act on the other process
                submitted = None
                for _ in range(50):
                    response = await b.post(
                        "/graphql",
                        headers=headers,
                        json={"query": SUBMIT, "variables": {"location": {"lat": 30.5275, "lng": 114.3297}}},
                    )
                    submitted = response.json()["data"]["reportSubmit"]["report"]["id"]
                    try:
                        message = await asyncio.wait_for(ws.receive_json(), 1)
                        break
                    except TimeoutError:
                        continue
                else:
                    raise AssertionError("no event reached the other process")
                assert message["type"] == "next", message
                assert message["payload"]["data"]["ticketStatus"]["to"] == "SUBMITTED"
                # drain the events of any earlier submissions, then a transition made on B arrives on A
                accepted = await b.post(
                    "/graphql", headers=staff, json={"query": ACCEPT, "variables": {"id": submitted}}
                )
                assert accepted.json()["data"]["reportAccept"]["report"]["status"] == "ACCEPTED"
                while True:
                    message = await asyncio.wait_for(ws.receive_json(), 20)
                    event = message["payload"]["data"]["ticketStatus"]
                    if event["report"]["id"] == submitted and event["to"] == "ACCEPTED":
                        break
                assert event["from"] == "SUBMITTED" and event["actor"] == {"displayName": "李网格员"}
