"""Booking a slot: once under concurrency, idempotent retries, the per-resident limit, cancelling, statuses."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from api.auth import principal_for_account
from api.models.accounts import Role
from api.models.consultations import Consultation, ConsultationSlot, ConsultationStatus, SlotStatus
from resolvers import consultations as use_cases
from resolvers.consultations import MAX_FUTURE_BOOKINGS
from tests.consultations.helpers import BOOK, CANCEL, OPEN_SLOTS, committee_member, gid, slot


def _outcome(result: dict) -> str:
    payload = result["consultationBook"]
    return payload["errors"][0]["code"] if payload["errors"] else "ok"


async def test_booking_race_on_one_slot_leaves_exactly_one_booking(api, factory, clock):
    binhu = await factory.community()
    member, _ = await committee_member(factory, binhu)
    s = await slot(member)
    residents = [await factory.account(Role.RESIDENT, binhu) for _ in range(6)]
    variables = {"slotId": gid("ConsultationSlot", s.id), "topic": "修改遗嘱"}
    results = await asyncio.gather(*(api.data(BOOK, variables, as_=r) for r in residents))
    assert sorted(_outcome(r) for r in results) == ["ALREADY_TAKEN"] * 5 + ["ok"]
    assert await Consultation.filter(slot_id=s.id).count() == 1
    assert (await ConsultationSlot.get(id=s.id)).status is SlotStatus.BOOKED
    won = next(r["consultationBook"]["consultation"] for r in results if _outcome(r) == "ok")
    assert (
        won["status"] == "REQUESTED"
        and won["mode"] == "ONLINE"
        and won["committeeMember"]["name"] == "何显刚"
    )
    shown = await api.data(
        OPEN_SLOTS,
        {
            "committeeMemberId": gid("CommitteeMember", member.id),
            "from": clock.now().isoformat(),
            "to": (clock.now() + timedelta(days=7)).isoformat(),
        },
    )
    assert shown["committeeMember"]["slots"] == []


async def test_anonymous_cannot_book(api, factory, clock):
    member, _ = await committee_member(factory, await factory.community())
    s = await slot(member)
    assert (
        await api.error_code(BOOK, {"slotId": gid("ConsultationSlot", s.id), "topic": "x"})
        == "UNAUTHENTICATED"
    )


async def test_idempotent_retry_returns_the_same_booking(api, factory, clock):
    binhu = await factory.community()
    member, _ = await committee_member(factory, binhu)
    s = await slot(member)
    other = await slot(member, hours_from_now=48)
    resident = await factory.account(Role.RESIDENT, binhu)
    variables = {"slotId": gid("ConsultationSlot", s.id), "topic": "修改遗嘱", "idempotencyKey": "tap-1"}
    first = (await api.data(BOOK, variables, as_=resident))["consultationBook"]
    again = (await api.data(BOOK, variables, as_=resident))["consultationBook"]
    assert first["errors"] == [] and again["errors"] == []
    assert again["consultation"]["id"] == first["consultation"]["id"]
    # the same key for another slot is a conflict, not a second booking
    clash = await api.data(BOOK, {**variables, "slotId": gid("ConsultationSlot", other.id)}, as_=resident)
    assert _outcome(clash) == "CONFLICT"
    assert await Consultation.all().count() == 1


async def test_concurrent_retries_with_one_key_book_once(factory, clock):
    binhu = await factory.community()
    member, _ = await committee_member(factory, binhu)
    s = await slot(member)
    resident = await factory.account(Role.RESIDENT, binhu)
    principal = await principal_for_account(resident)
    results = await asyncio.gather(
        *(
            use_cases.book(principal=principal, slot_id=s.id, topic="咨询", idempotency_key="same")
            for _ in range(5)
        )
    )
    assert len({c.id for c in results}) == 1
    assert await Consultation.all().count() == 1


async def test_a_resident_holds_a_limited_number_of_upcoming_bookings(api, factory, clock):
    binhu = await factory.community()
    member, _ = await committee_member(factory, binhu)
    slots = [await slot(member, hours_from_now=24 * (i + 1)) for i in range(MAX_FUTURE_BOOKINGS + 1)]
    resident = await factory.account(Role.RESIDENT, binhu)
    outcomes = [
        _outcome(
            await api.data(BOOK, {"slotId": gid("ConsultationSlot", s.id), "topic": "咨询"}, as_=resident)
        )
        for s in slots
    ]
    assert outcomes == ["ok"] * MAX_FUTURE_BOOKINGS + ["LIMIT_REACHED"]
    # concurrently as well: the limit holds
    other = await factory.account(Role.RESIDENT, binhu)
    fresh = [await slot(member, hours_from_now=24 * 10 + i * 2) for i in range(MAX_FUTURE_BOOKINGS + 2)]
    results = await asyncio.gather(
        *(
            api.data(BOOK, {"slotId": gid("ConsultationSlot", s.id), "topic": "咨询"}, as_=other)
            for s in fresh
        )
    )
    assert sorted(_outcome(r) for r in results) == ["LIMIT_REACHED"] * 2 + ["ok"] * MAX_FUTURE_BOOKINGS


async def test_cancel_by_either_side_frees_the_slot(api, factory, clock):
    binhu = await factory.community()
    member, member_account = await committee_member(factory, binhu)
    s = await slot(member)
    resident = await factory.account(Role.RESIDENT, binhu)
    neighbour = await factory.account(Role.RESIDENT, binhu)
    stranger = await factory.account(Role.RESIDENT, binhu)
    booking = (
        await api.data(BOOK, {"slotId": gid("ConsultationSlot", s.id), "topic": "咨询"}, as_=resident)
    )["consultationBook"]["consultation"]

    assert await api.error_code(CANCEL, {"id": booking["id"]}, as_=stranger) == "FORBIDDEN"
    data = (await api.data(CANCEL, {"id": booking["id"], "reason": "临时有事"}, as_=resident))[
        "consultationCancel"
    ]
    assert data == {"consultation": {"id": booking["id"], "status": "CANCELLED"}, "errors": []}
    row = await Consultation.get(slot_id=s.id)
    assert row.cancel_reason == "临时有事" and row.cancelled_by_id == resident.id
    assert (await ConsultationSlot.get(id=s.id)).status is SlotStatus.OPEN
    twice = (await api.data(CANCEL, {"id": booking["id"]}, as_=resident))["consultationCancel"]
    assert [e["code"] for e in twice["errors"]] == ["INVALID_TRANSITION"]

    # the freed slot is booked by a neighbour, and this time the committee member cancels
    second = (
        await api.data(BOOK, {"slotId": gid("ConsultationSlot", s.id), "topic": "咨询"}, as_=neighbour)
    )["consultationBook"]
    assert second["errors"] == []
    data = await api.data(CANCEL, {"id": second["consultation"]["id"], "reason": "出差"}, as_=member_account)
    assert data["consultationCancel"]["consultation"]["status"] == "CANCELLED"
    assert (await ConsultationSlot.get(id=s.id)).status is SlotStatus.OPEN


async def test_the_committee_member_confirms_completes_and_marks_no_shows(api, factory, clock):
    binhu = await factory.community()
    member, member_account = await committee_member(factory, binhu)
    first_slot, second_slot = await slot(member, hours_from_now=2), await slot(member, hours_from_now=4)
    resident = await factory.account(Role.RESIDENT, binhu)
    one = (
        await api.data(
            BOOK, {"slotId": gid("ConsultationSlot", first_slot.id), "topic": "遗嘱"}, as_=resident
        )
    )["consultationBook"]["consultation"]["id"]
    two = (
        await api.data(
            BOOK, {"slotId": gid("ConsultationSlot", second_slot.id), "topic": "家事"}, as_=resident
        )
    )["consultationBook"]["consultation"]["id"]
    confirm = "mutation($id: ID!) { consultationConfirm(input: {id: $id}) { consultation { status } errors { code } } }"
    complete = "mutation($id: ID!) { consultationComplete(input: {id: $id}) { consultation { status } errors { code } } }"
    no_show = "mutation($id: ID!) { consultationMarkNoShow(input: {id: $id}) { consultation { status } errors { code } } }"

    assert await api.error_code(confirm, {"id": one}, as_=resident) == "FORBIDDEN"
    assert (await api.data(confirm, {"id": one}, as_=member_account))["consultationConfirm"] == {
        "consultation": {"status": "CONFIRMED"},
        "errors": [],
    }
    again = (await api.data(confirm, {"id": one}, as_=member_account))["consultationConfirm"]
    assert [e["code"] for e in again["errors"]] == ["INVALID_TRANSITION"]
    early = (await api.data(complete, {"id": one}, as_=member_account))["consultationComplete"]
    assert [e["code"] for e in early["errors"]] == ["NOT_ALLOWED"]

    clock.advance(hours=5)
    done = (await api.data(complete, {"id": one}, as_=member_account))["consultationComplete"]
    assert done["consultation"]["status"] == "COMPLETED"
    absent = (await api.data(no_show, {"id": two}, as_=member_account))["consultationMarkNoShow"]
    assert absent["consultation"]["status"] == "NO_SHOW"
    statuses = dict(await Consultation.all().values_list("topic", "status"))
    assert statuses == {"遗嘱": ConsultationStatus.COMPLETED, "家事": ConsultationStatus.NO_SHOW}
