"""The four master types (``masters/{type}/items/{id}``) and the kit's masters file.

Field names are the seed's (camelCase in Firestore, snake_case in Python through the
alias generator of :class:`~shared.models.base.OpenModel`).

Why ``extra="allow"`` (``OpenModel``): masters are edited in the web client and by alias
learning, which may add fields this backend does not know (``notes``, ``nameKey`` …). A
read-modify-write by the import or the resolver must keep them, never drop them.
:class:`MastersFile` is the exception: it is the benchmark kit's exchange format, read
whole, and uses ``extra="ignore"`` so a file with extra top-level keys still loads.

``isDuplicate`` is kept because the web client shows it, but resolution never trusts it:
same-name groups are computed from the master list itself (see
:mod:`shared.resolution.index`), because a stored flag goes stale.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.models.base import OpenModel, UtcDatetime

MASTER_TYPES = ("documents", "customers", "offices", "caremanagers")


class _MasterBase(OpenModel):
    """Fields common to every master (seed: name, aliases, createdAt, updatedAt)."""

    id: str = ""
    name: str
    aliases: list[str] = Field(default_factory=list)
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None

    @field_validator("aliases", mode="before")
    @classmethod
    def _aliases_list(cls, value: Any) -> Any:
        # Firestore documents written by older tools store a missing list as null.
        return [] if value is None else value


class MasterDocumentType(_MasterBase):
    """``masters/documents``: a document type (書類種別)."""

    date_marker: str = ""
    category: str = ""
    keywords: list[str] = Field(default_factory=list)

    @field_validator("keywords", mode="before")
    @classmethod
    def _keywords_list(cls, value: Any) -> Any:
        return [] if value is None else value


class MasterCustomer(_MasterBase):
    """``masters/customers``: a client (利用者)."""

    is_duplicate: bool = False
    furigana: str = ""
    care_manager_name: str | None = None
    notes: str | None = None
    birth_date: str | None = None  # optional, not in the seed; separates 同姓同名 when known


class MasterOffice(_MasterBase):
    """``masters/offices``: a service provider (事業所)."""

    short_name: str | None = None
    is_duplicate: bool = False
    name_key: str | None = None
    notes: str | None = None


class MasterCareManager(_MasterBase):
    """``masters/caremanagers``: a care manager (ケアマネジャー)."""

    email: str | None = None
    notes: str | None = None


MASTER_MODELS: dict[str, type[_MasterBase]] = {
    "documents": MasterDocumentType,
    "customers": MasterCustomer,
    "offices": MasterOffice,
    "caremanagers": MasterCareManager,
}


class MastersFile(BaseModel):
    """The kit's ``masters.json``: ``{"documents": [...], "customers": [...], ...}``."""

    model_config = ConfigDict(extra="ignore")

    documents: list[MasterDocumentType] = Field(default_factory=list)
    customers: list[MasterCustomer] = Field(default_factory=list)
    offices: list[MasterOffice] = Field(default_factory=list)
    caremanagers: list[MasterCareManager] = Field(default_factory=list)

    def rows(self) -> dict[str, list[dict[str, Any]]]:
        """Items by type as stored dictionaries (camelCase, ``id`` included)."""
        return {
            t: [m.model_dump(by_alias=True, exclude_none=True) for m in getattr(self, t)]
            for t in MASTER_TYPES
        }


def __getattr__(name: str) -> Any:
    # ``MasterIndex`` lives with the engine (shared.resolution.index); the pipeline's
    # masters loader imports it from here. Imported lazily to avoid an import cycle.
    if name == "MasterIndex":
        from shared.resolution.index import MasterIndex

        return MasterIndex
    raise AttributeError(name)
