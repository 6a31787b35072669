"""Uploaded photos: checked from their bytes, stored under the media directory, served with authorisation.

- A photo's type is read from its first bytes (`filetype`), never from the client's file name or
  content type: JPEG, PNG and WebP only. Each is at most `settings.max_upload_bytes`, and a
  request carries at most `settings.max_photos`.
- Files get random names, so a URL cannot be guessed from another one.
- `saving` writes the files before the database transaction and removes them when anything
  after fails, so a refused or failed mutation leaves no stray file.
- `endpoint` serves `/media/{path}`: the caller's bearer token is checked, and a domain's
  `find` decides whether this principal may see the file; everyone else gets 404, so a
  photo's existence does not leak.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import filetype
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from api.auth import InvalidCredentials, Principal, authenticate
from api.errors import ErrorCode, Validator
from api.settings import Settings

#: the media types accepted, with the extension a stored file gets
ALLOWED_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
_READ_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class PendingPhoto:
    """An upload that passed the checks, not yet written."""

    data: bytes
    content_type: str

    @property
    def extension(self) -> str:
        return ALLOWED_TYPES[self.content_type]


@dataclass(frozen=True, slots=True)
class StoredPhoto:
    """A written file: `path` is relative to the media directory (and is the URL's tail)."""

    path: str
    content_type: str
    size: int


async def _read(upload: Any, limit: int) -> bytes:
    """At most `limit + 1` bytes of an upload: a starlette `UploadFile`, or bytes from a direct caller."""
    if isinstance(upload, bytes | bytearray):
        return bytes(upload[: limit + 1])
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = await upload.read(min(_READ_CHUNK, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


async def read_photos(
    uploads: Sequence[Any], settings: Settings, v: Validator, *, field: str = "photos"
) -> list[PendingPhoto]:
    """Check every upload; problems are added to `v` (one per photo, field `photos.<i>`)."""
    if len(uploads) > settings.max_photos:
        v.add(ErrorCode.TOO_MANY_FILES, f"At most {settings.max_photos} photos.", field)
        return []
    photos: list[PendingPhoto] = []
    for i, upload in enumerate(uploads):
        data = await _read(upload, settings.max_upload_bytes)
        where = f"{field}.{i}"
        if len(data) > settings.max_upload_bytes:
            v.add(
                ErrorCode.FILE_TOO_LARGE,
                f"A photo is at most {settings.max_upload_bytes // 1024} KiB.",
                where,
            )
            continue
        kind = filetype.guess(data) if data else None
        if kind is None or kind.mime not in ALLOWED_TYPES:
            v.add(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "A photo is a JPEG, PNG or WebP image.", where)
            continue
        photos.append(PendingPhoto(data=data, content_type=kind.mime))
    return photos


def _root(settings: Settings) -> Path:
    return Path(settings.media_dir).resolve()


def _write(root: Path, folder: str, photo: PendingPhoto) -> StoredPhoto:
    directory = root / folder
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_urlsafe(18)}.{photo.extension}"
    temporary = directory / f".{name}.part"
    temporary.write_bytes(photo.data)
    os.replace(temporary, directory / name)  # readers never see a half-written file
    return StoredPhoto(path=f"{folder}/{name}", content_type=photo.content_type, size=len(photo.data))


def _remove(root: Path, stored: Sequence[StoredPhoto]) -> None:
    for photo in stored:
        with contextlib.suppress(FileNotFoundError):
            (root / photo.path).unlink()


@contextlib.asynccontextmanager
async def saving(
    photos: Sequence[PendingPhoto], settings: Settings, *, folder: str
) -> AsyncIterator[list[StoredPhoto]]:
    """Write the photos; if the block raises, remove them again and re-raise."""
    root = _root(settings)
    stored: list[StoredPhoto] = []
    try:
        for photo in photos:
            stored.append(await asyncio.to_thread(_write, root, folder, photo))
        yield stored
    except BaseException:
        await asyncio.to_thread(_remove, root, stored)
        raise


def locate(path: str, settings: Settings) -> Path | None:
    """The file for a stored path, or None when it would fall outside the media directory."""
    root = _root(settings)
    candidate = (root / path).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


#: decides whether a principal may see a stored file; returns its media type, or None (404)
Finder = Callable[[Principal, str], Awaitable[str | None]]


def endpoint(find: Finder, settings: Settings) -> Callable[[Request], Awaitable[Response]]:
    """The `/media/{path}` handler."""

    async def serve(request: Request) -> Response:
        try:
            principal = await authenticate(request.headers.get("authorization"))
        except InvalidCredentials:
            return JSONResponse(
                {"error": "unauthenticated"}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
            )
        path = str(request.path_params["path"])
        content_type = await find(principal, path) if principal.account_id is not None else None
        file = locate(path, settings) if content_type is not None else None
        if content_type is None or file is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        return FileResponse(
            file,
            media_type=content_type,
            headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
        )

    return serve
