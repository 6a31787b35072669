"""`POST /ingest/v1/readings`: devices push one reading or a batch, authenticated by their ingest key.

202 `{"accepted": N, "alerts": [ids]}`; 401 for a missing or wrong key (or a disabled device);
413 for a body over `max_ingest_body_bytes`; 422 `{"errors": [{"index", "field", "message"}]}`
when any reading is invalid, in which case nothing is stored. The rules belong to the use case
(`resolvers.devices.ingest`); this handler only speaks HTTP.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from api import clock
from api.ids import global_id
from api.settings import Settings
from resolvers.devices import ingest, registry


class TooLarge(Exception):
    pass


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _errors(errors: list[dict[str, Any]], status: int) -> JSONResponse:
    return JSONResponse({"errors": errors}, status_code=status)


def readings_endpoint(settings: Settings) -> Any:
    async def readings(request: Request) -> JSONResponse:
        scheme, _, key = request.headers.get("authorization", "").strip().partition(" ")
        device = await registry.device_for_key(key.strip()) if scheme.lower() == "bearer" else None
        if device is None:
            return JSONResponse(
                {
                    "errors": [
                        {"index": None, "field": "authorization", "message": "a valid device key is required"}
                    ]
                },
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="ingest"'},
            )
        try:
            raw = await _body(request, settings.max_ingest_body_bytes)
        except TooLarge:
            return _errors(
                [
                    {
                        "index": None,
                        "field": "body",
                        "message": f"the body is larger than {settings.max_ingest_body_bytes} bytes",
                    }
                ],
                413,
            )
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return _errors([{"index": None, "field": "body", "message": "the body is not JSON"}], 422)
        try:
            batch = ingest.parse_batch(body, max_batch=settings.max_ingest_batch, now=clock.now())
        except ingest.InvalidBatch as exc:
            return _errors(
                [{"index": e.index, "field": e.field, "message": e.message} for e in exc.errors], 422
            )
        result = await ingest.ingest(device=device, readings=batch)
        return JSONResponse(
            {
                "accepted": result.accepted,
                "stored": result.stored,
                "alerts": [_alert_gid(i) for i in result.alert_ids],
            },
            status_code=202,
        )

    return readings


def _alert_gid(pk: int) -> str:
    return global_id("Alert", pk)
