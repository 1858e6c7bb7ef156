"""Typed environment configuration.

Every setting an operator may change comes from an environment variable, parsed and
validated here once, so a typo in production fails at start with a clear message instead
of silently falling back to a default.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Env(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ZHENGYI_", extra="ignore", case_sensitive=False)

    # Where the embedded SQLite database, the signing keys and uploads live.
    data_dir: Path = PROJECT_ROOT / "var"
    # PostgreSQL in production: postgres://user:pass@host:5432/name. Read without prefix,
    # because that is the name every PaaS and operator already uses.
    database_url: str = Field(default="", validation_alias="DATABASE_URL")
    secret_key: str = ""
    debug: bool = False
    allowed_hosts: str = "127.0.0.1,localhost,[::1],testserver"
    csrf_trusted_origins: str = ""
    secure_cookies: bool = False
    # Demo accounts share a published password; a production start refuses to run while
    # they exist unless this is set.
    allow_demo_accounts: bool = False
    login_max_failures: int = Field(default=5, ge=1, le=100)
    login_lockout_minutes: int = Field(default=15, ge=1, le=24 * 60)
    log_format: str = Field(default="json", pattern="^(json|text)$")
    log_level: str = Field(default="INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")
    time_zone: str = "Asia/Shanghai"
    # Folder of the shared third-party data (Futian geography …).
    shared_data: Path | None = None


@lru_cache(maxsize=1)
def env() -> Env:
    return Env()
