"""The ASGI app: assembled from lists, with one lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage

from api import clock, events, media
from api.auth import TOKEN_REVOKED, InvalidCredentials, authenticate
from api.db import close_db, init_db, ping
from api.events import Reconnected
from api.graphql_http import GraphQLView
from api.ingest import readings_endpoint
from api.logs import configure_logging
from api.scheduler import Scheduler
from api.settings import Settings, get_settings
from resolvers import reports
from resolvers.timers import JOBS
from schema.context import Context
from schema.root import build_schema

log = logging.getLogger("zhili.app")


def _ws_authorization(params: Any) -> str | None:
    if not isinstance(params, dict):
        return None
    value = params.get("authorization") or params.get("Authorization")
    return value if isinstance(value, str) else None


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """`graphql-transport-ws`: authenticate in `connection_init`; 4401 without a token, 4403 with a bad one."""

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        authorization = _ws_authorization(message.get("payload"))
        if authorization is None:
            await self.websocket.close(code=4401, reason="Unauthorized")
            return
        try:
            self.context.principal = await authenticate(authorization)
        except InvalidCredentials:
            await self.websocket.close(code=4403, reason="Forbidden")
            return
        principal = self.context.principal
        if principal.token_id is None:
            await super().handle_connection_init(message)
            return
        # listening for the token's revocation before the socket is acknowledged: none can slip between
        self._token_watch = contextlib.AsyncExitStack()
        revocations = await self._token_watch.enter_async_context(
            events.hub().subscribe(TOKEN_REVOKED.channel(principal.token_id))
        )
        await super().handle_connection_init(message)
        if self.connection_acknowledged:
            self._watchdog = asyncio.create_task(
                self._close_when_token_ends(revocations, principal.expires_at)
            )

    async def _close_when_token_ends(
        self, revocations: asyncio.Queue[Any], expires_at: datetime | None
    ) -> None:
        """The socket lives as long as its token: closed (4401) when it is revoked or expires."""

        async def revoked() -> None:
            while isinstance(await revocations.get(), Reconnected):
                continue

        waits = [asyncio.ensure_future(revoked())]
        if expires_at is not None:
            waits.append(
                asyncio.ensure_future(asyncio.sleep(max((expires_at - clock.now()).total_seconds(), 0)))
            )
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waits:
                task.cancel()
        with contextlib.suppress(Exception):
            await self.websocket.close(code=4401, reason="Token revoked or expired")

    async def shutdown(self) -> None:
        watchdog: asyncio.Task[None] | None = getattr(self, "_watchdog", None)
        if watchdog is not None:
            watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await watchdog
        watch: contextlib.AsyncExitStack | None = getattr(self, "_token_watch", None)
        if watch is not None:
            await watch.aclose()
        await super().shutdown()


class ZhiliGraphQL(GraphQLView[Context, None]):
    graphql_transport_ws_handler_class = TransportWSHandler

    def __init__(self, settings: Settings) -> None:
        super().__init__(
            build_schema(settings),
            graphql_ide="graphiql" if settings.debug else None,
            allow_queries_via_get=True,
            multipart_uploads_enabled=True,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
            keep_alive=True,
            keep_alive_interval=15,
        )
        self.settings = settings

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        context = Context(settings=self.settings, request=request, response=response)
        if isinstance(request, WebSocket):
            return context  # authenticated in connection_init
        try:
            context.principal = await authenticate(request.headers.get("authorization"))
        except InvalidCredentials as exc:
            context.credential_error = str(exc)
        return context

    async def on_ws_connect(self, context: Context) -> Any:
        """Legacy `graphql-ws`: the same check, answered with `connection_error`."""
        if context.principal.authenticated:
            return await super().on_ws_connect(context)
        authorization = _ws_authorization(context.connection_params)
        if authorization is None:
            raise ConnectionRejectionError(
                {"code": "UNAUTHENTICATED", "message": "Send authorization in connection_init."}
            )
        try:
            context.principal = await authenticate(authorization)
        except InvalidCredentials as exc:
            raise ConnectionRejectionError({"code": "FORBIDDEN", "message": str(exc)}) from exc
        return await super().on_ws_connect(context)


async def healthz(request: Request) -> JSONResponse:
    """Liveness: the process answers."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """Readiness: the database and the broadcast are reachable."""
    database = await ping()
    try:
        broadcast = await events.hub().ping()
    except RuntimeError:
        broadcast = False
    ok = database and broadcast
    return JSONResponse(
        {"status": "ok" if ok else "unavailable", "database": database, "broadcast": broadcast},
        status_code=200 if ok else 503,
    )


class BodyLimit:
    """Refuses a request whose declared body is over the limit (413) before anything reads it:
    the multipart parser would otherwise receive a whole oversized upload first."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            declared = dict(scope["headers"]).get(b"content-length")
            if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
                response = PlainTextResponse("Request body too large", status_code=413)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def routes(settings: Settings) -> list[BaseRoute]:
    graphql = ZhiliGraphQL(settings)
    return [
        Route("/graphql", graphql, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]),
        WebSocketRoute("/graphql", graphql),
        Route("/media/{path:path}", media.endpoint(reports.photo_for, settings), methods=["GET", "HEAD"]),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/ingest/v1/readings", readings_endpoint(settings), methods=["POST"]),
    ]


def create_app(settings: Settings | None = None, *, manage_db: bool = True) -> Starlette:
    """The app. `manage_db=False` leaves the database and event hub to the caller (tests)."""
    settings = settings or get_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        configure_logging(settings)
        if not manage_db:
            yield
            return
        await init_db(settings)
        hub = events.EventHub(settings.broadcast_url, prefix=settings.broadcast_prefix)
        await hub.start()
        previous = events.install(hub)
        scheduler = Scheduler(
            JOBS,
            interval_seconds=settings.scheduler_interval_seconds,
            lease_seconds=settings.scheduler_lease_seconds,
        )
        scheduler.start()
        log.info("zhili ready (env=%s, broadcast=%s)", settings.env, settings.broadcast_url.split("@")[-1])
        try:
            yield
        finally:
            await scheduler.stop()
            await hub.stop()
            events.install(previous)
            await close_db()

    return Starlette(
        debug=False,
        routes=routes(settings),
        middleware=[
            # every photo at its largest, and room for the rest of the request
            Middleware(BodyLimit, max_bytes=settings.max_photos * settings.max_upload_bytes + 1024 * 1024),
            Middleware(GZipMiddleware, minimum_size=1024),
        ],
        lifespan=lifespan,
    )
