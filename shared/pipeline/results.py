"""What OCR results become in Firestore and Storage, and the size bound they keep.

The bound (what the web client streams stays small, whatever OCR returns):

- The list document ``documents/{id}`` gets ``ocrResult`` (the first
  ``inline_text_cap_chars`` characters of the text, ≤ 30 KB in UTF-8 at the default 10,000),
  ``ocrResultUrl`` when the text was longer (the full text in Storage), ``pageRotations``
  (only turned pages, at most ``MAX_ROTATIONS_ON_LIST`` entries), and ``ocrStats`` (counts
  and at most ``MAX_FAILED_PAGES_LISTED`` failed page numbers). With the intake and
  resolution fields the list document stays under ``LIST_DOCUMENT_BOUND_BYTES`` = 64 KiB.
- ``documents/{id}/detail/ocr`` holds ``pageResults``, one entry per page (at most
  ``max_pages`` = 2,000), each page's text cut to ``page_text_cap_chars`` characters and
  to an equal share of the bytes the bound leaves after the entries' other fields (and at
  most ``detail_text_budget_bytes`` in all), its error to 120 characters, so the detail
  document stays under
  ``DETAIL_DOCUMENT_BOUND_BYTES`` = 900 KiB, below Firestore's 1 MiB.
- The full text of every page, uncut, is in Storage at
  ``<pipeline prefix>ocr/<document id>/<attempt token>.txt`` (pages separated by a form
  feed) whenever anything was cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.ocr.chain import OcrOutcome
from shared.ocr.types import PageResult
from shared.pipeline.doc_size import document_size

LIST_DOCUMENT_BOUND_BYTES = 64 * 1024
DETAIL_DOCUMENT_BOUND_BYTES = 900 * 1024
MAX_ROTATIONS_ON_LIST = 200
MAX_FAILED_PAGES_LISTED = 50
MAX_ERROR_CHARS = 120
# Resolution reads the beginning of the text: what identifies a document is on its first
# pages, and matching time grows with the text.
RESOLUTION_TEXT_CAP_CHARS = 30_000
PAGE_SEPARATOR = "\n\n"


def full_text(outcome: OcrOutcome) -> str:
    """All read text, pages in order, separated by a blank line."""
    return PAGE_SEPARATOR.join(p.text for p in outcome.ok_pages if p.text)


def resolution_text(outcome: OcrOutcome) -> str:
    """What resolution reads: the pages' text separated by form feeds (the engine's
    contract), cut to ``RESOLUTION_TEXT_CAP_CHARS``."""
    return "\f".join(p.text for p in outcome.ok_pages)[:RESOLUTION_TEXT_CAP_CHARS]


def storage_text(outcome: OcrOutcome) -> str:
    """The uncut text as stored in Storage: one form feed between pages, like pdftotext."""
    return "\f".join(p.text for p in outcome.pages)


@dataclass(frozen=True)
class OcrFields:
    """The OCR part of one processing result."""

    list_fields: dict[str, Any]
    detail_fields: dict[str, Any]
    needs_storage: bool  # True when ``ocrResultUrl`` must point at the full text


def cut_utf8(text: str, max_chars: int, max_bytes: int) -> str:
    """``text`` cut to at most ``max_chars`` characters and ``max_bytes`` UTF-8 bytes."""
    cut = text[:max_chars]
    encoded = cut.encode("utf-8")
    if len(encoded) <= max_bytes:
        return cut
    return encoded[:max_bytes].decode("utf-8", "ignore")


def _page_entry(page: PageResult, text: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "pageNumber": page.page_number,
        "status": page.status,
        "engine": page.engine,
        "text": text,
        "textChars": len(page.text),
        "textTruncated": len(page.text) > len(text),
        "confidence": page.confidence,
        "rotation": page.rotation,
    }
    if page.vertical:
        entry["vertical"] = True
    if page.error:
        entry["error"] = page.error[:MAX_ERROR_CHARS]
    return entry


def page_entries(pages: list[PageResult], page_text_cap_chars: int,
                 detail_text_budget_bytes: int) -> list[dict[str, Any]]:
    """Per-page entries for the detail document, texts cut to fit its bound.

    The text budget is what the bound leaves after the entries' other fields (measured,
    not guessed), capped by ``detail_text_budget_bytes``, shared equally by the pages.
    """
    bare = [_page_entry(p, "") for p in pages]
    overhead = document_size("documents/x/detail/ocr", {"pageResults": bare,
                                                         "totalPages": len(pages)})
    budget = min(detail_text_budget_bytes, DETAIL_DOCUMENT_BOUND_BYTES - overhead - 4096)
    per_page = max(0, budget // max(1, len(pages)))
    return [_page_entry(p, cut_utf8(p.text, page_text_cap_chars, per_page)) for p in pages]


def ocr_fields(
    outcome: OcrOutcome,
    *,
    inline_text_cap_chars: int,
    page_text_cap_chars: int,
    detail_text_budget_bytes: int,
) -> OcrFields:
    """Split an OCR outcome into the list document, the detail document and Storage."""
    text = full_text(outcome)
    entries = page_entries(outcome.pages, page_text_cap_chars, detail_text_budget_bytes)
    any_page_cut = any(e["textTruncated"] for e in entries)
    inline = text[:inline_text_cap_chars]
    rotations = [{"pageNumber": p.page_number, "rotation": p.rotation}
                 for p in outcome.pages if p.rotation]
    failed = [p.page_number for p in outcome.failed_pages]
    confidences = [p.confidence for p in outcome.ok_pages if p.confidence is not None]
    engines = outcome.engines
    list_fields: dict[str, Any] = {
        "ocrResult": inline,
        "ocrTruncated": len(text) > len(inline),
        "ocrEngine": engines[0] if engines else None,
        "ocrEngines": engines,
        "totalPages": outcome.total_pages,
        "pageRotations": rotations[:MAX_ROTATIONS_ON_LIST],
        "ocrStats": {
            "pagesRead": len(outcome.ok_pages),
            "pagesFailed": len(failed),
            "pagesSkipped": len(outcome.skipped_pages),
            "failedPages": failed[:MAX_FAILED_PAGES_LISTED],
            "textChars": len(text),
            "meanConfidence": (round(sum(confidences) / len(confidences), 4)
                               if confidences else None),
        },
    }
    detail_fields: dict[str, Any] = {
        "pageResults": entries,
        "totalPages": outcome.total_pages,
    }
    return OcrFields(list_fields, detail_fields,
                     needs_storage=any_page_cut or len(text) > len(inline))
