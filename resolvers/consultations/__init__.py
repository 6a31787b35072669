"""Consultations with committee members (政协e家): profiles, rooms, slots, bookings, messages, reminders.

Profiles and open slots are public. A slot is booked with a conditional UPDATE (`OPEN` →
`BOOKED`), so of concurrent bookings exactly one wins and the others get ALREADY_TAKEN;
cancelling frees it again. Only the resident and the committee member of a consultation
read and write its messages. Changes are published on the consultation's channel after commit.
"""

from resolvers.consultations.bookings import (
    CONSULTATION_UPDATES,
    MAX_FUTURE_BOOKINGS,
    REMINDER_LEAD,
    ConsultationChanged,
    UpdateKind,
    authorize_updates,
    book,
    cancel,
    consultations_of,
    messages_queryset,
    run_timers,
    send_message,
    set_status,
)
from resolvers.consultations.live import CURRENT, Followed, follow
from resolvers.consultations.members import (
    committee_members,
    create_committee_member,
    create_room,
    manages_member,
    member_community_ids,
    rooms,
)
from resolvers.consultations.slots import (
    MAX_SLOT_RANGE,
    SlotSpec,
    check_slot_range,
    create_slots,
    is_available,
    slots_by_member,
    utc,
    withdraw_slot,
)

__all__ = [
    "CONSULTATION_UPDATES",
    "CURRENT",
    "MAX_FUTURE_BOOKINGS",
    "MAX_SLOT_RANGE",
    "REMINDER_LEAD",
    "ConsultationChanged",
    "Followed",
    "SlotSpec",
    "UpdateKind",
    "authorize_updates",
    "book",
    "cancel",
    "check_slot_range",
    "committee_members",
    "consultations_of",
    "create_committee_member",
    "create_room",
    "create_slots",
    "follow",
    "is_available",
    "manages_member",
    "member_community_ids",
    "messages_queryset",
    "rooms",
    "run_timers",
    "send_message",
    "set_status",
    "slots_by_member",
    "utc",
    "withdraw_slot",
]
