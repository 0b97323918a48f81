"""The one call from the pipeline into the resolution engine (type, customer, office, date).

``shared.resolution.engine.resolve_document(text, file_name, index, config)`` is the
engine's single entry point (text: pages separated by form feeds); this module gives it
the cached master index and turns its answer into document fields:

- ``fileDate`` comes back as a calendar date; Firestore stores timestamps, so it is
  stored as midnight of that day in Japan (what a Japanese office means by the date).
- ``ocrExtraction`` records what the machine read, whatever a person later decides, so
  corrections can be compared with it (edit audit, alias learning).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from google.cloud import firestore

from shared.pipeline.masters_loader import CachedMasters

JST = ZoneInfo("Asia/Tokyo")

Resolver = Callable[[str, str], dict[str, Any]]

# The document fields resolution may set (seed names); anything else it returns is ignored.
RESOLUTION_FIELDS = (
    "documentType", "fileDate", "category",
    "customerName", "customerId", "customerCandidates", "customerConfirmed",
    "isDuplicateCustomer", "careManager",
    "officeName", "officeId", "officeCandidates", "officeConfirmed", "suggestedNewOffice",
)


def as_timestamp(value: Any) -> Any:
    """A calendar date → midnight JST as an aware datetime; anything else unchanged."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=JST)
    return value


def to_fields(result: Any, now: datetime | None = None) -> dict[str, Any]:
    """The engine's answer as document fields (a result model or a mapping)."""
    if result is None:
        return {}
    raw = result.document_fields() if hasattr(result, "document_fields") else dict(result)
    fields = {k: as_timestamp(raw[k]) for k in RESOLUTION_FIELDS if k in raw}
    fields["ocrExtraction"] = {
        "documentType": fields.get("documentType"),
        "customerName": fields.get("customerName"),
        "officeName": fields.get("officeName"),
        "fileDate": fields.get("fileDate"),
        "careManager": fields.get("careManager"),
        "category": fields.get("category"),
        "extractedAt": now or datetime.now(UTC),
    }
    return fields


def make_resolver(db: firestore.Client, masters: CachedMasters, config: Any = None) -> Resolver:
    """A resolver over the masters of ``db`` (read through the per-instance cache)."""
    from shared.resolution.engine import resolve_document

    def resolve(text: str, file_name: str) -> dict[str, Any]:
        return to_fields(resolve_document(text, file_name, masters.get(db), config))

    return resolve
