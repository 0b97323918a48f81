"""The PDF's own text layer: free, exact when the PDF was born digital.

When is a text layer trustworthy? A page's layer is used instead of OCR only if
(``is_trustworthy``):

- it has at least ``MIN_VISIBLE_CHARS`` visible characters (a scanned page usually has
  none, or a stray header of a few characters stamped by the fax server), and
- at most ``MAX_GARBAGE_RATIO`` of them are garbage: U+FFFD, private-use code points or
  control characters, which is how PDFs whose fonts lack a ToUnicode map come out, and
- for a page that is mostly Japanese-free Latin soup (a layer from a Western OCR pass over
  a Japanese fax) at least ``MIN_JAPANESE_RATIO`` of letters are kana or kanji, unless the
  page has no letters at all.

Anything else goes to the configured OCR engine, page by page, so one PDF may mix
text-layer and OCR pages.
"""

from __future__ import annotations

import unicodedata

from shared.ocr.types import EngineName, OcrRequest, PageResult

MIN_VISIBLE_CHARS = 20
MAX_GARBAGE_RATIO = 0.05
MIN_JAPANESE_RATIO = 0.2


def _is_japanese(ch: str) -> bool:
    code = ord(ch)
    return (
        0x3040 <= code <= 0x30FF  # hiragana, katakana
        or 0x3400 <= code <= 0x9FFF  # CJK unified ideographs (+ ext A)
        or 0xF900 <= code <= 0xFAFF  # compatibility ideographs
        or 0xFF66 <= code <= 0xFF9F  # half-width katakana
    )


def is_trustworthy(text: str | None) -> bool:
    """Whether a page's text layer can stand in for OCR (the rule in the module doc)."""
    if not text:
        return False
    visible = [ch for ch in text if not ch.isspace()]
    if len(visible) < MIN_VISIBLE_CHARS:
        return False
    garbage = sum(
        1 for ch in visible
        if ch == "\ufffd" or unicodedata.category(ch) in ("Co", "Cc", "Cs", "Cn")
    )
    if garbage / len(visible) > MAX_GARBAGE_RATIO:
        return False
    letters = [ch for ch in visible if ch.isalpha()]
    if not letters:
        return True
    japanese = sum(1 for ch in letters if _is_japanese(ch))
    return japanese / len(letters) >= MIN_JAPANESE_RATIO


class TextLayerEngine:
    """Reads the embedded text; pages without a trustworthy layer come back ``failed``
    with ``error="no trustworthy text layer"`` so the chain sends them to OCR."""

    name: EngineName = "textLayer"

    def read(self, request: OcrRequest) -> list[PageResult]:
        results: list[PageResult] = []
        for index in request.page_indexes:
            text = request.pages.text_layer(index)
            if is_trustworthy(text):
                results.append(PageResult(index + 1, (text or "").strip(), None, "textLayer"))
            else:
                results.append(PageResult(index + 1, "", None, "textLayer", status="failed",
                                          error="no trustworthy text layer"))
        return results
