"""Settings, read once from the environment.

Everything configurable lives here; the rest of the code receives a `Settings` value
(the app, the CLI, the tests) instead of reading the environment itself.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from starlette.config import Config


class SettingsError(ValueError):
    """A setting is missing or malformed."""


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = "sqlite://zhili.sqlite3"
    broadcast_url: str = "memory://"
    #: prefix of every broadcast channel, so deployments can share one Redis
    broadcast_prefix: str = "zhili"
    env: str = "development"
    media_dir: str = "./media"
    #: lifetime of an access token, in seconds (default: 7 days)
    token_ttl_seconds: int = 7 * 24 * 3600
    #: failed logins for one username within `login_window_seconds` before it is throttled
    login_max_failures: int = 5
    login_window_seconds: int = 15 * 60
    #: argon2id parameters; raising them makes the next login rehash the stored hash
    argon2_time_cost: int = 3
    argon2_memory_cost: int = 65536
    argon2_parallelism: int = 4
    #: query protection
    max_query_depth: int = 12
    max_query_tokens: int = 2000
    max_aliases: int = 30
    max_page_size: int = 100
    default_page_size: int = 20
    #: uploads
    max_upload_bytes: int = 8 * 1024 * 1024
    max_photos: int = 6
    #: device ingest
    max_ingest_body_bytes: int = 2 * 1024 * 1024
    max_ingest_batch: int = 1000
    #: scheduler
    scheduler_interval_seconds: float = 30.0
    scheduler_lease_seconds: int = 60
    #: time zone of the communities served (opening hours, day boundaries)
    default_timezone: str = "Asia/Shanghai"
    log_level: str = "INFO"

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def debug(self) -> bool:
        return not self.production

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        config = Config(environ=dict(os.environ if environ is None else environ))
        defaults = cls()
        env = config("ZHILI_ENV", default=defaults.env)
        if env not in {"development", "test", "production"}:
            raise SettingsError(f"ZHILI_ENV must be development, test or production, not {env!r}")

        def num(name: str, default: int) -> int:
            try:
                return config(name, cast=int, default=default)
            except ValueError as exc:
                raise SettingsError(f"{name} must be a whole number") from exc

        settings = cls(
            database_url=config("ZHILI_DATABASE_URL", default=defaults.database_url),
            broadcast_url=config("ZHILI_BROADCAST_URL", default=defaults.broadcast_url),
            broadcast_prefix=config("ZHILI_BROADCAST_PREFIX", default=defaults.broadcast_prefix),
            env=env,
            media_dir=config("ZHILI_MEDIA_DIR", default=defaults.media_dir),
            token_ttl_seconds=num("ZHILI_TOKEN_TTL_SECONDS", defaults.token_ttl_seconds),
            login_max_failures=num("ZHILI_LOGIN_MAX_FAILURES", defaults.login_max_failures),
            login_window_seconds=num("ZHILI_LOGIN_WINDOW_SECONDS", defaults.login_window_seconds),
            argon2_time_cost=num("ZHILI_ARGON2_TIME_COST", defaults.argon2_time_cost),
            argon2_memory_cost=num("ZHILI_ARGON2_MEMORY_COST", defaults.argon2_memory_cost),
            argon2_parallelism=num("ZHILI_ARGON2_PARALLELISM", defaults.argon2_parallelism),
            max_query_depth=num("ZHILI_MAX_QUERY_DEPTH", defaults.max_query_depth),
            max_query_tokens=num("ZHILI_MAX_QUERY_TOKENS", defaults.max_query_tokens),
            max_aliases=num("ZHILI_MAX_ALIASES", defaults.max_aliases),
            max_upload_bytes=num("ZHILI_MAX_UPLOAD_BYTES", defaults.max_upload_bytes),
            log_level=config("ZHILI_LOG_LEVEL", default=defaults.log_level),
            default_timezone=config("ZHILI_TIMEZONE", default=defaults.default_timezone),
        )
        if settings.production:
            # production must be configured on purpose, never by falling back to the demo defaults
            for name in ("ZHILI_DATABASE_URL", "ZHILI_BROADCAST_URL", "ZHILI_MEDIA_DIR"):
                if name not in config.environ:
                    raise SettingsError(f"{name} must be set explicitly when ZHILI_ENV=production")
        return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read from the environment on first use."""
    return Settings.from_env()
