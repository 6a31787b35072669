"""One execution of an alert event per reader: the screens of one account share it, other readers get their own."""

from __future__ import annotations

import contextlib

from api.models.accounts import Role
from resolvers.devices import alerts as alerts_module
from schema import sharing
from tests.conftest import subscribe
from tests.devices.helpers import FEED, gid, send, setup, wait_for_subscribers

AUDITED_FEED = """subscription($communityId: ID!) { alerts(communityId: $communityId) {
  type alert { id subject { id name ... on CareRecipient { phone } } } } }"""


async def test_one_accounts_screens_share_one_execution_other_readers_get_their_own(
    api, factory, monkeypatch
):
    s = await setup(api, factory)
    colleague = await factory.account(Role.GRID_WORKER, s.community)  # same grants, another person
    workers = [s.grid_worker, s.grid_worker, s.grid_worker, colleague]
    city = await factory.account(Role.CITY_OPERATOR)
    executions = []
    original = sharing.SharingExecutor._own

    async def counting(self, serially):  # type: ignore[no-untyped-def]
        executions.append(self.context_value.principal.account_id)
        return await original(self, serially)

    monkeypatch.setattr(sharing.SharingExecutor, "_own", counting)
    variables = {"communityId": gid("Community", s.community.id)}
    async with contextlib.AsyncExitStack() as stack:
        sockets = [await stack.enter_async_context(api.websocket()) for _ in range(5)]
        subs = [
            await subscribe(ws, FEED, variables, token=await factory.token(w))
            for ws, w in zip(sockets[:4], workers, strict=True)
        ]
        city_sub = await subscribe(sockets[4], FEED, variables, token=await factory.token(city))
        await wait_for_subscribers(alerts_module.ALERTS.channel(s.community.id), 5)
        await send(api, s.key, {"event": "SOS", "lat": 30.12, "lng": 114.63})
        received = [(await sub.next())["alerts"] for sub in subs]
        seen_by_city = (await city_sub.next())["alerts"]["alert"]
    assert all(r == received[0] for r in received)
    assert (
        received[0]["alert"]["subject"]["name"] == "王建国" and received[0]["alert"]["location"] is not None
    )
    assert seen_by_city["subject"]["name"] == "王**" and seen_by_city["location"] is None
    # three screens of one grid worker: one execution; the colleague and the city operator: one each
    assert sorted(executions) == sorted([s.grid_worker.id, colleague.id, city.id])


async def test_a_readers_own_contact_details_never_reach_another_reader(api, factory):
    """The acknowledger sees their own phone; a colleague with the same grants sees it masked."""
    s = await setup(api, factory)
    await s.grid_worker.__class__.filter(id=s.grid_worker.id).update(phone="13811112222")
    colleague = await factory.account(Role.GRID_WORKER, s.community)
    feed = """subscription($communityId: ID!) { alerts(communityId: $communityId) {
      type alert { id acknowledgedBy { displayName phone } } } }"""
    ack = "mutation($id: ID!) { alertAcknowledge(input: {id: $id}) { alert { id } errors { code } } }"
    variables = {"communityId": gid("Community", s.community.id)}
    async with api.websocket() as mine, api.websocket() as theirs:
        their_sub = await subscribe(theirs, feed, variables, token=await factory.token(colleague))
        my_sub = await subscribe(mine, feed, variables, token=await factory.token(s.grid_worker))
        await wait_for_subscribers(alerts_module.ALERTS.channel(s.community.id), 2)
        await send(api, s.key, {"event": "SOS"})
        raised = (await their_sub.next())["alerts"]
        assert (await my_sub.next())["alerts"]["type"] == "RAISED"
        await api.data(ack, {"id": raised["alert"]["id"]}, as_=s.grid_worker)
        seen_by_colleague = (await their_sub.next())["alerts"]["alert"]["acknowledgedBy"]
        seen_by_me = (await my_sub.next())["alerts"]["alert"]["acknowledgedBy"]
    assert seen_by_colleague["phone"] == "138****2222"
    assert seen_by_me["phone"] == "13811112222"


async def test_an_audited_read_is_executed_and_recorded_for_each_reader(api, factory):
    from api.models.audit import AuditEntry
    from api.models.care import CareRecipient

    s = await setup(api, factory)
    await CareRecipient.all().update(phone="13712345678")
    second = await factory.account(Role.GRID_WORKER, s.community)
    variables = {"communityId": gid("Community", s.community.id)}
    async with api.websocket() as one, api.websocket() as two:
        subs = [
            await subscribe(one, AUDITED_FEED, variables, token=await factory.token(s.grid_worker)),
            await subscribe(two, AUDITED_FEED, variables, token=await factory.token(second)),
        ]
        await wait_for_subscribers(alerts_module.ALERTS.channel(s.community.id), 2)
        await send(api, s.key, {"event": "SOS"})
        for sub in subs:
            event = (await sub.next())["alerts"]
            assert event["type"] == "RAISED" and event["alert"]["subject"]["phone"] == "13712345678"
    readers = {e.actor_id for e in await AuditEntry.filter(action="careRecipient.read")}  # type: ignore[attr-defined]
    assert readers == {s.grid_worker.id, second.id}
