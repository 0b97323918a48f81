"""A document's OCR text, normalised once and cut into lines with their position.

Position is evidence (a title is near the top of a page, a sender's letterhead near its
TEL/FAX line), so every line keeps its page and its index in the page. ``compact`` is the
line without any space: OCR and typists put spaces inside names and titles
(訪 問 介 護 計 画 書, 山田　太郎), and Japanese has no word spaces to lose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.normalize import normalize_text, to_hiragana

_SPACE = re.compile(r"\s+")
_FAX_HEADER = re.compile(
    r"(FAX|FROM|No\.\s?\d+|P\.\s?\d+\s?/\s?\d+|\d{1,2}:\d{2}|送信元|受信)", re.IGNORECASE
)
_DIGITS = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class Line:
    page: int
    index: int  # within its page
    text: str  # normalised, spaces collapsed
    compact: str  # normalised, no spaces, lower case, kana as hiragana (match form)
    is_fax_header: bool


@dataclass(frozen=True, slots=True)
class DocText:
    lines: list[Line]
    pages: int

    def page_lines(self, page: int) -> list[Line]:
        return [ln for ln in self.lines if ln.page == page]


def _fax_header(text: str, index: int) -> bool:
    # Fax machines print a header line (timestamp, number, page count) at the very top.
    if index > 1:
        return False
    hits = len(_FAX_HEADER.findall(text))
    return hits >= 2 and len(_DIGITS.findall(text)) >= 8


def prepare(text: str) -> DocText:
    """Normalise and split into lines (pages on form feeds); blank lines are dropped."""
    norm = normalize_text(text or "")
    lines: list[Line] = []
    pages = norm.split("\f")
    for p, page in enumerate(pages):
        idx = 0
        for raw in page.split("\n"):
            if not raw.strip():
                continue
            compact = to_hiragana(_SPACE.sub("", raw).lower())
            lines.append(Line(p, idx, raw, compact, _fax_header(raw, idx)))
            idx += 1
    return DocText(lines, len(pages))
