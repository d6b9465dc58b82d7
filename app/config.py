"""Settings: the only place that reads the environment (prefix NATO_)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "nato.sqlite3"
DEFAULT_DATA_DIR = PROJECT_ROOT / "seed" / "data"


class Settings(BaseSettings):
    """Every setting of the service; the defaults boot with nothing set."""

    model_config = SettingsConfigDict(env_prefix="NATO_", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_SQLITE_PATH}",
        description="SQLAlchemy URL; sqlite:///path (default) or postgresql+psycopg://...",
    )
    database_pool_recycle: int = Field(
        default=-1,
        ge=-1,
        description="Seconds after which a pooled PostgreSQL connection is re-opened (-1: "
        "never). With a multi-host URL (target_session_attrs=prefer-standby), the delay "
        "before reads return to a standby that came back.",
    )
    data_dir: Path = Field(default=DEFAULT_DATA_DIR, description="Seed data folder.")
    environment: Literal["development", "production"] = "development"
    log_level: str = "INFO"
    access_log: bool = Field(default=True, description="One log line per request.")
    cors_origins: list[str] = Field(
        default_factory=lambda: ["*"],
        description="Origins allowed by CORS (read-only methods, never credentials).",
    )
    trusted_hosts: list[str] = Field(
        default_factory=lambda: ["*"], description="Host headers the API answers to."
    )
    cache_max_bytes: int = Field(
        default=64 * 1024 * 1024, ge=0, description="Byte budget of the response cache."
    )
    cache_max_age: int = Field(
        default=60,
        ge=0,
        description="Cache-Control max-age (seconds) of responses not pinned to an edition.",
    )
    cache_version_check_seconds: float = Field(
        default=1.0,
        ge=0,
        description="How often the response cache re-reads the dataset version (0: every "
        "request); a re-seed is served within this delay, without a restart.",
    )
    max_url_length: int = Field(default=4096, ge=256, description="Longest accepted URL.")
    max_query_params: int = Field(
        default=64, ge=1, description="Most query parameters accepted in one request."
    )
    max_body_bytes: int = Field(
        default=0, ge=0, description="Largest request body accepted (the API takes none)."
    )
    mcp_max_body_bytes: int = Field(
        default=64 * 1024,
        ge=1024,
        description="Largest request body POST /mcp accepts (one JSON-RPC message); beyond "
        "it, 413.",
    )
    db_wait_seconds: float = Field(
        default=10.0,
        gt=0,
        description="Longest wait of a request for a database connection before a 503 "
        "with Retry-After.",
    )
    max_header_bytes: int = Field(
        default=16 * 1024,
        ge=1024,
        description="Largest request head (request line and headers); beyond it, 431 and "
        "the connection is closed.",
    )
    max_headers: int = Field(
        default=100, ge=8, description="Most header fields in one request; beyond it, 431."
    )
    max_whole_answers: int = Field(
        default=8,
        ge=1,
        description="Whole-collection answers of /v1/observations (CSV, NDJSON or xlsx with no "
        "`limit` or `offset`) rendered or being sent at once per worker process; each holds "
        "every matching row (about 8 MB for the whole table) until its client has read it.",
    )
    whole_answer_wait_seconds: float = Field(
        default=10.0,
        gt=0,
        description="Longest wait of a whole-collection answer for a slot (max_whole_answers) "
        "before a 503 with Retry-After.",
    )
    header_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        le=30,
        description="A connection that has not sent a whole request head this long after it "
        "opened (or after its previous answer) is closed.",
    )
    send_timeout: float = Field(
        default=30.0,
        gt=0,
        le=300,
        description="A connection whose client accepts no bytes of an answer for this long "
        "(seconds) is dropped; at the connection limit, one stalled longest gives up its slot.",
    )
    keep_alive_seconds: int = Field(
        default=5, ge=1, description="Idle time after which a keep-alive connection is closed."
    )
    max_connections: int = Field(
        default=512,
        ge=1,
        description="Open connections per worker process; beyond it, a new connection is "
        "answered 503 with Retry-After and closed.",
    )


def get_settings() -> Settings:
    """Read the settings from the environment (call once, at start-up)."""
    return Settings()
