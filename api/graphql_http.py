"""Strawberry's ASGI view, made to pass the whole GraphQL-over-HTTP audit.

Stock ``strawberry.asgi.GraphQL`` passes every MUST of the ``graphql-http``
audit suite (``serverAudits``) but misses these SHOULDs:

* 22EB  answer with ``application/graphql-response+json`` when it is accepted;
* 865D, 556A, 51FE, 74FF, 86EE  under that media type, answer a request error
  (document parsing, document validation, variable coercion) with HTTP 400;
* D586, 5E5B  under that media type, leave the ``data`` entry out of a
  request error's body.

It also answers a mutation sent over GET with 400, where the spec says 405
Method Not Allowed (audit 9C48 accepts any 4xx; the spec's wording is a MUST).

``GraphQLView`` fixes those by overriding a few hooks and leaves everything
else (multipart uploads, GET queries, batching, streaming, both websocket
subprotocols) to strawberry. Responses negotiated as ``application/json``, the
default for clients that send no ``Accept``, ``*/*`` or only
``application/json``, are exactly what strawberry sends.
"""

from __future__ import annotations

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.typevars import Context, RootValue
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

__all__ = ["GRAPHQL_RESPONSE_JSON", "GraphQLView", "negotiate_media_type"]

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
"""The GraphQL-over-HTTP response media type (spec section 'Media Types')."""

_LEGACY_JSON = "application/json"
_JSON_MATCHES = frozenset({_LEGACY_JSON, "application/*", "*/*"})


def negotiate_media_type(accept: str | None) -> str:
    """Pick the response media type for an ``Accept`` header value.

    ``application/graphql-response+json`` only when the client names it
    explicitly with a weight at least that of whatever would match
    ``application/json`` (``application/json``, ``application/*``, ``*/*``).
    Everything else, a missing header included, gets ``application/json``,
    as audits 4655, 47DE and 80D8 and the spec's legacy-client rules ask.
    """
    if not accept:
        return _LEGACY_JSON
    graphql_response_q = 0.0
    json_q = 0.0
    for entry in accept.split(","):
        media_range, *params = entry.split(";")
        media_range = media_range.strip().lower()
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
        if media_range == GRAPHQL_RESPONSE_JSON:
            graphql_response_q = max(graphql_response_q, q)
        elif media_range in _JSON_MATCHES:
            json_q = max(json_q, q)
    if graphql_response_q > 0 and graphql_response_q >= json_q:
        return GRAPHQL_RESPONSE_JSON
    return _LEGACY_JSON


def _accept_header(request: Request | WebSocket) -> str:
    return ",".join(request.headers.getlist("accept"))


def _is_request_error(result: ExecutionResult) -> bool:
    """Whether the operation failed before execution started.

    Parse and validation failures come back from strawberry as
    ``PreExecutionError``. A variable-coercion failure comes back from
    graphql-core as a plain result with ``data`` None whose errors carry no
    ``path``; a field error that nulls the whole result always has one.
    """
    if isinstance(result, PreExecutionError):
        return True
    errors: list[GraphQLError] = result.errors or []
    return result.data is None and bool(errors) and all(error.path is None for error in errors)


class GraphQLView(GraphQL[Context, RootValue]):
    """``strawberry.asgi.GraphQL`` that passes every ``graphql-http`` server audit.

    Same constructor as strawberry's view; websockets and multipart uploads
    are strawberry's own code, untouched.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the ``Allow`` header that RFC 9110 requires on every 405.

        Strawberry turns its ``HTTPException`` into a bare text response; the
        405s (a GET mutation, audit 9C48 and the spec's MUST, or a method other
        than GET/POST) need ``Allow`` too. Websockets go to strawberry as is.
        """
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        try:
            response = await self.run(request)
        except HTTPException as exc:
            headers: dict[str, str] = {}
            if exc.status_code == 405:
                headers["allow"] = (
                    "GET, POST" if self.allow_queries_via_get and request.method != "GET" else "POST"
                )
            response = PlainTextResponse(exc.reason, status_code=exc.status_code, headers=headers)
        await response(scope, receive, send)

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: RootValue | None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Refuse an operation that GET may not run with 405, not strawberry's 400.

        The spec: a mutation over GET MUST get 405 Method Not Allowed (audit
        9C48 checks for a 4xx). Likewise a query over GET when the view was
        built with ``allow_queries_via_get=False``.
        """
        try:
            return await super().execute_single(
                request=request,
                request_adapter=request_adapter,
                sub_response=sub_response,
                context=context,
                root_value=root_value,
                request_data=request_data,
            )
        except HTTPException as exc:
            if isinstance(exc.__cause__, InvalidOperationTypeError) and request_adapter.method == "GET":
                raise HTTPException(405, exc.reason) from exc.__cause__
            raise

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        """Record the negotiated media type on the response-to-be.

        ``create_response`` does not see the request, so the content
        negotiation for audit 22EB is done here, once, and kept in the sub
        response's ``media_type`` (strawberry never sends the sub response
        itself, it only copies its headers, status and background).
        """
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = negotiate_media_type(_accept_header(request))
        return sub_response

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        """Leave ``data`` out of a request error's body under the new media type.

        Audits D586 and 5E5B: with ``application/graphql-response+json`` a
        parse or validation failure (and a variable-coercion failure) must not
        carry ``data``. Its absence is also what ``create_response`` keys the
        400 status on. ``application/json`` bodies keep strawberry's
        ``"data": null``, as existing clients expect.
        """
        response_data = await super().process_result(request, result)
        if (
            request.scope["type"] == "http"
            and negotiate_media_type(_accept_header(request)) == GRAPHQL_RESPONSE_JSON
            and _is_request_error(result)
        ):
            response_data.pop("data", None)
        return response_data

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        """Send the negotiated media type, and 400 for request errors under it.

        Audit 22EB: the ``Content-Type`` must be
        ``application/graphql-response+json`` when that was accepted.
        Audits 865D, 556A, 51FE, 74FF, 86EE: under it, a response without
        ``data`` (a request error, see ``process_result``) gets 400, unless a
        resolver or hook already set a status on the sub response.
        ``Vary: Accept`` keeps caches of GET responses apart per media type.
        """
        response = super().create_response(response_data, sub_response)
        response.headers.append("vary", "accept")
        if sub_response.media_type == GRAPHQL_RESPONSE_JSON:
            response.headers["content-type"] = f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8"
            if (
                isinstance(response_data, dict)
                and "data" not in response_data
                and not sub_response.status_code
            ):
                response.status_code = 400
        return response
