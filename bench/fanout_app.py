"""The zhili app plus a plain starlette websocket broadcast, so both are measured in one server process."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from api.app import create_app

_sockets: set[WebSocket] = set()


async def plain_ws(websocket: WebSocket) -> None:
    await websocket.accept()
    _sockets.add(websocket)
    try:
        while True:
            await websocket.receive_text()
    except WebSocketDisconnect:
        pass
    finally:
        _sockets.discard(websocket)


async def plain_broadcast(request: Request) -> JSONResponse:
    """Send the posted JSON text to every plain socket: the baseline of a hand-written fan-out."""
    text = (await request.body()).decode()
    await asyncio.gather(*(ws.send_text(text) for ws in list(_sockets)), return_exceptions=True)
    return JSONResponse({"sent": len(_sockets)})


async def plain_count(request: Request) -> JSONResponse:
    return JSONResponse({"sockets": len(_sockets)})


app = create_app()
app.router.routes.extend(
    [
        WebSocketRoute("/bench/plain", plain_ws),
        Route("/bench/broadcast", plain_broadcast, methods=["POST"]),
        Route("/bench/count", plain_count),
    ]
)


async def zhili_subscribers(request: Request) -> JSONResponse:
    """How many subscriptions this process fans out to (all channels)."""
    from api import events

    return JSONResponse({"subscribers": sum(len(q) for q in events.hub()._local.values())})


app.router.routes.append(Route("/bench/subscribers", zhili_subscribers))
