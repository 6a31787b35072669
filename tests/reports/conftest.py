"""Helpers for the reports tests: the contract's operations, images, multipart submissions, subscriptions."""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from typing import Any

import pytest

from api import events
from api.models.accounts import Account, Role
from api.models.places import Community, Organization, OrganizationKind
from schema.base import encode_id
from tests.conftest import Factory, GraphQLClient, contract_dir

#: the smallest headers `filetype` recognises, padded like a real file
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 200 + b"\xff\xd9"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00" + b"\x00" * 64
)
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00" + b"\x00" * 64
NOT_AN_IMAGE = b"%PDF-1.4\n" + b"not a photo " * 20


def operation(file: str, name: str) -> str:
    """One named operation of a contract file, with the fragments it spreads."""
    text = (contract_dir() / file).read_text()
    blocks = re.split(r"\n(?=(?:query|mutation|subscription|fragment) )", "\n" + text)
    ops = {
        m.group(2): b
        for b in blocks
        if (m := re.match(r"\s*(query|mutation|subscription|fragment) (\w+)", b))
    }
    body = ops[name]
    used = [ops[f] for f in re.findall(r"\.\.\.(\w+)", body)]
    return "\n".join([body, *used])


def rid(report_id: int) -> str:
    return encode_id("Report", report_id)


@dataclass
class World:
    """Two communities with staff, organisations and people in every role the reports domain knows."""

    brj: Community
    other: Community
    property: Organization
    street: Organization
    centre: Organization
    enterprise: Organization
    industry: Organization
    resident: Account
    neighbour: Account
    grid: Account
    admin: Account
    property_admin: Account
    street_admin: Account
    centre_admin: Account
    other_admin: Account
    city: Account


@pytest.fixture
async def world(factory: Factory) -> World:
    brj = await factory.community(code="BRJ", name="百瑞景社区", lat=30.5275, lng=114.3297)
    other = await factory.community(code="MQC", name="茅圻村", lat=30.1189, lng=114.6268)
    centre = await factory.organization(OrganizationKind.CITY_OPS_CENTER, name="武汉市城市运行管理中心")
    street = await factory.organization(OrganizationKind.STREET, brj, name="中南路街道办事处")
    street.parent_id = centre.id
    await street.save()
    property_ = await factory.organization(
        OrganizationKind.PROPERTY_MANAGEMENT, brj, name="百瑞景物业服务中心"
    )
    enterprise = await factory.organization(OrganizationKind.ENTERPRISE, brj, name="顺丰速运武昌营业部")
    industry = await factory.organization(OrganizationKind.INDUSTRY_COMMITTEE, brj, name="武汉快递行业党委")
    return World(
        brj=brj,
        other=other,
        property=property_,
        street=street,
        centre=centre,
        enterprise=enterprise,
        industry=industry,
        resident=await factory.account(Role.RESIDENT, brj, display_name="王阿姨"),
        neighbour=await factory.account(Role.RESIDENT, brj, display_name="邻居"),
        grid=await factory.account(Role.GRID_WORKER, brj, display_name="李网格员"),
        admin=await factory.account(Role.COMMUNITY_ADMIN, brj, display_name="社区书记"),
        property_admin=await factory.account(Role.ORG_ADMIN, organization=property_, display_name="物业经理"),
        street_admin=await factory.account(Role.ORG_ADMIN, organization=street, display_name="街道干部"),
        centre_admin=await factory.account(Role.ORG_ADMIN, organization=centre, display_name="城运值班"),
        other_admin=await factory.account(Role.COMMUNITY_ADMIN, other, display_name="茅圻村书记"),
        city=await factory.account(Role.CITY_OPERATOR, display_name="城运中心值班员"),
    )


SUBMIT = operation("resident-app.graphql", "SubmitReport")


async def submit(
    api: GraphQLClient,
    who: Account,
    *,
    photos: list[tuple[str, bytes, str]] = (),  # type: ignore[assignment]
    category: str = "SAFETY_HAZARD",
    description: str = "路口红绿灯失灵",
    location: dict[str, float] | None = None,
    anonymous: bool = False,
    address: str | None = "中南路与武珞路交叉口",
) -> dict[str, Any]:
    """`SubmitReport` as the app sends it: a GraphQL multipart request when there are photos."""
    variables: dict[str, Any] = {
        "category": category,
        "description": description,
        "address": address,
        "anonymous": anonymous,
        "location": location or {"lat": 30.5275, "lng": 114.3297},
        "photos": [None] * len(photos) or None,
    }
    headers = await api.headers_for(who)
    if photos:
        operations = {"query": SUBMIT, "variables": variables}
        mapping = {str(i): [f"variables.photos.{i}"] for i in range(len(photos))}
        response = await api.http.post(
            "/graphql",
            data={"operations": json.dumps(operations), "map": json.dumps(mapping)},
            files={str(i): p for i, p in enumerate(photos)},
            headers=headers,
        )
    else:
        response = await api.http.post(
            "/graphql", json={"query": SUBMIT, "variables": variables}, headers=headers
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body["errors"]
    return dict(body["data"]["reportSubmit"])


async def submitted(api: GraphQLClient, who: Account, **kwargs: Any) -> int:
    """Submit and return the new report's database id."""
    from strawberry import relay

    result = await submit(api, who, **kwargs)
    assert result["errors"] == [], result["errors"]
    return int(relay.GlobalID.from_id(result["report"]["id"]).node_id)


async def wait_subscribed(channel_tail: str, within: float = 5.0) -> None:
    """Until this process listens on the channel (a subscription starts after its `subscribe` message)."""
    hub = events.hub()
    channel = f"{hub.prefix}:ticket:{channel_tail}"
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while channel not in hub._local or channel not in hub._pumps:
        assert loop.time() < deadline, f"nobody subscribed to {channel}"
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)  # the pump's own subscription (Redis) is ready once `subscribe` returned
