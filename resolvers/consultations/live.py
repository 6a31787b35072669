"""Following a consultation live: its state now, then its changes and messages."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from api import clock, events
from api.auth import Principal
from api.models.consultations import (
    Consultation,
    ConsultationMessage,
)
from resolvers.consultations.bookings import CONSULTATION_UPDATES, UpdateKind, authorize_updates

log = logging.getLogger("zhili.consultations")


@dataclass(frozen=True, slots=True)
class Followed:
    """One thing a follower of a consultation is told: its state now, a change, or a new message."""

    kind: str
    at: datetime
    consultation: Consultation
    message: ConsultationMessage | None = None


CURRENT = "CURRENT"


async def follow(*, principal: Principal, consultation_id: int) -> AsyncIterator[Followed]:
    """The consultation's state now, then its changes and messages as they happen.

    The channel is subscribed before the current state is read and sent, so a client that has
    received the first item misses nothing after it. Each event's rows are loaded once per
    process, however many followers it has. After a broadcast outage, the messages sent
    meanwhile are read from the database, then the current state is sent again.
    """
    consultation = await authorize_updates(principal, consultation_id)
    hub = events.hub()
    async with hub.subscribe(CONSULTATION_UPDATES.channel(consultation.id)) as queue:
        await consultation.refresh_from_db()
        last = clock.now()
        yield Followed(kind=CURRENT, at=last, consultation=consultation)
        while True:
            item = await queue.get()
            if item is None:
                return
            if isinstance(item, events.Reconnected):
                missed = await ConsultationMessage.filter(
                    consultation_id=consultation.id, sent_at__gt=last
                ).order_by("sent_at", "id")
                current = await Consultation.get(id=consultation.id)
                for message in missed:
                    yield Followed(
                        kind=UpdateKind.MESSAGE, at=message.sent_at, consultation=current, message=message
                    )
                last = clock.now()
                yield Followed(kind=CURRENT, at=last, consultation=current)
                continue
            event = CONSULTATION_UPDATES.decode(item)
            row = await hub.load_once(
                ("consultation", event.consultation_id, event.version),
                partial(Consultation.get, id=event.consultation_id),
            )
            new: ConsultationMessage | None = None
            if event.message_id is not None:
                new = await hub.load_once(
                    ("consultation-message", event.message_id),
                    partial(ConsultationMessage.get, id=event.message_id),
                )
            last = max(last, event.at)
            yield Followed(kind=event.kind, at=event.at, consultation=row, message=new)
