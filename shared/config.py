"""Configuration from the environment, with local defaults that need no credentials.

One ``Settings`` object is read per process (``get_settings``); every knob a deployer may
turn is here, named as the environment variable that sets it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Process-wide settings; environment variables override the local defaults."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    google_cloud_project: str = Field(default="demo-care-docs")
    documents_bucket: str = Field(default="demo-care-docs-files")
    upload_prefix: str = Field(default="uploads/")
    gmail_prefix: str = Field(default="gmail/")
    # "local" = text layer then Tesseract; "vision" = text layer then Cloud Vision.
    ocr_engine: Literal["local", "vision"] = Field(default="local")
    # What to do with the same bytes arriving twice: link to the first, or process again.
    duplicate_policy: Literal["link", "process"] = Field(default="link")
    # An event older than this is not retried any more (poison-event guard), in seconds.
    event_max_age_seconds: int = Field(default=6 * 3600)
    # A ledger claim left "in progress" longer than this is considered crashed.
    ledger_in_progress_timeout_seconds: int = Field(default=600)
    # Ledger records carry ``expireAt`` this long after their last write, for a Firestore TTL
    # policy to delete them. Keep it well above how long a platform may redeliver an event
    # (Eventarc: 24 h) and above ``event_max_age_seconds``: a deleted record forgets the event.
    ledger_retention_seconds: int = Field(default=7 * 24 * 3600)
    log_level: str = Field(default="INFO")

    @property
    def project(self) -> str:
        return self.google_cloud_project


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process (cached: functions read them on every invocation)."""
    return Settings()
