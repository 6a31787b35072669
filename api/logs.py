"""Logging: one line per record, no personal data (ids only, never names, phones or addresses)."""

from __future__ import annotations

import logging

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
