"""Settings, read once at the entry point from the environment and an optional `.env` file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.intake.reading import ReadLimits
from bot.storage.db import Timeouts

# The project's folder when the package runs from a checkout (make run, an editable install): its corpus, data
# and .env are found from any working directory. Installed elsewhere, paths are relative to the working directory.
PROJECT = Path(__file__).resolve().parent.parent
_HOME = PROJECT if (PROJECT / "pyproject.toml").is_file() and (PROJECT / "corpus").is_dir() else Path()


class Settings(BaseSettings):
    """Every setting the bot reads; `.env.example` documents each one."""

    # the project's .env, then one in the working directory (which wins)
    model_config = SettingsConfigDict(env_file=(_HOME / ".env", ".env"), env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: SecretStr | None = None

    data_dir: Path = _HOME / "data"
    database_url: str | None = None
    corpus_dir: Path = _HOME / "corpus"
    # how long the database may take (bot/storage/db.py Timeouts) and how long a reply waits for it
    database_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    database_statement_timeout_seconds: float = Field(default=10.0, gt=0)
    sqlite_busy_timeout_seconds: float = Field(default=5.0, ge=0)
    database_wait_seconds: float = Field(default=0.5, gt=0)
    question_backlog: int = Field(default=10_000, ge=0)

    # the answer model's probability below which a question is declined; unset: the one chosen in training
    decline_threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    top_k: int = Field(default=3, ge=1, le=20)
    max_question_chars: int = Field(default=500, ge=10)
    max_upload_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    send_rate_limit: float = Field(default=30.0, ge=0)
    index_poll_seconds: float = Field(default=2.0, ge=0)
    concurrent_updates: int = Field(default=32, ge=1)
    flood_limit: int = Field(default=6, ge=1)
    flood_window_seconds: float = Field(default=30.0, gt=0)
    group_flood_limit: int = Field(default=20, ge=1)
    group_flood_window_seconds: float = Field(default=60.0, gt=0)
    add_timeout_seconds: float = Field(default=600.0, gt=0)
    context_seconds: float = Field(default=600.0, ge=0)
    fetch_allow_private_hosts: bool = False
    parse_workers: int = Field(default=2, ge=1, le=16)
    parse_timeout_seconds: float = Field(default=30.0, gt=0)
    parse_cpu_seconds: float = Field(default=30.0, gt=0)
    parse_memory_mb: int = Field(default=1024, ge=128)
    max_document_chars: int = Field(default=1_000_000, ge=1)
    max_document_sentences: int = Field(default=10_000, ge=1)
    webhook_max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # the meaning layer (all-MiniLM-L6-v2 sentence vectors); off, or without the model files, answers are lexical
    meaning: bool = True
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    log_level: str = "INFO"

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(";", ",").split(",") if part.strip())
        return value

    @field_validator("telegram_bot_token", "webhook_secret", "webhook_url", "database_url", "decline_threshold",
                     mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def resolved_database_url(self) -> str:
        """The configured database, or a SQLite file under the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'eventbot.sqlite3').resolve()}"

    @property
    def database_timeouts(self) -> Timeouts:
        return Timeouts(connect=self.database_connect_timeout_seconds, statement=self.database_statement_timeout_seconds,
                        busy=self.sqlite_busy_timeout_seconds, wait=self.database_wait_seconds)

    @property
    def index_dir(self) -> Path:
        """Where the index is saved between runs."""
        return self.data_dir / "index"

    @property
    def read_limits(self) -> ReadLimits:
        """What reading one untrusted document may cost (see bot/intake/reading.py)."""
        return ReadLimits(cpu_seconds=self.parse_cpu_seconds, wall_seconds=self.parse_timeout_seconds,
                          memory_mb=self.parse_memory_mb, max_chars=self.max_document_chars,
                          max_sentences=self.max_document_sentences)

    @property
    def has_token(self) -> bool:
        return self.telegram_bot_token is not None
