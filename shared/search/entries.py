"""What one document puts into the index: postings per token, date, fingerprint. Pure.

Besides its text and date tokens a document is listed under one group token per group it
counts in (``g:customer:やまだたろう``), with score 0, so the query can filter by group
through the same index. Split parents are not indexed (their parts are).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.grouping.aggregate import membership
from shared.search.furigana import FuriganaLookup
from shared.search.settings import get_search_settings
from shared.search.tokenize import (
    Posting,
    date_number,
    document_date,
    document_postings,
    group_token,
    token_hash,
)


@dataclass(frozen=True)
class IndexEntry:
    """The postings of one document and the ``search`` metadata kept on it."""

    postings: dict[str, Posting]  # every token, group tokens included
    date: int | None
    token_hash: str
    text_tokens: tuple[str, ...]  # what ``search.tokens`` on the document lists


def index_entry(doc_id: str, doc: dict[str, Any] | None, furigana: str | None = None,
                include_ocr: bool = False, ocr_cap: int = 0) -> IndexEntry | None:
    """The index entry of a live document; ``None`` when it must not be findable."""
    if doc is None or doc.get("status") == "split":
        return None
    postings = document_postings(doc, furigana, include_ocr, ocr_cap)
    text_tokens = tuple(sorted(postings))
    for group in membership(doc):
        postings[group_token(group.group_type, group.group_key)] = Posting(0.0, 0)
    day = document_date(doc)
    return IndexEntry(postings, date_number(day), token_hash(postings, day), text_tokens)


def entry_for(doc_id: str, doc: dict[str, Any] | None,
              furigana: FuriganaLookup) -> IndexEntry | None:
    """The entry of ``doc`` under this deployment's search settings."""
    settings = get_search_settings()
    return index_entry(doc_id, doc, furigana(doc), settings.index_ocr, settings.ocr_char_cap)


def same_entry(a: IndexEntry | None, b: IndexEntry | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a.token_hash == b.token_hash
