"""Pick the OCR engine from configuration: the only place that knows every engine."""

from __future__ import annotations

from shared.config import Settings
from shared.ocr.types import OcrEngine
from shared.pipeline.settings import PipelineSettings


def select_engine(settings: Settings, pipeline: PipelineSettings) -> OcrEngine:
    """``OCR_ENGINE=vision`` → Cloud Vision; ``local`` (default) → Tesseract.

    Both run after the PDF text layer (see ``shared.ocr.chain``).
    """
    if settings.ocr_engine == "vision":
        from shared.clients import get_storage
        from shared.ocr.vision import VisionEngine, make_vision_client

        endpoint = pipeline.vision_api_endpoint
        return VisionEngine(
            lambda: make_vision_client(endpoint),
            get_storage,
            project=settings.project,
            bucket=settings.documents_bucket,
            output_prefix=pipeline.pipeline_prefix,
            location=pipeline.vision_location,
            sync_max_pages=pipeline.vision_sync_max_pages,
            async_timeout_seconds=pipeline.vision_async_timeout_seconds,
        )
    from shared.ocr.tesseract import TesseractEngine

    return TesseractEngine(dpi=pipeline.render_dpi, max_megapixels=pipeline.max_ocr_megapixels)


def max_ocr_pages(settings: Settings, pipeline: PipelineSettings) -> int:
    """How many pages the chosen engine may OCR in one invocation."""
    return pipeline.max_pages if settings.ocr_engine == "vision" else pipeline.local_ocr_max_pages
