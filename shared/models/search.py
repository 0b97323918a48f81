"""``search_index/{tokenId}``: the inverted index (seed 004: 反転インデックス + TF-IDF).

Closed (``extra="forbid"``): written only by the indexing function, read by the search
function; its shape bounds its size, and a stray field in a document that already holds
a large ``postings`` map is a defect to catch, not to carry along.

The seed's layout (one document per token, every posting in one map) is a hot spot and
grows without bound; how the indexer bounds it (sharding the token's postings over several
documents) is the indexer's concern. ``token`` records the raw token when ``tokenId`` is a
hash or a shard id; ``postings`` must be exempted from single-field indexing.
"""

from __future__ import annotations

from enum import IntFlag
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer

from shared.models.base import ClosedModel, UtcDatetime

SEARCH_INDEX = "search_index"


class FieldMask(IntFlag):
    """Which document fields a token occurs in (seed: ``fieldsMask``)."""

    CUSTOMER_NAME = 1
    OFFICE_NAME = 2
    DOCUMENT_TYPE = 4
    FILE_NAME = 8
    DATE = 16

    @classmethod
    def all(cls) -> FieldMask:
        return cls(sum(member.value for member in cls))


def _to_field_mask(value: Any) -> Any:
    """Accept an int (as Firestore returns it); refuse bits no field stands for."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0 or value & ~FieldMask.all().value:
            raise ValueError(f"fieldsMask {value} has bits outside {FieldMask.all().value}")
        return FieldMask(value)
    return value


FieldsMask = Annotated[
    FieldMask,
    BeforeValidator(_to_field_mask),
    PlainSerializer(int, return_type=int),  # stored as a plain integer
]


class Posting(ClosedModel):
    """One document's entry under a token: its TF-IDF ``score`` and where the token was."""

    score: float = Field(ge=0)
    fields_mask: FieldsMask
    updated_at: UtcDatetime


class SearchIndexEntry(ClosedModel):
    """``search_index/{tokenId}``: ``df`` (documents containing the token) and the
    postings, keyed by document id."""

    df: int = Field(ge=0)
    updated_at: UtcDatetime
    postings: dict[str, Posting] = Field(default_factory=dict)
    token: str | None = None
