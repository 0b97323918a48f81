"""``documentGroups/{groupType}_{groupKey}``: per-group counts and previews (seed 004).

A cache the derived-data function recomputes from ``documents``; the web client reads it to
draw the customer / office / type / care-manager lists without scanning every document.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from shared.models.base import ClosedModel, OpenModel, UtcDatetime

DOCUMENT_GROUPS = "documentGroups"
LATEST_DOCS_LIMIT = 3  # seed: プレビュー用（最新3件）


class GroupType(StrEnum):
    """Seed: ``customer | office | documentType | careManager``."""

    CUSTOMER = "customer"
    OFFICE = "office"
    DOCUMENT_TYPE = "documentType"
    CARE_MANAGER = "careManager"


def group_id(group_type: GroupType | str, group_key: str) -> str:
    """The document id ``{groupType}_{groupKey}`` (e.g. ``customer_やまだたろう``)."""
    if not group_key:
        raise ValueError("groupKey must not be empty")
    if "/" in group_key:
        raise ValueError("groupKey must not contain '/' (it is part of a document id)")
    return f"{GroupType(group_type).value}_{group_key}"


class LatestDocPreview(ClosedModel):
    """One entry of ``latestDocs``: just enough to draw a preview row.

    Closed: a group document carries several of these, rewritten on every change in the
    group; anything beyond the seven preview fields is weight on a hot document.
    """

    id: str
    file_name: str | None = None
    document_type: str | None = None
    customer_name: str | None = None
    office_name: str | None = None
    file_date: UtcDatetime | None = None
    processed_at: UtcDatetime | None = None


class DocumentGroup(OpenModel):
    """One group. ``id`` repeats the document id, as the seed has it.

    Open: the derived-data function may keep its own bookkeeping beside the seed's fields
    (what it needs to converge to the live state), and a newer version of it must not be
    broken by an older reader during a rolling deploy.
    """

    id: str
    group_type: GroupType
    group_key: str = Field(min_length=1)
    display_name: str
    count: int = Field(ge=0)
    latest_at: UtcDatetime | None = None  # None for a group that has become empty
    latest_docs: list[LatestDocPreview] = Field(
        default_factory=list, max_length=LATEST_DOCS_LIMIT)
    updated_at: UtcDatetime | None = None

    @model_validator(mode="after")
    def _id_matches_key(self) -> DocumentGroup:
        if self.id != group_id(self.group_type, self.group_key):
            raise ValueError("id must be '{groupType}_{groupKey}'")
        return self
