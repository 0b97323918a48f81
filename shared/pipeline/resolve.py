"""The one call from the pipeline into the resolution engine (type, customer, office, date).

``shared.resolution.engine.resolve_document(text, file_name, index, config)`` is the
engine's single entry point; this module turns its answer into document fields. While the
engine is not installed the call site answers with no fields (nothing is guessed here).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from google.cloud import firestore

from shared import structured_log
from shared.pipeline.masters_loader import CachedMasters

logger = structured_log.get_logger("shared.pipeline.resolve")

Resolver = Callable[[str, str], dict[str, Any]]

# The document fields resolution may set (seed names); anything else it returns is ignored.
RESOLUTION_FIELDS = (
    "documentType", "fileDate", "category",
    "customerName", "customerId", "customerCandidates", "customerConfirmed",
    "isDuplicateCustomer", "careManager",
    "officeName", "officeId", "officeCandidates", "officeConfirmed", "suggestedNewOffice",
    "ocrExtraction", "summary",
)


def _engine() -> Callable[..., Any] | None:
    try:
        from shared.resolution.engine import resolve_document
    except ImportError:
        return None
    return resolve_document


def to_fields(result: Any) -> dict[str, Any]:
    """The engine's answer as document fields (a pydantic model or a mapping)."""
    if result is None:
        return {}
    if hasattr(result, "document_fields"):
        raw = result.document_fields()
    elif hasattr(result, "model_dump"):
        raw = result.model_dump(by_alias=True)
    else:
        raw = dict(result)
    return {k: raw[k] for k in RESOLUTION_FIELDS if k in raw}


def make_resolver(db: firestore.Client, masters: CachedMasters, config: Any = None) -> Resolver:
    """A resolver bound to the masters of ``db``; a no-op while the engine is missing."""
    engine = _engine()

    def resolve(text: str, file_name: str) -> dict[str, Any]:
        if engine is None:
            structured_log.log(logger, logging.WARNING, "resolution engine not installed")
            return {}
        index = masters.get(db)
        return to_fields(engine(text, file_name, index, config))

    return resolve
