"""Derived-data knobs a deployer may turn (environment variables ``DERIVED_*``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class DerivedSettings(BaseSettings):
    """How often a group may be rewritten, and how long bookkeeping is kept."""

    model_config = SettingsConfigDict(env_prefix="DERIVED_", case_sensitive=False,
                                      extra="ignore")

    # A group document is recomputed at most once per window (Firestore sustains about
    # one write per second per document: 2 s keeps every group at half of that).
    group_window_seconds: float = Field(default=2.0, gt=0, le=60)
    # Margin after a window closes before its recompute reads (clock skew between
    # instances is milliseconds; this is generous).
    group_settle_seconds: float = Field(default=0.25, ge=0, le=10)
    # Dirty marks and group read stamps are deleted by a TTL policy after this long.
    bookkeeping_retention_hours: float = Field(default=24.0, gt=0)


@lru_cache(maxsize=1)
def get_derived_settings() -> DerivedSettings:
    return DerivedSettings()
