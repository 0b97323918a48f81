"""Knobs of the document pipeline (OCR limits, size caps, retry and rescue bounds).

Kept beside the pipeline rather than in ``shared.config`` so that the pipeline's limits are
read in one place; the engine choice (``OCR_ENGINE``) and the duplicate policy
(``DUPLICATE_POLICY``) stay in the process-wide ``Settings``. Every field is set by the
environment variable of the same name.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PipelineSettings(BaseSettings):
    """Bounds that keep one document's processing inside one function invocation."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    # Objects under this prefix are the pipeline's own outputs (long OCR text, Vision async
    # results); intake ignores them.
    pipeline_prefix: str = Field(default="_pipeline/")
    # Files larger than this are refused (ファイル処理エラー) instead of read into memory.
    max_file_bytes: int = Field(default=100 * 1024 * 1024)
    # Pages beyond this are counted but not read at all (Vision's async limit is 2,000).
    max_pages: int = Field(default=2000)
    # Pages the local OCR (Tesseract) reads per document; beyond it pages are skipped and
    # reported, so one long scan cannot outlive the 540 s function timeout.
    local_ocr_max_pages: int = Field(default=100)
    render_dpi: int = Field(default=200)
    # Images are downscaled to at most this many pixels before OCR (A4 at 300 dpi ≈ 8.7 MP).
    max_ocr_megapixels: float = Field(default=12.0)
    # Images larger than this are refused as a likely decompression bomb.
    max_image_megapixels: float = Field(default=200.0)

    # Size discipline: see shared.pipeline.results for the bound these caps give.
    page_text_cap_chars: int = Field(default=4000)
    inline_text_cap_chars: int = Field(default=10000)
    detail_text_budget_bytes: int = Field(default=600_000)

    # Lifecycle.
    stuck_after_seconds: int = Field(default=900)  # > the 540 s event-function timeout
    max_rescues: int = Field(default=3)
    max_processing_attempts: int = Field(default=5)
    transient_retries: int = Field(default=3)
    transient_backoff_base_seconds: float = Field(default=1.0)
    transient_backoff_cap_seconds: float = Field(default=20.0)
    requeue_backoff_base_seconds: float = Field(default=120.0)
    quota_backoff_base_seconds: float = Field(default=3600.0)
    quota_backoff_cap_seconds: float = Field(default=6 * 3600.0)
    rescue_batch_limit: int = Field(default=200)

    # Cloud Vision.
    vision_api_endpoint: str | None = Field(default=None)  # e.g. a local fake, insecure gRPC
    vision_sync_max_pages: int = Field(default=20)  # longer PDFs go the async route
    vision_location: str = Field(default="asia")
    vision_async_timeout_seconds: float = Field(default=420.0)

    masters_cache_seconds: float = Field(default=300.0)


@lru_cache(maxsize=1)
def get_pipeline_settings() -> PipelineSettings:
    return PipelineSettings()
