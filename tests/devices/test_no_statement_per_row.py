"""The dashboard queries cost the same number of statements for 2 devices and alerts as for 12."""

from __future__ import annotations

from api.models.accounts import Role
from tests.devices.helpers import DEVICE_BOARD, OVERVIEW_ALERTS, REGISTER, Statements, gid, send, setup


async def _add_devices(api, factory, s, count: int, start: int) -> None:
    for i in range(start, start + count):
        registered = (
            await api.data(
                REGISTER,
                {
                    "serial": f"WM-{i:03d}",
                    "kind": "WATER_METER",
                    "communityId": gid("Community", s.community.id),
                },
                as_=s.admin,
            )
        )["deviceRegister"]
        await send(
            api, registered["ingestKey"], {"waterLitres": 1.5, "batteryPct": 9}
        )  # LOW_BATTERY alert each


async def _cost(api, query, variables, who) -> int:
    with Statements() as statements:
        await api.data(query, variables, as_=who)
    return statements.count


async def test_device_board_and_overview_do_not_grow_with_rows(api, factory):
    s = await setup(api, factory)
    await send(api, s.key, {"event": "SOS", "heartRate": 90})
    await _add_devices(api, factory, s, 1, 1)
    worker = await factory.account(Role.GRID_WORKER, s.community)
    await factory.token(worker)  # issued before counting
    board = {"communityId": gid("Community", s.community.id)}
    overview = {"id": gid("Community", s.community.id)}
    small = (
        await _cost(api, DEVICE_BOARD, board, worker),
        await _cost(api, OVERVIEW_ALERTS, overview, worker),
    )
    await _add_devices(api, factory, s, 10, 2)
    large = (
        await _cost(api, DEVICE_BOARD, board, worker),
        await _cost(api, OVERVIEW_ALERTS, overview, worker),
    )
    assert large == small, (small, large)
    data = await api.data(DEVICE_BOARD, board, as_=worker)
    assert data["devices"]["totalCount"] == 12
