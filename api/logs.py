"""Logging: one line per record, no personal data (ids only, never names, phones or addresses)."""

from __future__ import annotations

import logging
import traceback

from api.settings import Settings


def configure_logging(settings: Settings) -> None:
    logger = logging.getLogger("zhili")
    logger.setLevel(settings.log_level)
    if logger.handlers or logging.getLogger().handlers:
        return  # someone (uvicorn's --log-config, pytest) already decided where records go
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.propagate = False


def redacted_traceback(exc: BaseException | None) -> str:
    """Where an exception came from, without its messages: database errors quote the values they
    refused (a phone number, an address), and nothing personal may reach the logs."""
    if exc is None:
        return ""
    lines: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = traceback.extract_tb(current.__traceback__)
        lines.append(f"{type(current).__module__}.{type(current).__qualname__} (message withheld)")
        lines.extend(f"  at {f.filename}:{f.lineno} in {f.name}" for f in frames)
        current = current.__cause__ or current.__context__
    return "\n".join(lines)
