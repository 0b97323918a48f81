"""Text layer first, then the configured OCR engine for the pages the layer cannot serve.

This is the one place that decides which engine reads which page, and the one place that
bounds how many pages are read at all, so every engine keeps its simple contract.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.ocr.text_layer import TextLayerEngine
from shared.ocr.types import OcrEngine, OcrRequest, PageResult, SourcePages


@dataclass(frozen=True)
class OcrOutcome:
    """Every page of the file, read, failed or skipped, in page order."""

    pages: list[PageResult]
    total_pages: int

    @property
    def ok_pages(self) -> list[PageResult]:
        return [p for p in self.pages if p.status == "ok"]

    @property
    def failed_pages(self) -> list[PageResult]:
        return [p for p in self.pages if p.status == "failed"]

    @property
    def skipped_pages(self) -> list[PageResult]:
        return [p for p in self.pages if p.status == "skipped"]

    @property
    def engines(self) -> list[str]:
        """Engines that produced text, most pages first (``textLayer`` / ``tesseract`` /
        ``vision``)."""
        counts: dict[str, int] = {}
        for page in self.ok_pages:
            counts[page.engine] = counts.get(page.engine, 0) + 1
        return sorted(counts, key=lambda e: -counts[e])


def _skipped(number: int, engine: str, why: str) -> PageResult:
    return PageResult(number, "", None, engine, status="skipped", error=why)  # type: ignore[arg-type]


def read_pages(
    pages: SourcePages,
    engine: OcrEngine,
    *,
    max_pages: int,
    max_ocr_pages: int,
    gcs_uri: str | None = None,
    document_id: str = "",
    attempt_token: str = "",
) -> OcrOutcome:
    """Read every page of ``pages`` (up to the caps) with the text layer, then ``engine``."""
    total = pages.page_count
    readable = list(range(min(total, max_pages)))
    results: dict[int, PageResult] = {}
    for number in range(len(readable) + 1, total + 1):
        results[number] = _skipped(number, engine.name, f"over the {max_pages}-page limit")

    needs_ocr = readable
    if pages.mime_type == "application/pdf":
        layer = TextLayerEngine().read(OcrRequest(pages, tuple(readable)))
        needs_ocr = []
        for page in layer:
            if page.status == "ok":
                results[page.page_number] = page
            else:
                needs_ocr.append(page.page_number - 1)

    to_read, over = needs_ocr[:max_ocr_pages], needs_ocr[max_ocr_pages:]
    for index in over:
        results[index + 1] = _skipped(index + 1, engine.name,
                                      f"over the {max_ocr_pages}-page OCR limit")
    if to_read:
        request = OcrRequest(pages, tuple(to_read), gcs_uri=gcs_uri, document_id=document_id,
                             attempt_token=attempt_token)
        for page in engine.read(request):
            results[page.page_number] = page
    ordered = [results[n] for n in sorted(results)]
    return OcrOutcome(ordered, total)
