"""The per-request (or per-websocket) context."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

from strawberry.types import Info as StrawberryInfo

from api.auth import ANONYMOUS, Principal
from api.loaders import Loaders
from api.settings import Settings

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.websockets import WebSocket


@dataclass
class Context:
    settings: Settings
    principal: Principal = ANONYMOUS
    #: set when a credential was sent but is unknown, expired or revoked
    credential_error: str | None = None
    loaders: Loaders = field(default_factory=Loaders)
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    request: Request | WebSocket | None = None
    response: Any = None
    #: the `connection_init` payload of a websocket
    connection_params: Any = None
    #: set when a result depends on the individual reader, so it is not shared (`schema.sharing`)
    unshareable: bool = False


Info: TypeAlias = StrawberryInfo[Context, None]
