"""Messages between the two parties, pushed live; `me.consultations`; reminders."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from api.models.accounts import Role
from api.models.consultations import Consultation, ConsultationMessage
from resolvers.consultations import run_timers
from tests.conftest import subscribe
from tests.consultations.helpers import (
    BOOK,
    CANCEL,
    MY_CONSULTATIONS,
    SEND,
    UPDATES,
    committee_member,
    gid,
    slot,
)


async def _booked(api, factory, *, hours_from_now: float = 24):
    binhu = await factory.community()
    member, member_account = await committee_member(factory, binhu)
    s = await slot(member, hours_from_now=hours_from_now)
    resident = await factory.account(Role.RESIDENT, binhu, display_name="王爱华")
    booking = (
        await api.data(BOOK, {"slotId": gid("ConsultationSlot", s.id), "topic": "修改遗嘱"}, as_=resident)
    )["consultationBook"]["consultation"]
    return booking["id"], resident, member_account


async def test_messages_are_pushed_live_and_refused_to_strangers(api, factory, clock):
    consultation_id, resident, member_account = await _booked(api, factory)
    stranger = await factory.account(Role.RESIDENT)

    async with api.websocket() as ws:
        sub = await subscribe(
            ws, UPDATES, {"consultationId": consultation_id}, token=await factory.token(resident)
        )
        current = (await sub.next())["consultationUpdates"]
        assert current["kind"] == "CURRENT" and current["consultation"]["status"] == "REQUESTED"

        sent = await api.data(
            SEND, {"consultationId": consultation_id, "body": "何律师您好"}, as_=member_account
        )
        assert sent["consultationMessageSend"]["errors"] == []
        pushed = (await sub.next())["consultationUpdates"]
        assert pushed["kind"] == "MESSAGE"
        assert (
            pushed["message"]["body"] == "何律师您好"
            and pushed["message"]["author"]["displayName"] == "何显刚委员"
        )

        await api.data(CANCEL, {"id": consultation_id, "reason": "已解决"}, as_=resident)
        changed = (await sub.next())["consultationUpdates"]
        assert changed["kind"] == "STATUS_CHANGED" and changed["consultation"]["status"] == "CANCELLED"

    assert (
        await api.error_code(SEND, {"consultationId": consultation_id, "body": "我也想问"}, as_=stranger)
        == "FORBIDDEN"
    )
    closed = await api.data(SEND, {"consultationId": consultation_id, "body": "还在吗"}, as_=resident)
    assert [e["code"] for e in closed["consultationMessageSend"]["errors"]] == ["NOT_ALLOWED"]
    assert await ConsultationMessage.all().count() == 1


async def test_strangers_cannot_follow_a_consultation(api, factory, clock):
    consultation_id, _, _ = await _booked(api, factory)
    stranger = await factory.account(Role.RESIDENT)
    async with api.websocket() as ws:
        await ws.send_json(
            {
                "type": "connection_init",
                "payload": {"authorization": f"Bearer {await factory.token(stranger)}"},
            }
        )
        assert (await asyncio.wait_for(ws.receive_json(), 10))["type"] == "connection_ack"
        await ws.send_json(
            {
                "type": "subscribe",
                "id": "1",
                "payload": {"query": UPDATES, "variables": {"consultationId": consultation_id}},
            }
        )
        message = await asyncio.wait_for(ws.receive_json(), 10)
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "FORBIDDEN"


async def test_my_consultations_with_messages_cost_a_fixed_number_of_statements(api, factory, clock, caplog):
    binhu = await factory.community()
    member, member_account = await committee_member(factory, binhu)
    resident = await factory.account(Role.RESIDENT, binhu)

    async def book_and_talk(hours: int) -> None:
        s = await slot(member, hours_from_now=hours)
        booking = (
            await api.data(
                BOOK, {"slotId": gid("ConsultationSlot", s.id), "topic": f"问题{hours}"}, as_=resident
            )
        )["consultationBook"]["consultation"]
        for who, body in ((resident, "您好"), (member_account, "请讲")):
            await api.data(SEND, {"consultationId": booking["id"], "body": body}, as_=who)

    async def statements() -> tuple[int, dict]:
        caplog.clear()
        with caplog.at_level(logging.DEBUG, logger="tortoise.db_client"):
            data = await api.data(MY_CONSULTATIONS, as_=resident)
        return len([r for r in caplog.records if r.name == "tortoise.db_client"]), data

    await book_and_talk(24)
    few, data = await statements()
    edges = data["me"]["consultations"]["edges"]
    assert len(edges) == 1
    assert [m["node"]["body"] for m in edges[0]["node"]["messages"]["edges"]] == ["您好", "请讲"]
    await book_and_talk(48)
    await book_and_talk(72)
    many, data = await statements()
    edges = data["me"]["consultations"]["edges"]
    assert [e["node"]["topic"] for e in edges] == ["问题72", "问题48", "问题24"]
    assert all(len(e["node"]["messages"]["edges"]) == 2 for e in edges)
    assert many == few
    # the committee member sees the same consultations from their side
    theirs = (await api.data(MY_CONSULTATIONS, as_=member_account))["me"]["consultations"]["edges"]
    assert len(theirs) == 3


async def test_reminder_timer_marks_bookings_about_to_start_once_and_pushes_it(api, factory, clock):
    consultation_id, _, member_account = await _booked(api, factory, hours_from_now=2)
    assert await run_timers(now=clock.now()) == 0
    async with api.websocket() as ws:
        sub = await subscribe(
            ws, UPDATES, {"consultationId": consultation_id}, token=await factory.token(member_account)
        )
        assert (await sub.next())["consultationUpdates"]["kind"] == "CURRENT"
        clock.advance(timedelta(hours=1, minutes=40))
        assert await run_timers(now=clock.now()) == 1
        reminder = (await sub.next())["consultationUpdates"]
        assert reminder["kind"] == "REMINDER" and reminder["consultation"]["status"] == "REQUESTED"
    assert await run_timers(now=clock.now()) == 0
    assert (await Consultation.first()).reminded_at == clock.now()
