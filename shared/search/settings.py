"""Search knobs a deployer may turn (environment variables ``SEARCH_*``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SearchSettings(BaseSettings):
    """Index and query settings; the defaults suit one care office."""

    model_config = SettingsConfigDict(env_prefix="SEARCH_", case_sensitive=False,
                                      extra="ignore")

    # OCR text is long and mostly noise for finding a document: off unless asked for,
    # and then only its first ``ocr_char_cap`` characters.
    index_ocr: bool = Field(default=False)
    ocr_char_cap: int = Field(default=300, ge=0, le=5000)
    page_size_max: int = Field(default=100, ge=1, le=500)
    stats_cache_seconds: float = Field(default=60.0, ge=0)


@lru_cache(maxsize=1)
def get_search_settings() -> SearchSettings:
    return SearchSettings()
