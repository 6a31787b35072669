"""Committee members (政协e家), rooms, slots, consultations and their messages.

Profiles, rooms and open slots are public; a consultation and its messages are seen only by
its resident and its committee member (and administrators).
"""

from schema.consultations.operations import Mutation, Query, Subscription
from schema.consultations.types import (
    AccountConsultations,
    CommitteeMember,
    CommunityConsultations,
    Consultation,
    ConsultationMessage,
    ConsultationSlot,
    Room,
)

__all__ = [
    "AccountConsultations",
    "CommitteeMember",
    "CommunityConsultations",
    "Consultation",
    "ConsultationMessage",
    "ConsultationSlot",
    "Mutation",
    "Query",
    "Room",
    "Subscription",
]
