"""Portals read with API keys that carry read scopes."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import parse, print_ast
from graphql.language import OperationDefinitionNode

from api.models.accounts import ApiKey
from resolvers.accounts import create_api_key, revoke_api_key
from schema.base import encode_id
from tests.conftest import BACKEND, contract_dir
from tests.servers import run_cli, zhili_env


def portal(name: str) -> str:
    doc = parse((contract_dir() / "portal.graphql").read_text(encoding="utf-8"))
    ops = [
        d
        for d in doc.definitions
        if isinstance(d, OperationDefinitionNode) and d.name and d.name.value == name
    ]
    return print_ast(ops[0])


async def test_a_portal_reads_a_community_with_its_key(api, factory):
    community = await factory.community(name="百瑞景社区")
    key = await create_api_key(name="city-portal", scopes=("read:communities",))
    assert key.startswith("zk_") and not await ApiKey.exists(key_hash=key)  # only the hash is kept
    data = await api.data(portal("PortalCommunity"), {"id": encode_id("Community", community.id)}, as_=key)
    assert data["community"]["name"] == "百瑞景社区"
    assert data["community"]["stats"]["openReports"] == 0 and data["community"]["stats"]["members"] == 0
    assert data["community"]["stats"]["activeAlerts"] is None  # staff only
    # public lists need no key; private ones stay closed to it
    assert "stations" in await api.data(portal("PortalStations"), as_=key)
    assert await api.error_code("{ auditLog { edges { node { action } } } }", as_=key) == "UNAUTHENTICATED"
    assert await revoke_api_key(name="city-portal") == 1
    assert await api.error_code(
        portal("PortalCommunity"), {"id": encode_id("Community", community.id)}, as_=key
    ) == ("UNAUTHENTICATED")


async def test_keys_take_only_known_scopes_and_unique_live_names(database):
    from api.errors import UserError, UserErrors

    with pytest.raises(UserErrors):
        await create_api_key(name="x", scopes=("write:everything",))
    await create_api_key(name="dup", scopes=("read:communities",))
    with pytest.raises(UserError):
        await create_api_key(name="dup", scopes=("read:communities",))


@pytest.mark.skipif(BACKEND != "sqlite", reason="the CLI runs against its own SQLite file: once is enough")
def test_the_cli_issues_and_revokes_keys(tmp_path: Path) -> None:
    env = zhili_env(ZHILI_DATABASE_URL=f"sqlite://{tmp_path}/keys.sqlite3")
    assert run_cli("migrate", env=env).returncode == 0
    issued = run_cli("apikey", "create", "portal", "--scope", "read:communities", env=env)
    assert issued.returncode == 0 and issued.stdout.strip().splitlines()[-1].startswith("zk_")
    assert run_cli("apikey", "create", "bad", "--scope", "write:all", env=env).returncode == 1
    revoked = run_cli("apikey", "revoke", "portal", env=env)
    assert revoked.returncode == 0 and "revoked 1" in revoked.stdout
