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
    # The command board's live stream is served by a separate ASGI server (zhengyi.asgi_stream),
    # so no long-lived connection holds a WSGI request thread. Its public base URL: empty for
    # "the page's host on the stream port", "/" when a reverse proxy routes
    # /alerts/board/stream on the page's own origin, or an origin such as https://stream.example.
    stream_url: str = Field(default="", pattern=r"^(|/|https?://[^/\s]+/?)$")
    # The stream server's port on the page's host (used when stream_url is empty); `zhengyi
    # serve` sets it for the app server it starts. Unset: the page's port + 1.
    stream_port: int | None = Field(default=None, ge=1, le=65535)
    # Page origins allowed to read the stream cross-origin (comma-separated), in addition to the
    # CSRF trusted origins and any page on the stream server's own host name.
    stream_origins: str = ""
    # The ledger (docs/ledger.md). The origin names the log in every checkpoint: set it once,
    # before the first entry (the key generated at first run carries it).
    ledger_origin: str = Field(default="zhengyi.local/futian/ledger", pattern=r"^[^\s+]+$")
    # "log" appends and signs; "mirror" (an air-gapped public deployment) only imports bundles.
    ledger_role: str = Field(default="log", pattern="^(log|mirror)$")
    # When checkpoints are signed after a commit that appended: "background" (a per-process
    # thread, coalescing commits within ledger_checkpoint_delay_ms), "commit" (at once, in the
    # committing thread) or "off" (only `zhengyi ledger sign` and the start of `zhengyi serve`).
    ledger_checkpoint: str = Field(default="background", pattern="^(background|commit|off)$")
    ledger_checkpoint_delay_ms: int = Field(default=200, ge=0, le=60_000)
    # Where live intake's group commits run: "process" (a helper process per app process, see
    # zhengyi/core/helper_process.py), "thread" (a thread of the app process), or "" — a
    # process on SQLite, a thread on PostgreSQL.
    intake_writer: str = Field(default="", pattern="^(|process|thread)$")
    # Witness policy: how many of the configured witnesses must cosign a checkpoint.
    ledger_witnesses_required: int = Field(default=0, ge=0, le=100)
    # A mirror: the log's verifier keys it trusts (comma-separated note vkeys).
    ledger_log_keys: str = ""
    # The sunshine portal (docs/sunshine.md). public_only serves only the public side — /public/,
    # the ledger's public pages, static files — for a deployment on the internet side.
    public_only: bool = False
    # Counts below this in published alert summaries are shown as "<N" (with complements).
    sunshine_small_count: int = Field(default=5, ge=1, le=100)
    # Progress lookups allowed per client address per window.
    sunshine_lookup_limit: int = Field(default=10, ge=1, le=10_000)
    sunshine_lookup_window_s: int = Field(default=600, ge=10, le=86_400)
    # Serve the portal's home, list and publication pages from their stored rendering while
    # nothing they show has changed (zhengyi/sunshine/page_store.py); off renders every request.
    sunshine_page_store: bool = True


@lru_cache(maxsize=1)
def env() -> Env:
    return Env()
